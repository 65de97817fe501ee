/**
 * What an object's state was, as the timeline and topology color it (pure): a Pod by phase and
 * Ready, a ReplicaSet (or StatefulSet) by ready against desired replicas, a Deployment by its
 * Available and Progressing conditions; anything else simply exists.
 */

export interface ObjState {
  /** A short name of the state (what the legend lists). */
  readonly state: string;
  /** What the lane shows on the interval, e.g. `2/3` for replicas. */
  readonly label: string;
  readonly color: string;
}

export const COLORS = {
  good: '#3fa34d',
  partial: '#e0b000',
  pending: '#f0d060',
  bad: '#d33a2c',
  done: '#7a8ca3',
  idle: '#c4c9d0',
  terminating: '#e8833a',
  exists: '#6b93d6',
} as const;

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
}

type Obj = { readonly metadata?: { readonly deletionTimestamp?: string }; readonly spec?: unknown; readonly status?: unknown };

function field<T>(o: unknown, k: string): T | undefined {
  return o && typeof o === 'object' ? ((o as Record<string, unknown>)[k] as T | undefined) : undefined;
}

function condition(o: Obj, type: string): Condition | undefined {
  return (field<Condition[]>(o.status, 'conditions') ?? []).find((c) => c.type === type);
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

export function stateOf(kind: string, o: Obj): ObjState {
  const terminating = !!o.metadata?.deletionTimestamp;
  switch (kind) {
    case 'Pod': {
      const phase = field<string>(o.status, 'phase') ?? 'Pending';
      if (terminating && phase !== 'Succeeded' && phase !== 'Failed') return { state: 'Terminating', label: 'Terminating', color: COLORS.terminating };
      if (phase === 'Running') {
        const ready = condition(o, 'Ready')?.status === 'True';
        return ready ? { state: 'Ready', label: 'Running', color: COLORS.good } : { state: 'NotReady', label: 'Running, not ready', color: COLORS.partial };
      }
      if (phase === 'Succeeded') return { state: 'Succeeded', label: 'Succeeded', color: COLORS.done };
      if (phase === 'Failed') return { state: 'Failed', label: 'Failed', color: COLORS.bad };
      return { state: 'Pending', label: field<string>(o.spec, 'nodeName') ? 'Pending' : 'Pending (unscheduled)', color: COLORS.pending };
    }
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'ReplicationController': {
      const desired = field<number>(o.spec, 'replicas') ?? 1;
      const ready = num(field(o.status, 'readyReplicas'));
      const label = `${ready}/${desired}`;
      if (terminating) return { state: 'Terminating', label, color: COLORS.terminating };
      if (desired === 0 && ready === 0) return { state: 'ScaledDown', label, color: COLORS.idle };
      // More replicas than desired: still scaling down.
      if (ready >= desired) return num(field(o.status, 'replicas')) > desired ? { state: 'Scaling', label, color: COLORS.partial } : { state: 'Ready', label, color: COLORS.good };
      return { state: ready === 0 ? 'Unready' : 'Scaling', label, color: ready === 0 ? COLORS.pending : COLORS.partial };
    }
    case 'Deployment': {
      const desired = field<number>(o.spec, 'replicas') ?? 1;
      const ready = num(field(o.status, 'readyReplicas'));
      const label = `${ready}/${desired}`;
      const progressing = condition(o, 'Progressing');
      const available = condition(o, 'Available');
      if (terminating) return { state: 'Terminating', label, color: COLORS.terminating };
      if (progressing?.status === 'False') return { state: 'Stalled', label: `${label} ${progressing.reason ?? 'ProgressDeadlineExceeded'}`, color: COLORS.bad };
      if (available?.status === 'True') {
        // Available, and still rolling out (not every replica is ready yet).
        return ready >= desired ? { state: 'Available', label, color: COLORS.good } : { state: 'Progressing', label, color: COLORS.partial };
      }
      if (available?.status === 'False') return { state: 'Unavailable', label, color: COLORS.pending };
      return { state: 'Progressing', label, color: COLORS.partial };
    }
    default:
      return { state: terminating ? 'Terminating' : 'Exists', label: '', color: terminating ? COLORS.terminating : COLORS.exists };
  }
}
