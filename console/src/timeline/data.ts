/**
 * The timeline's reads from `history.jetkube.io/v1`: every revision of a namespace (or of one kind
 * there), or of a workload and what it owns, deleted objects included (found by owner uid), page by
 * page; and one revision's diff with the one before it.
 */
import { getJSON } from '../api/client';
import type { RevisionLike } from '../../../shared/console/timeline/lanes.js';

const H = '/apis/history.jetkube.io/v1';
const PAGE = 500;
/** Past this many revisions a view stops reading (and says so). */
export const MAX_REVISIONS = 50_000;

/** Kinds whose owned objects are read for a workload's timeline (a Pod owns nothing worth a lane). */
const OWNERS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController']);

export interface Revision extends RevisionLike {
  readonly object?: RevisionLike['object'] & { metadata?: { name?: string; uid?: string } };
}

interface RevisionList {
  metadata: { continue?: string };
  items: Revision[];
}

function base(ns: string): string {
  return ns ? `${H}/namespaces/${encodeURIComponent(ns)}` : H;
}

/** Every revision matching `params`, following continue tokens. */
export async function revisions(ns: string, params: Record<string, string>, signal: AbortSignal, cap = MAX_REVISIONS): Promise<{ items: Revision[]; truncated: boolean }> {
  const items: Revision[] = [];
  let cont: string | undefined;
  do {
    const q = new URLSearchParams({ ...params, limit: String(PAGE), ...(cont ? { continue: cont } : {}) });
    const page = await getJSON<RevisionList>(`${base(ns)}/revisions?${q}`, signal);
    items.push(...page.items);
    cont = page.metadata.continue;
  } while (cont && items.length < cap && !signal.aborted);
  return { items, truncated: !!cont };
}

export interface Scope {
  readonly namespace: string;
  readonly kind?: string;
  readonly name?: string;
}

/** The revisions a timeline shows: a workload and, level by level, what it owns; else a namespace or a kind. */
export async function timelineRevisions(s: Scope, signal: AbortSignal): Promise<{ items: Revision[]; truncated: boolean }> {
  if (!s.kind) {
    // Events are records about objects, not objects with a state: a namespace's lanes leave them out (kind=Event shows them).
    const all = await revisions(s.namespace, {}, signal);
    return { ...all, items: all.items.filter((r) => r.involvedObject.kind !== 'Event') };
  }
  if (!s.name) return revisions(s.namespace, { kind: s.kind }, signal);
  const root = await revisions(s.namespace, { kind: s.kind, name: s.name }, signal);
  const all = [...root.items];
  let truncated = root.truncated;
  const seen = new Set<string>();
  let frontier = owners(root.items, seen);
  while (frontier.length && all.length < MAX_REVISIONS) {
    const pages = await Promise.all(frontier.map((uid) => revisions(s.namespace, { ownerUid: uid }, signal)));
    const found = pages.flatMap((p) => p.items);
    truncated ||= pages.some((p) => p.truncated);
    all.push(...found);
    frontier = owners(found, seen);
  }
  return { items: all, truncated };
}

/** The uids (not yet seen) of the objects among `revs` whose kind owns others. */
function owners(revs: readonly Revision[], seen: Set<string>): string[] {
  const out: string[] = [];
  for (const r of revs) {
    const uid = r.object?.metadata?.uid ?? r.involvedObject.uid;
    if (!uid || seen.has(uid) || !OWNERS.has(r.involvedObject.kind)) continue;
    seen.add(uid);
    out.push(uid);
  }
  return out;
}

export interface RevisionDiff {
  from: { sequence: number; type: string } | null;
  to: { sequence: number; type: string } | null;
  unified: string;
}

/** The diff of one object's revision `seq` with the revision before it. */
export function diffWithPrevious(ns: string, uid: string, seq: number, signal: AbortSignal): Promise<RevisionDiff> {
  const q = new URLSearchParams({ uid, to: String(seq) });
  return getJSON<RevisionDiff>(`${base(ns)}/diffs?${q}`, signal);
}
