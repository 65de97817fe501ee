/**
 * Pod admission for what this cluster has no API for, so a pod never runs without what it asked:
 *   - `runtimeClassName`: Kubernetes' RuntimeClass admission refuses a pod naming a RuntimeClass
 *     that does not exist (403 `pod rejected: RuntimeClass "x" not found`); this cluster serves no
 *     RuntimeClass (node.k8s.io), so every named class is one that does not exist;
 *   - `resourceClaims` (dynamic resource allocation): no resource.k8s.io API here (Kubernetes 1.32
 *     has the gate off and drops the field); refused with 422 rather than dropped unseen.
 */
import { ApiError, invalid } from '../../shared/errors.js';
import { forbidden } from '../../shared/resources/field-errors.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { ResourceInfo } from '../../shared/resources/registry.js';

export function admitPod(info: ResourceInfo, obj: KObject): KObject {
  if (info.kind !== 'Pod' || info.group !== '') return obj;
  const spec = (obj as { spec?: { runtimeClassName?: unknown; resourceClaims?: unknown[] } }).spec;
  const name = obj.metadata?.name ?? '';
  if (typeof spec?.runtimeClassName === 'string' && spec.runtimeClassName !== '') {
    throw new ApiError('Forbidden', `pods "${name}" is forbidden: pod rejected: RuntimeClass "${spec.runtimeClassName}" not found`, { name, kind: 'pods' });
  }
  if (Array.isArray(spec?.resourceClaims) && spec.resourceClaims.length > 0) {
    throw invalid('Pod', '', name, [forbidden('spec.resourceClaims', 'dynamic resource allocation is not supported by this cluster (no resource.k8s.io API)')]);
  }
  return obj;
}
