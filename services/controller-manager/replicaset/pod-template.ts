/** The pod a ReplicaSet creates from its template, as Kubernetes' GetPodFromTemplate builds it. */
import type { OwnerReference } from '../../../shared/resources/meta.js';
import type { Pod, PodTemplateSpec, ReplicaSet } from '../../../shared/resources/types.js';
import { cloneJson } from '../../../shared/resources/json.js';
import { newControllerRef } from './controller-ref.js';

/** `<name>-`: the gateway appends a random suffix. */
export function podNamePrefix(controllerName: string): string {
  return `${controllerName}-`;
}

/**
 * A new pod for rs: generateName `<rs-name>-`, the ReplicaSet's namespace, labels, annotations and
 * finalizers copied from the template, one owner reference (the controller reference, with
 * controller and blockOwnerDeletion true) and a copy of the template's spec. Nothing of rs is
 * shared with the result.
 */
export function podFromTemplate(
  rs: ReplicaSet,
  template: PodTemplateSpec = rs.spec.template,
  controllerRef: OwnerReference = newControllerRef(rs),
): Pod {
  const tm = template.metadata ?? {};
  const metadata: Pod['metadata'] = { generateName: podNamePrefix(rs.metadata.name ?? '') };
  if (rs.metadata.namespace !== undefined) metadata.namespace = rs.metadata.namespace;
  if (tm.labels) metadata.labels = { ...tm.labels };
  if (tm.annotations) metadata.annotations = { ...tm.annotations };
  if (tm.finalizers?.length) metadata.finalizers = [...tm.finalizers];
  metadata.ownerReferences = [{ ...controllerRef }];
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: cloneJson(template.spec) };
}
