/**
 * The disruption controller's decision (Kubernetes' pkg/controller/disruption trySync / failSafe),
 * pure: a budget, its namespace's pods, the controllers' scales and the clock → the status the
 * budget should have, whether that is a write, the Events to record and when to look again.
 *
 * - expectedPods / desiredHealthy: maxUnavailable (int or percent) is taken off the controllers'
 *   scale; an int minAvailable is desiredHealthy itself with expectedPods the pods selected; a
 *   percent minAvailable is taken of the scale. Percentages round up.
 * - currentHealthy: Ready pods not being deleted and not recently evicted (disruptedPods).
 * - disruptionsAllowed: currentHealthy − desiredHealthy, never below 0, and 0 with no expected pods.
 * - disruptedPods: entries of pods that are gone or being deleted are dropped; entries older than
 *   DELETION_TIMEOUT_MS are dropped with a NotDeleted Event on the pod; the earliest expiry of the
 *   rest is when to look again.
 * - When the scale cannot be found, fail safe: no disruptions allowed, DisruptionAllowed False
 *   with reason SyncFailed and the error as message.
 */
import type { Pod } from '../../../shared/resources/types.js';
import type { KObject } from '../../../shared/resources/meta.js';
import {
  DELETION_TIMEOUT_MS,
  DISRUPTION_ALLOWED,
  SYNC_FAILED,
  conditionsAreUpToDate,
  pdbSelects,
  rfc3339Seconds,
  setCondition,
  withDisruptionAllowedCondition,
  type PodDisruptionBudget,
  type PodDisruptionBudgetStatus,
} from '../../../shared/resources/pdb.js';
import { deepEqual } from '../../../shared/resources/json.js';
import { expectedScale, SCALE_FINDERS, type ObjectLookup, type ScaleFinder } from './scale.js';

export interface PlannedEvent {
  /** The budget itself, or a pod (NotDeleted). */
  readonly object: KObject;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface DisruptionPlan {
  /** The status the budget should have. */
  readonly status: PodDisruptionBudgetStatus;
  /** False when the stored status is already that (nothing to write, no Events). */
  readonly write: boolean;
  readonly events: readonly PlannedEvent[];
  /** Look again after this many ms (an evicted pod's entry expires). */
  readonly recheckAfterMs?: number;
}

const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** GetScaledValueFromIntOrPercent with rounding up; undefined for a malformed value. */
export function scaledValue(v: number | string, total: number): number | undefined {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return undefined;
  return Math.ceil((Number(m[1]) * total) / 100);
}

type Counts = { ok: true; expectedPods: number; desiredHealthy: number; unmanaged: readonly string[] } | { ok: false; error: string; event: PlannedEvent };

/** getExpectedPodCount. */
export function expectedPodCount(pdb: PodDisruptionBudget, pods: readonly Pod[], lookup: ObjectLookup, finders: readonly ScaleFinder[] = SCALE_FINDERS): Counts {
  const spec = pdb.spec ?? {};
  const viaScale = (v: number | string, desired: (expected: number, value: number) => number): Counts => {
    const s = expectedScale(pods, lookup, finders);
    const failed = (error: string): Counts => ({
      ok: false,
      error,
      event: { object: pdb, type: 'Warning', reason: 'CalculateExpectedPodCountFailed', message: `Failed to calculate the number of expected pods: ${error}` },
    });
    if (!s.ok) return failed(s.error);
    const value = scaledValue(v, s.expected);
    if (value === undefined) return failed(`invalid value for IntOrString: invalid value "${String(v)}": percentage`);
    return { ok: true, expectedPods: s.expected, desiredHealthy: Math.max(0, desired(s.expected, value)), unmanaged: s.unmanaged };
  };
  if (spec.maxUnavailable !== undefined) return viaScale(spec.maxUnavailable, (expected, max) => expected - max);
  if (spec.minAvailable !== undefined) {
    if (typeof spec.minAvailable === 'number') return { ok: true, expectedPods: pods.length, desiredHealthy: spec.minAvailable, unmanaged: [] };
    return viaScale(spec.minAvailable, (_expected, min) => min);
  }
  return { ok: true, expectedPods: 0, desiredHealthy: 0, unmanaged: [] };
}

/** buildDisruptedPodMap: the entries still waiting for their pod's deletion, the expired ones, the next expiry. */
export function disruptedPodMap(
  pods: readonly Pod[],
  pdb: PodDisruptionBudget,
  now: Date,
): { kept: Record<string, string>; expired: Pod[]; recheckAt?: number } {
  const kept: Record<string, string> = {};
  const expired: Pod[] = [];
  let recheckAt: number | undefined;
  const recorded = pdb.status?.disruptedPods ?? {};
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const name = pod.metadata.name ?? '';
    if (!Object.prototype.hasOwnProperty.call(recorded, name)) continue;
    const at = Date.parse(recorded[name]!);
    const expectedDeletion = (Number.isFinite(at) ? at : 0) + DELETION_TIMEOUT_MS;
    if (expectedDeletion < now.getTime()) {
      expired.push(pod);
    } else {
      kept[name] = recorded[name]!;
      if (recheckAt === undefined || expectedDeletion < recheckAt) recheckAt = expectedDeletion;
    }
  }
  return { kept, expired, ...(recheckAt !== undefined ? { recheckAt } : {}) };
}

/** countHealthyPods: Ready, not being deleted, not recently evicted. */
export function countHealthyPods(pods: readonly Pod[], disrupted: Readonly<Record<string, string>>, now: Date): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disrupted[pod.metadata.name ?? ''];
    if (at !== undefined && Date.parse(at) + DELETION_TIMEOUT_MS > now.getTime()) continue;
    if (isReady(pod)) healthy++;
  }
  return healthy;
}

/** The pods of the namespace the budget selects. */
export function selectedPods(pdb: PodDisruptionBudget, namespacePods: readonly Pod[]): Pod[] {
  return namespacePods.filter((p) => p.metadata.namespace === pdb.metadata.namespace && pdbSelects(pdb, p));
}

/** The whole decision for one budget; `namespacePods` are all the pods of its namespace. */
export function planDisruption(
  pdb: PodDisruptionBudget,
  namespacePods: readonly Pod[],
  lookup: ObjectLookup,
  now: Date,
  finders: readonly ScaleFinder[] = SCALE_FINDERS,
): DisruptionPlan {
  const stamp = rfc3339Seconds(now);
  const pods = selectedPods(pdb, namespacePods);
  const events: PlannedEvent[] = [];
  if (pods.length === 0) events.push({ object: pdb, type: 'Normal', reason: 'NoPods', message: 'No matching pods found' });
  const counts = expectedPodCount(pdb, pods, lookup, finders);
  const old = pdb.status;
  if (!counts.ok) {
    // failSafe: keep what is known, allow nothing, say why.
    const base: PodDisruptionBudgetStatus = {
      ...(old ?? { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 }),
      disruptionsAllowed: 0,
    };
    const status: PodDisruptionBudgetStatus = {
      ...base,
      conditions: setCondition(
        base.conditions,
        { type: DISRUPTION_ALLOWED, status: 'False', reason: SYNC_FAILED, message: counts.error, observedGeneration: base.observedGeneration ?? 0 },
        stamp,
      ),
    };
    const write = !deepEqual(stripTimes(status), stripTimes(old));
    return { status, write, events: write ? [...events, counts.event] : [] };
  }
  if (counts.unmanaged.length > 0) {
    events.push({
      object: pdb,
      type: 'Warning',
      reason: 'UnmanagedPods',
      message:
        `Pods selected by this PodDisruptionBudget (selector: ${selectorText(pdb)}) were found to be unmanaged. ` +
        'As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. ' +
        'To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
    });
  }
  const { kept, expired, recheckAt } = disruptedPodMap(pods, pdb, now);
  for (const pod of expired) {
    events.push({
      object: pod,
      type: 'Warning',
      reason: 'NotDeleted',
      // Kubernetes prints the budget's namespace twice here (namespace/namespace), and so do we.
      message: `Pod was expected by PDB ${pdb.metadata.namespace ?? ''}/${pdb.metadata.namespace ?? ''} to be deleted but it wasn't`,
    });
  }
  const currentHealthy = countHealthyPods(pods, kept, now);
  let disruptionsAllowed = currentHealthy - counts.desiredHealthy;
  if (counts.expectedPods <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const generation = pdb.metadata.generation ?? 0;
  const recheckAfterMs = recheckAt !== undefined ? Math.max(1, recheckAt - now.getTime() + 1) : undefined;
  const upToDate =
    old !== undefined &&
    old.currentHealthy === currentHealthy &&
    old.desiredHealthy === counts.desiredHealthy &&
    old.expectedPods === counts.expectedPods &&
    old.disruptionsAllowed === disruptionsAllowed &&
    deepEqual(old.disruptedPods ?? {}, kept) &&
    (old.observedGeneration ?? 0) === generation &&
    conditionsAreUpToDate(pdb);
  if (upToDate) return { status: old, write: false, events: [], ...(recheckAfterMs ? { recheckAfterMs } : {}) };
  const status = withDisruptionAllowedCondition(
    {
      ...(Object.keys(kept).length ? { disruptedPods: kept } : {}),
      currentHealthy,
      desiredHealthy: counts.desiredHealthy,
      expectedPods: counts.expectedPods,
      disruptionsAllowed,
      observedGeneration: generation,
      ...(old?.conditions ? { conditions: old.conditions } : {}),
    },
    stamp,
  );
  return { status, write: true, events, ...(recheckAfterMs ? { recheckAfterMs } : {}) };
}

function stripTimes(s: PodDisruptionBudgetStatus | undefined): unknown {
  if (!s) return undefined;
  return { ...s, conditions: s.conditions?.map(({ lastTransitionTime: _t, ...c }) => c) };
}

/** The selector as Go's %v prints a *metav1.LabelSelector: good enough as JSON. */
function selectorText(pdb: PodDisruptionBudget): string {
  return JSON.stringify(pdb.spec?.selector ?? null);
}
