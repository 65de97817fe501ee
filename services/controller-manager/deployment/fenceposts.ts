/**
 * maxSurge / maxUnavailable arithmetic (intstr.GetScaledValueFromIntOrPercent and
 * deployment_util.go ResolveFenceposts, MaxSurge, MaxUnavailable, MinAvailable).
 */
import type { Deployment, IntOrString } from '../../../shared/resources/types.js';
import { desiredReplicas } from './replica-sets.js';

/** The API default for both fenceposts. */
export const DEFAULT_FENCEPOST: IntOrString = '25%';

/**
 * An absolute number, or a percentage of `total` rounded up (`roundUp`) or down.
 * Throws for strings that are not `<int>%`, as Kubernetes returns an error.
 */
export function scaledValueFromIntOrPercent(v: IntOrString, total: number, roundUp: boolean): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`invalid value for IntOrString: ${v} is not an integer`);
    return v;
  }
  if (!v.endsWith('%')) throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const digits = v.slice(0, -1);
  if (!/^[+-]?\d+$/.test(digits)) throw new Error(`invalid value for IntOrString: invalid value "${v}"`);
  const pct = Number.parseInt(digits, 10);
  const scaled = (pct * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

export interface Fenceposts {
  readonly maxSurge: number;
  readonly maxUnavailable: number;
}

/**
 * ResolveFenceposts: surge rounds up, unavailable rounds down; if both come out 0 (only possible
 * through rounding, validation forbids explicit 0/0), maxUnavailable becomes 1 so the rollout can
 * still move when surge pods cannot be created.
 */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): Fenceposts {
  const surge = scaledValueFromIntOrPercent(maxSurge ?? DEFAULT_FENCEPOST, desired, true);
  let unavailable = scaledValueFromIntOrPercent(maxUnavailable ?? DEFAULT_FENCEPOST, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { maxSurge: surge, maxUnavailable: unavailable };
}

/** Strategy type, defaulting to RollingUpdate as the API server does. */
export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

function fenceposts(d: Deployment): Fenceposts {
  try {
    const ru = d.spec.strategy?.rollingUpdate;
    return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, desiredReplicas(d));
  } catch {
    // Validation rejects such values; Kubernetes falls back to 0 here as well.
    return { maxSurge: 0, maxUnavailable: 0 };
  }
}

/** MaxSurge: 0 unless RollingUpdate. */
export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? fenceposts(d).maxSurge : 0;
}

/** MaxUnavailable: 0 unless RollingUpdate with replicas > 0; never more than the desired replicas. */
export function maxUnavailable(d: Deployment): number {
  const desired = desiredReplicas(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  return Math.min(fenceposts(d).maxUnavailable, desired);
}

/** MinAvailable: desired - maxUnavailable for RollingUpdate, else 0. */
export function minAvailable(d: Deployment): number {
  return isRollingUpdate(d) ? desiredReplicas(d) - maxUnavailable(d) : 0;
}
