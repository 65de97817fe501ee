/**
 * The DefaultIngressClass admission plugin: an Ingress created without spec.ingressClassName (and
 * without the deprecated kubernetes.io/ingress.class annotation) gets the default IngressClass's
 * name. The decision is pure (shared/resources/ingress.ts defaultClassFor); this only reads the
 * classes, and only for Ingresses.
 */
import type { ResourceInfo } from '../../shared/resources/registry.js';
import type { KObject } from '../../shared/resources/meta.js';
import { defaultClassFor, type Ingress, type IngressClass } from '../../shared/resources/ingress.js';
import { isPlainObject } from '../../shared/resources/json.js';

export async function admitDefaultIngressClass(info: ResourceInfo, obj: KObject, listClasses: () => Promise<IngressClass[]>): Promise<KObject> {
  if (info.kind !== 'Ingress' || info.group !== 'networking.k8s.io') return obj;
  const ing = obj as Ingress;
  if (ing.spec?.ingressClassName !== undefined || ing.metadata?.annotations?.['kubernetes.io/ingress.class'] !== undefined) return obj;
  const name = defaultClassFor(ing, await listClasses());
  if (name === undefined) return obj;
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  return { ...obj, spec: { ...spec, ingressClassName: name } };
}
