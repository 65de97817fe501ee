/**
 * PodDisruptionBudget (policy/v1): status subresource, generation. `kubectl get pdb` (printers.go
 * printPodDisruptionBudget) shows the budget (N/A for the one not set) and the disruptions allowed.
 */
import type { KindStrategy } from '../strategy.js';
import { validatePodDisruptionBudget, type PodDisruptionBudget } from '../pdb.js';
import { count, get, optInt } from '../projection.js';
import { age } from '../../printers/duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TablePrinter } from '../../printers/types.js';

/** An IntOrString as intstr.String() prints it; N/A when unset. */
const budgetCell = (v: unknown): string => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v : 'N/A');
/** An IntOrString as its projection column holds it (text), null when unset. */
const budgetText = (v: unknown): string | null => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v : null);

const pdbPrinter: TablePrinter<PodDisruptionBudget> = {
  columns: [
    NAME_COLUMN,
    column('Min Available', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', { type: 'integer' }),
    AGE_COLUMN,
  ],
  row(pdb, now) {
    return [
      pdb.metadata.name ?? '',
      budgetCell(pdb.spec?.minAvailable),
      budgetCell(pdb.spec?.maxUnavailable),
      pdb.status?.disruptionsAllowed ?? 0,
      age(pdb.metadata.creationTimestamp, now),
    ];
  },
};

/** The status counts have no omitempty: Kubernetes always writes them, 0 when unset (a new budget has all four). */
function defaultStatusCounts(o: Record<string, unknown>): void {
  const st = (o.status !== null && typeof o.status === 'object' && !Array.isArray(o.status) ? o.status : (o.status = {})) as Record<string, unknown>;
  for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) st[f] ??= 0;
}

export const podDisruptionBudgetStrategy: KindStrategy = {
  kind: 'PodDisruptionBudget',
  statusSubresource: true,
  generation: true,
  defaults: defaultStatusCounts,
  validate: (obj) => validatePodDisruptionBudget(obj as PodDisruptionBudget),
  printer: pdbPrinter,
  projection: {
    columns: {
      min_available: 'text',
      max_unavailable: 'text',
      current_healthy: 'integer',
      desired_healthy: 'integer',
      disruptions_allowed: 'integer',
      expected_pods: 'integer',
      observed_generation: 'bigint',
    },
    row: (o) => ({
      min_available: budgetText(get(o, 'spec', 'minAvailable')),
      max_unavailable: budgetText(get(o, 'spec', 'maxUnavailable')),
      current_healthy: count(get(o, 'status', 'currentHealthy')),
      desired_healthy: count(get(o, 'status', 'desiredHealthy')),
      disruptions_allowed: optInt(get(o, 'status', 'disruptionsAllowed')) ?? 0,
      expected_pods: count(get(o, 'status', 'expectedPods')),
      observed_generation: count(get(o, 'status', 'observedGeneration')),
    }),
  },
};
