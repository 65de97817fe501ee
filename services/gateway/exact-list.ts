/**
 * A list exactly as it was at one sequence (`resourceVersionMatch=Exact`), answered from the log:
 * the `events` table names each object's newest event at or before the sequence, and each of those
 * messages is read back from the stream. The answer is complete or 410: if one of those messages is
 * gone (compacted away), or if the mirror cannot name an object's state at the sequence at all (its
 * mirrored history starts after the sequence with something other than a creation: the projector
 * first read the log after compaction), the state can no longer be rebuilt, as etcd answers below
 * its compacted revision. Unlike etcd, any sequence the log still holds can be listed.
 */
import { sql, type Kysely } from 'kysely';
import type { EventLog } from '../../shared/eventlog/index.js';
import { ApiError } from '../../shared/errors.js';
import type { Database } from '../../shared/db/index.js';
import { reachableDb } from '../../shared/db/errors.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { ResourceInfo } from '../../shared/resources/registry.js';
import { matchesLabels } from '../../shared/resources/selectors.js';
import { matchesFields } from '../../shared/resources/field-selectors.js';
import type { FieldRequirement, Requirement } from '../../shared/resources/selector-types.js';

/** Direct gets in flight at once. */
const READ_CONCURRENCY = 32;

/** kube-apiserver's answer to a list at a compacted revision (410, reason Expired). */
export const listTooOld = (): ApiError => new ApiError('Expired', 'The resourceVersion for the provided list is too old.');

export async function listExact(
  db: Kysely<Database>,
  log: EventLog,
  info: ResourceInfo,
  opts: { namespace?: string; seq: number; labels: readonly Requirement[]; fields: readonly FieldRequirement[] },
  gone: () => ApiError = listTooOld,
): Promise<KObject[]> {
  const ns = opts.namespace ? sql`and namespace = ${opts.namespace}` : sql``;
  const [rows, unknown] = await Promise.all([
    reachableDb(sql<{ sequence: string; type: string }>`
      select distinct on (namespace, name) sequence, type from events
      where kind = ${info.kind} and api_group = ${info.group} and sequence <= ${opts.seq} ${ns}
      order by namespace, name, sequence desc`.execute(db)),
    unknownBefore(db, info, opts.namespace, opts.seq),
  ]);
  if (unknown) throw gone();
  const live = rows.rows.filter((r) => r.type !== 'DELETED').map((r) => Number(r.sequence));
  const objects: KObject[] = new Array(live.length);
  let next = 0;
  const worker = async () => {
    while (next < live.length) {
      const i = next++;
      const ev = await log.getBySeq(live[i]!);
      if (!ev) throw gone();
      objects[i] = { ...ev.object, metadata: { ...ev.object.metadata, resourceVersion: String(ev.seq) } };
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, live.length) }, worker));
  return objects.filter((o) => matchesLabels(opts.labels, o.metadata.labels) && matchesFields(opts.fields, o));
}

/**
 * True if some object of the kind (in the namespace, if given) has a mirrored history that starts
 * after `seq` with something other than its creation: its state at `seq` is unknown to the mirror.
 */
export async function unknownBefore(db: Kysely<Database>, info: Pick<ResourceInfo, 'kind' | 'group'>, namespace: string | undefined, seq: number): Promise<boolean> {
  const r = await reachableDb(
    sql<{ n: number }>`select exists (select 1 from (
        select distinct on (namespace, name) sequence, type from events
        where kind = ${info.kind} and api_group = ${info.group} ${namespace !== undefined ? sql`and namespace = ${namespace}` : sql``}
        order by namespace, name, sequence) f
      where f.type <> 'ADDED' and f.sequence > ${seq}) as n`.execute(db),
  );
  return Boolean(r.rows[0]?.n);
}
