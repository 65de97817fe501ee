/** Pod: status through /status, generation, graceful deletion finished by the kubelet. */
import type { KindStrategy } from '../strategy.js';
import type { Pod } from '../types.js';
import { defaultPod } from '../defaults.js';
import { validatePodSpec, validatePodSpecUpdate } from '../pod-validation.js';
import { isPlainObject } from '../json.js';
import { rfc3339 } from '../time.js';

const DEFAULT_GRACE_SECONDS = 30;

export const podStrategy: KindStrategy = {
  kind: 'Pod',
  statusSubresource: true,
  generation: true,
  defaults: defaultPod,
  validate(obj, old) {
    const pod = obj as Pod;
    const causes = validatePodSpec(pod.spec, 'spec');
    if (old && isPlainObject(old.spec) && isPlainObject(pod.spec)) causes.push(...validatePodSpecUpdate(pod.spec, (old as Pod).spec));
    return causes;
  },
  gracefulDelete(next, gracePeriodSeconds, now) {
    const m = next.metadata;
    const spec = (next.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const grace = gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    // Unscheduled pods have no kubelet to wait for; grace 0 means "the kubelet is done".
    if (!spec.nodeName || grace === 0) {
      m.deletionTimestamp ??= rfc3339(now);
      m.deletionGracePeriodSeconds = 0;
      return { op: 'remove' };
    }
    if (m.deletionTimestamp && (m.deletionGracePeriodSeconds ?? 0) <= grace) return { op: 'noop' };
    m.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
    m.deletionGracePeriodSeconds = grace;
    return { op: 'mark' };
  },
  readyToRemove: (obj) => !(obj.spec as { nodeName?: string } | undefined)?.nodeName || obj.metadata.deletionGracePeriodSeconds === 0,
};
