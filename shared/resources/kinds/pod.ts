/** Pod: status through /status, generation, graceful deletion finished by the kubelet; `kubectl get pods`' columns. */
import type { KindStrategy } from '../strategy.js';
import type { Pod, PodCondition } from '../types.js';
import { defaultPod } from '../defaults.js';
import { validatePodSpec, validatePodSpecUpdate } from '../pod-validation.js';
import { mergeAffinityLabelKeys, validatePodCreateGates } from '../pod-scheduling-validation.js';
import { isPlainObject } from '../json.js';
import { rfc3339 } from '../time.js';
import { arr, clampInt, conditionTrue, count, get, images, str } from '../projection.js';
import { age } from '../../printers/duration.js';
import { podIP, podSummary, restartsCell } from '../../printers/pods.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TablePrinter } from '../../printers/types.js';

const DEFAULT_GRACE_SECONDS = 30;

function readinessGates(pod: Pod): string {
  const gates = (pod.spec?.readinessGates ?? []) as readonly { conditionType?: string }[];
  if (!gates.length) return '<none>';
  const conds = pod.status?.conditions ?? [];
  const ok = gates.filter((g) => conds.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${ok}/${gates.length}`;
}

const podPrinter: TablePrinter<Pod> = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE_COLUMN,
    column('IP', 'IP address allocated to the pod. Routable at least within the cluster.', { wide: true }),
    column('Node', 'NodeName is a request to schedule this pod onto a specific node.', { wide: true }),
    column('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', { wide: true }),
    column('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', { wide: true }),
  ],
  row(pod, now) {
    const s = podSummary(pod);
    return [
      pod.metadata.name ?? '',
      `${s.ready}/${s.total}`,
      s.status,
      restartsCell(s, now),
      age(pod.metadata.creationTimestamp, now),
      podIP(pod) ?? '<none>',
      pod.spec?.nodeName || '<none>',
      pod.status?.nominatedNodeName || '<none>',
      readinessGates(pod),
    ];
  },
};

export const podStrategy: KindStrategy = {
  kind: 'Pod',
  statusSubresource: true,
  generation: true,
  defaults: defaultPod,
  prepareForCreate(o) {
    const pod = o as Pod;
    if (isPlainObject(pod.spec)) mergeAffinityLabelKeys(pod);
    // A gated pod says why it waits (PrepareForCreate's applySchedulingGatedCondition).
    if (!(pod.spec?.schedulingGates?.length)) return;
    const status = ((o as { status?: Record<string, unknown> }).status ??= {}) as { conditions?: PodCondition[] };
    const conds = status.conditions ?? [];
    if (conds.some((c) => c.type === 'PodScheduled')) return;
    status.conditions = [
      ...conds,
      {
        type: 'PodScheduled',
        status: 'False',
        lastProbeTime: null,
        lastTransitionTime: pod.metadata.creationTimestamp,
        reason: 'SchedulingGated',
        message: 'Scheduling is blocked due to non-empty scheduling gates',
      } as PodCondition,
    ];
  },
  validate(obj, old) {
    const pod = obj as Pod;
    const causes = validatePodSpec(pod.spec, 'spec');
    if (!old && isPlainObject(pod.spec)) causes.push(...validatePodCreateGates(pod.spec));
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
  printer: podPrinter,
  projection: {
    columns: {
      phase: 'text',
      node_name: 'text',
      pod_ip: 'text',
      host_ip: 'text',
      ready: 'boolean',
      /** Sum of restartCount over container statuses. */
      restarts: 'integer',
      /** spec.containers[].image, in order. */
      images: 'text[]',
    },
    row: (o) => ({
      phase: str(get(o, 'status', 'phase')),
      node_name: str(get(o, 'spec', 'nodeName')),
      pod_ip: str(get(o, 'status', 'podIP')),
      host_ip: str(get(o, 'status', 'hostIP')),
      ready: conditionTrue(get(o, 'status', 'conditions'), 'Ready'),
      restarts: clampInt(arr(get(o, 'status', 'containerStatuses')).reduce<number>((n, c) => n + count(get(c, 'restartCount')), 0)),
      images: images(get(o, 'spec', 'containers')),
    }),
  },
  fields: {
    'spec.nodeName': { column: 'node_name' },
    'spec.schedulerName': {},
    'spec.restartPolicy': {},
    'spec.serviceAccountName': {},
    'spec.hostNetwork': { absent: 'false' },
    'status.phase': { column: 'phase' },
    'status.podIP': {},
    'status.nominatedNodeName': {},
  },
};
