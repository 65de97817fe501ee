/**
 * When a node's periodic tasks run (pure): in a pool of thousands of fake nodes started within a
 * few seconds of each other, one `setInterval` per node and task fired them in bursts (every
 * node's Lease renewal in the same second, then nothing for nine). Here each node gets a phase
 * inside the interval from its place in the pool (slot `i` of `n`), plus a little jitter, so the
 * pool's renewals arrive at an even rate; and a task that ran late is not run twice to catch up
 * (the next one is one interval after the late one, as a kubelet's `wait.JitterUntil` loop does).
 *
 * Also what counts as a late renewal, for the kubelet's metrics.
 */

/** Jitter on each interval, as a fraction of it (Kubernetes' node lease controller uses 0.04). */
export const HEARTBEAT_JITTER = 0.04;

export interface Slot {
  /** This node's place in the pool, 0 … of − 1. */
  readonly index: number;
  readonly of: number;
}

/**
 * Delay before a task's first run: slot `index` of `of` starts `index / of` of the way into the
 * interval, moved by up to half a slot's width (`rand` in [0, 1)) so two pools don't line up.
 * `phase` (0 … 1) shifts the whole pool (the node status update runs half an interval after the Lease).
 */
export function firstDelayMs(intervalMs: number, slot: Slot, rand: number, phase = 0): number {
  const of = Math.max(1, slot.of);
  const at = (slot.index + rand * 0.5) / of + phase;
  return Math.floor(intervalMs * (at - Math.floor(at)));
}

/**
 * Delay from now to the next run, given when the last one was due: one interval (± jitter) after
 * that, never in the past (a task that ran late runs once, not once per interval it missed).
 */
export function nextDelayMs(intervalMs: number, lastDueMs: number, nowMs: number, rand: number, jitter = HEARTBEAT_JITTER): number {
  const next = lastDueMs + intervalMs * (1 + jitter * (2 * rand - 1));
  return Math.max(0, Math.round(next - nowMs));
}

/**
 * A renewal is late when the Lease it renewed had aged past 1.5 intervals since the previous
 * successful one (it should be an interval; at the Lease duration, 4 intervals by default, the
 * node is taken for Unknown). The first renewal is never late.
 */
export function renewalLate(previousSuccessMs: number | undefined, nowMs: number, intervalMs: number): boolean {
  return previousSuccessMs !== undefined && nowMs - previousSuccessMs > 1.5 * intervalMs;
}
