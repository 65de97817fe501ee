/**
 * From a metric's recommendation to the replica count the HPA sets (Kubernetes'
 * horizontal.go: normalizeDesiredReplicas, normalizeDesiredReplicasWithBehaviors and the rate
 * limits), pure: the recommendation history and the scale events are data passed in and out, the
 * clock is an argument. Kubernetes keeps this history in the controller's memory; so does jetkube.
 *
 * - Without `behavior`: stabilization keeps the highest recommendation of the downscale window
 *   (the controller's --horizontal-pod-autoscaler-downscale-stabilization, 5 min); a scale-up is
 *   at most max(2 × current, 4); then min/max replicas.
 * - With `behavior`: the up window keeps the lowest recent recommendation, the down window the
 *   highest (an unset down window is the controller's); each direction's policies (Pods, Percent
 *   over periodSeconds, counted from the scale events of that period) bound the change, the
 *   selectPolicy choosing the largest change (Max), the smallest (Min) or none (Disabled).
 *
 * Conditions AbleToScale and ScalingLimited carry Kubernetes' reasons and messages.
 */
import type { HPABehavior, HPAScalingRules } from '../../../shared/resources/hpa.js';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from '../../../shared/resources/hpa.js';

export interface Recommendation {
  readonly replicas: number;
  readonly atMs: number;
}
export interface ScaleEvent {
  readonly change: number;
  readonly atMs: number;
}
/** What the controller remembers per autoscaler between reconciles. */
export interface ScaleHistory {
  readonly recommendations: readonly Recommendation[];
  readonly scaleUpEvents: readonly ScaleEvent[];
  readonly scaleDownEvents: readonly ScaleEvent[];
}
export const EMPTY_HISTORY: ScaleHistory = { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] };

export interface ConditionUpdate {
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

export interface Normalized {
  readonly desired: number;
  readonly history: ScaleHistory;
  readonly ableToScale: ConditionUpdate;
  readonly scalingLimited: ConditionUpdate;
}

export interface NormalizeInput {
  readonly current: number;
  readonly recommended: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly behavior?: HPABehavior;
  readonly history: ScaleHistory;
  readonly nowMs: number;
  /** The controller's downscale stabilization window (default 300 s). */
  readonly downscaleStabilizationMs: number;
}

const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;
const READY_FOR_NEW_SCALE: ConditionUpdate = { status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' };

/** Record `replicas` at `nowMs`, reusing the slot of one sample older than `cutoffMs` (Kubernetes keeps one list and overwrites an old entry). */
function record(recs: readonly Recommendation[], replicas: number, nowMs: number, isOld: (r: Recommendation) => boolean): Recommendation[] {
  const out = [...recs];
  let oldIndex = -1;
  out.forEach((r, i) => {
    if (isOld(r)) oldIndex = i;
  });
  if (oldIndex >= 0) out[oldIndex] = { replicas, atMs: nowMs };
  else out.push({ replicas, atMs: nowMs });
  return out;
}

function limited(desired: number, stabilized: number, reason: string, message: string): ConditionUpdate {
  return { status: desired === stabilized ? 'False' : 'True', reason, message };
}

/** convertDesiredReplicasWithRules: min/max and the fixed scale-up limit (no behavior). */
function withRules(current: number, desired: number, min: number, max: number): { desired: number; reason: string; message: string } {
  const scaleUpLimit = Math.max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM);
  let maximum: number;
  let reason: string;
  let message: string;
  if (max > scaleUpLimit) {
    maximum = scaleUpLimit;
    reason = 'ScaleUpLimit';
    message = 'the desired replica count is increasing faster than the maximum scale rate';
  } else {
    maximum = max;
    reason = 'TooManyReplicas';
    message = 'the desired replica count is more than the maximum replica count';
  }
  if (desired < min) return { desired: min, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
  if (desired > maximum) return { desired: maximum, reason, message };
  return { desired, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
}

/** The rules with Kubernetes' defaults filled in (the API server fills them when behavior is given; this covers a stored object that lacks them). */
export function effectiveRules(behavior: HPABehavior, downscaleStabilizationMs: number): { up: Required<Omit<HPAScalingRules, 'tolerance'>>; down: Required<Omit<HPAScalingRules, 'tolerance'>> } {
  const up = behavior.scaleUp ?? {};
  const down = behavior.scaleDown ?? {};
  return {
    up: {
      stabilizationWindowSeconds: up.stabilizationWindowSeconds ?? DEFAULT_SCALE_UP.stabilizationWindowSeconds,
      selectPolicy: up.selectPolicy ?? DEFAULT_SCALE_UP.selectPolicy,
      policies: up.policies?.length ? up.policies : DEFAULT_SCALE_UP.policies,
    },
    down: {
      stabilizationWindowSeconds: down.stabilizationWindowSeconds ?? Math.round(downscaleStabilizationMs / 1000),
      selectPolicy: down.selectPolicy ?? DEFAULT_SCALE_DOWN.selectPolicy,
      policies: down.policies?.length ? down.policies : DEFAULT_SCALE_DOWN.policies,
    },
  };
}

/** getReplicasChangePerPeriod: replicas changed by the events of the last `periodSeconds`. */
function changeInPeriod(periodSeconds: number, events: readonly ScaleEvent[], nowMs: number): number {
  const cutoff = nowMs - periodSeconds * 1000;
  return events.filter((e) => e.atMs > cutoff).reduce((s, e) => s + e.change, 0);
}

/** calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimit(current: number, up: readonly ScaleEvent[], down: readonly ScaleEvent[], rules: Required<Omit<HPAScalingRules, 'tolerance'>>, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(p.periodSeconds, up, nowMs) + changeInPeriod(p.periodSeconds, down, nowMs);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors. */
export function scaleDownLimit(current: number, up: readonly ScaleEvent[], down: readonly ScaleEvent[], rules: Required<Omit<HPAScalingRules, 'tolerance'>>, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(p.periodSeconds, up, nowMs) + changeInPeriod(p.periodSeconds, down, nowMs);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** The replica count to set, the conditions that explain it, and the history to keep. */
export function normalizeDesiredReplicas(input: NormalizeInput): Normalized {
  const { current, recommended, minReplicas, maxReplicas, nowMs, history } = input;
  if (!input.behavior) {
    const cutoff = nowMs - input.downscaleStabilizationMs;
    let stabilized = recommended;
    for (const r of history.recommendations) if (r.atMs >= cutoff && r.replicas > stabilized) stabilized = r.replicas;
    const recommendations = record(history.recommendations, recommended, nowMs, (r) => r.atMs < cutoff);
    const ableToScale: ConditionUpdate =
      stabilized !== recommended
        ? { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
        : READY_FOR_NEW_SCALE;
    const r = withRules(current, stabilized, minReplicas, maxReplicas);
    return { desired: r.desired, history: { ...history, recommendations }, ableToScale, scalingLimited: limited(r.desired, stabilized, r.reason, r.message) };
  }

  const rules = effectiveRules(input.behavior, input.downscaleStabilizationMs);
  // stabilizeRecommendationWithBehaviors
  const upCutoff = nowMs - rules.up.stabilizationWindowSeconds * 1000;
  const downCutoff = nowMs - rules.down.stabilizationWindowSeconds * 1000;
  let upRec = recommended;
  let downRec = recommended;
  for (const r of history.recommendations) {
    if (r.atMs > upCutoff) upRec = Math.min(upRec, r.replicas);
    if (r.atMs > downCutoff) downRec = Math.max(downRec, r.replicas);
  }
  let stabilized = current;
  if (stabilized < upRec) stabilized = upRec;
  if (stabilized > downRec) stabilized = downRec;
  const recommendations = record(history.recommendations, recommended, nowMs, (r) => r.atMs < upCutoff && r.atMs < downCutoff);
  const ableToScale: ConditionUpdate =
    stabilized === recommended
      ? READY_FOR_NEW_SCALE
      : recommended >= current
        ? { status: 'True', reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
        : { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };

  // convertDesiredReplicasWithBehaviorRate
  let desired = stabilized;
  let reason = 'DesiredWithinRange';
  let message = 'the desired count is within the acceptable range';
  if (stabilized > current) {
    const limit = Math.max(scaleUpLimit(current, history.scaleUpEvents, history.scaleDownEvents, rules.up, nowMs), current);
    let maximum = maxReplicas;
    let r = 'TooManyReplicas';
    let m = 'the desired replica count is more than the maximum replica count';
    if (maximum > limit) {
      maximum = limit;
      r = 'ScaleUpLimit';
      m = 'the desired replica count is increasing faster than the maximum scale rate';
    }
    if (stabilized > maximum) [desired, reason, message] = [maximum, r, m];
  } else if (stabilized < current) {
    const limit = Math.min(scaleDownLimit(current, history.scaleUpEvents, history.scaleDownEvents, rules.down, nowMs), current);
    let minimum = minReplicas;
    let r = 'TooFewReplicas';
    let m = 'the desired replica count is less than the minimum replica count';
    if (minimum < limit) {
      minimum = limit;
      r = 'ScaleDownLimit';
      m = 'the desired replica count is decreasing faster than the maximum scale rate';
    }
    if (stabilized < minimum) [desired, reason, message] = [minimum, r, m];
  }
  return { desired, history: { ...history, recommendations }, ableToScale, scalingLimited: limited(desired, stabilized, reason, message) };
}

/** storeScaleEvent: remember a rescale for the rate limits (only with behavior), forgetting what the longest period no longer covers. */
export function storeScaleEvent(history: ScaleHistory, behavior: HPABehavior | undefined, from: number, to: number, nowMs: number, downscaleStabilizationMs: number): ScaleHistory {
  if (!behavior || from === to) return history;
  const rules = effectiveRules(behavior, downscaleStabilizationMs);
  const longest = (r: typeof rules.up) => Math.max(0, ...r.policies.map((p) => p.periodSeconds)) * 1000;
  if (to > from) {
    const keep = history.scaleUpEvents.filter((e) => e.atMs > nowMs - longest(rules.up));
    return { ...history, scaleUpEvents: [...keep, { change: to - from, atMs: nowMs }] };
  }
  const keep = history.scaleDownEvents.filter((e) => e.atMs > nowMs - longest(rules.down));
  return { ...history, scaleDownEvents: [...keep, { change: from - to, atMs: nowMs }] };
}
