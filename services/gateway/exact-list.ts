/**
 * A list exactly as it was at one sequence (`resourceVersionMatch=Exact`), answered from the log:
 * the `events` table names each object's newest event at or before the sequence, and each of those
 * messages is read back from the stream. If one is gone (compacted away), that state can no longer
 * be rebuilt: 410 Gone, as etcd answers below its compacted revision. Unlike etcd, any sequence the
 * log still holds can be listed.
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

export async function listExact(
  db: Kysely<Database>,
  log: EventLog,
  info: ResourceInfo,
  opts: { namespace?: string; seq: number; labels: readonly Requirement[]; fields: readonly FieldRequirement[] },
): Promise<KObject[]> {
  const rows = await reachableDb(sql<{ sequence: string; type: string }>`
    select distinct on (namespace, name) sequence, type from events
    where kind = ${info.kind} and sequence <= ${opts.seq} ${opts.namespace ? sql`and namespace = ${opts.namespace}` : sql``}
    order by namespace, name, sequence desc`.execute(db));
  const live = rows.rows.filter((r) => r.type !== 'DELETED').map((r) => Number(r.sequence));
  const objects: KObject[] = new Array(live.length);
  let next = 0;
  const worker = async () => {
    while (next < live.length) {
      const i = next++;
      const ev = await log.getBySeq(live[i]!);
      if (!ev) throw new ApiError('Gone', `too old resource version: ${opts.seq} (the state at it has been compacted)`);
      objects[i] = { ...ev.object, metadata: { ...ev.object.metadata, resourceVersion: String(ev.seq) } };
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, live.length) }, worker));
  return objects.filter((o) => matchesLabels(opts.labels, o.metadata.labels) && matchesFields(opts.fields, o));
}
