/**
 * Initial projection schema. Frozen: change the schema with a new migration, never by editing this one.
 */
import { sql, type Kysely } from 'kysely';

import { createObjectTable, type Col } from './object-table.js';

const WORKLOAD: readonly Col[] = [
  ['generation', 'bigint', '0'],
  ['observed_generation', 'bigint', '0'],
  ['replicas', 'integer'],
  ['status_replicas', 'integer', '0'],
  ['ready_replicas', 'integer', '0'],
  ['available_replicas', 'integer', '0'],
  ['images', 'text[]', `'{}'`],
];

const OBJECT_TABLES: readonly (readonly [table: string, columns: readonly Col[]])[] = [
  ['namespaces', [['phase', 'text']]],
  ['nodes', [['ready', 'boolean', 'false'], ['unschedulable', 'boolean', 'false'], ['internal_ip', 'text']]],
  [
    'pods',
    [
      ['phase', 'text'],
      ['node_name', 'text'],
      ['pod_ip', 'text'],
      ['host_ip', 'text'],
      ['ready', 'boolean', 'false'],
      ['restarts', 'integer', '0'],
      ['images', 'text[]', `'{}'`],
    ],
  ],
  ['services', [['type', 'text', `'ClusterIP'`], ['cluster_ip', 'text']]],
  ['endpoints', [['ready_addresses', 'integer', '0'], ['not_ready_addresses', 'integer', '0']]],
  ['configmaps', [['keys', 'integer', '0']]],
  ['secrets', [['type', 'text'], ['keys', 'integer', '0']]],
  [
    'kube_events',
    [
      ['reason', 'text'],
      ['type', 'text'],
      ['message', 'text'],
      ['involved_kind', 'text'],
      ['involved_namespace', 'text'],
      ['involved_name', 'text'],
      ['involved_uid', 'text'],
      ['count', 'integer', '0'],
      ['last_timestamp', 'timestamptz'],
    ],
  ],
  ['replicasets', WORKLOAD],
  ['deployments', [...WORKLOAD, ['updated_replicas', 'integer', '0']]],
  ['leases', [['holder', 'text'], ['renew_time', 'timestamptz'], ['lease_duration_seconds', 'integer']]],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [table, columns] of OBJECT_TABLES) await createObjectTable(db, table, columns);
  await db.schema.createIndex('pods_node_name_idx').on('pods').column('node_name').execute();

  await db.schema
    .createTable('events')
    .addColumn('sequence', 'bigint', (c) => c.primaryKey())
    .addColumn('time', 'timestamptz', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('uid', 'text')
    .execute();

  await db.schema
    .createTable('checkpoint')
    .addColumn('id', 'integer', (c) => c.primaryKey().defaultTo(1).check(sql`id = 1`))
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`insert into checkpoint (id, last_seq) values (1, 0)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['checkpoint', 'events', ...OBJECT_TABLES.map(([name]) => name)]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
