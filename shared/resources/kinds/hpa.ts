/**
 * autoscaling/v2 HorizontalPodAutoscaler: status subresource, generation. Defaults and validation
 * in shared/resources/hpa.ts. `kubectl get hpa` (printers.go printHorizontalPodAutoscaler, 1.32):
 * the target as Kind/name, each metric as `cpu: 20%/50%` (two at most, then `+ N more...`), the
 * replica bounds and the current replicas.
 */
import type { KindStrategy } from '../strategy.js';
import { defaultHorizontalPodAutoscaler, validateHorizontalPodAutoscaler, type HorizontalPodAutoscaler, type MetricSpec, type MetricStatus } from '../hpa.js';
import { count, get, str } from '../projection.js';
import { age } from '../../printers/duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TablePrinter } from '../../printers/types.js';

const MAX_SHOWN = 2;

/** formatHPAMetrics: what the Targets column shows. */
export function formatHpaMetrics(specs: readonly MetricSpec[] | undefined, statuses: readonly MetricStatus[] | undefined): string {
  if (!specs?.length) return '<none>';
  const list = specs.map((spec, i) => {
    const src = spec.type === 'Resource' ? spec.resource : spec.type === 'ContainerResource' ? spec.containerResource : undefined;
    if (!src) return '<unknown type>';
    const st = statuses?.[i];
    const cur = spec.type === 'Resource' ? st?.resource?.current : st?.containerResource?.current;
    if (src.target?.averageValue !== undefined) return `${src.name}: ${cur?.averageValue ?? '<unknown>'}/${src.target.averageValue}`;
    const current = cur?.averageUtilization !== undefined ? `${cur.averageUtilization}%` : '<unknown>';
    const target = src.target?.averageUtilization !== undefined ? `${src.target.averageUtilization}%` : '<auto>';
    return `${src.name}: ${current}/${target}`;
  });
  const shown = list.slice(0, MAX_SHOWN).join(', ');
  return list.length > MAX_SHOWN ? `${shown} + ${list.length - MAX_SHOWN} more...` : shown;
}

const hpaPrinter: TablePrinter<HorizontalPodAutoscaler> = {
  columns: [
    NAME_COLUMN,
    column('Reference', 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
    column('Targets', 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).'),
    column('MinPods', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    column('MaxPods', 'maxReplicas is the upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.'),
    column('Replicas', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
    AGE_COLUMN,
  ],
  row(h, now) {
    const ref = h.spec?.scaleTargetRef;
    return [
      h.metadata.name ?? '',
      `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
      formatHpaMetrics(h.spec?.metrics, h.status?.currentMetrics),
      h.spec?.minReplicas !== undefined ? String(h.spec.minReplicas) : '<unset>',
      h.spec?.maxReplicas ?? 0,
      h.status?.currentReplicas ?? 0,
      age(h.metadata.creationTimestamp, now),
    ];
  },
};

/** status.desiredReplicas has no omitempty: a new autoscaler shows 0. */
function defaults(o: Record<string, unknown>): void {
  defaultHorizontalPodAutoscaler(o);
  const st = (o.status !== null && typeof o.status === 'object' && !Array.isArray(o.status) ? o.status : (o.status = {})) as Record<string, unknown>;
  st.desiredReplicas ??= 0;
}

export const horizontalPodAutoscalerStrategy: KindStrategy = {
  kind: 'HorizontalPodAutoscaler',
  statusSubresource: true,
  generation: true,
  defaults,
  validate: (obj) => validateHorizontalPodAutoscaler(obj as HorizontalPodAutoscaler),
  printer: hpaPrinter,
  projection: {
    columns: {
      target_kind: 'text',
      target_name: 'text',
      min_replicas: 'integer',
      max_replicas: 'integer',
      current_replicas: 'integer',
      desired_replicas: 'integer',
      last_scale_time: 'timestamptz',
    },
    row: (o) => ({
      target_kind: str(get(o, 'spec', 'scaleTargetRef', 'kind')),
      target_name: str(get(o, 'spec', 'scaleTargetRef', 'name')),
      min_replicas: count(get(o, 'spec', 'minReplicas')),
      max_replicas: count(get(o, 'spec', 'maxReplicas')),
      current_replicas: count(get(o, 'status', 'currentReplicas')),
      desired_replicas: count(get(o, 'status', 'desiredReplicas')),
      last_scale_time: str(get(o, 'status', 'lastScaleTime')),
    }),
  },
};
