/**
 * The API group of each event's object in the events mirror, so that two groups' kinds of the same
 * name (a custom resource `widgets` in a.example.com and in b.example.com) keep separate histories.
 * '' for the core group. Rows mirrored before this migration get the group of the built-in kinds of
 * this moment, else that of the live custom object with their uid, else that of the only CRD
 * defining their kind; a replay fills the column from the log's subjects.
 */
import { sql, type Kysely } from 'kysely';

/** The built-in kinds outside the core group when this migration was written. */
const BUILT_IN_GROUPS: readonly (readonly [string, string])[] = [
  ['ReplicaSet', 'apps'],
  ['Deployment', 'apps'],
  ['DaemonSet', 'apps'],
  ['ControllerRevision', 'apps'],
  ['StatefulSet', 'apps'],
  ['Lease', 'coordination.k8s.io'],
  ['PodDisruptionBudget', 'policy'],
  ['Job', 'batch'],
  ['CronJob', 'batch'],
  ['Ingress', 'networking.k8s.io'],
  ['IngressClass', 'networking.k8s.io'],
  ['StorageClass', 'storage.k8s.io'],
  ['HorizontalPodAutoscaler', 'autoscaling'],
  ['CustomResourceDefinition', 'apiextensions.k8s.io'],
  ['Role', 'rbac.authorization.k8s.io'],
  ['ClusterRole', 'rbac.authorization.k8s.io'],
  ['RoleBinding', 'rbac.authorization.k8s.io'],
  ['ClusterRoleBinding', 'rbac.authorization.k8s.io'],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').addColumn('api_group', 'text', (c) => c.notNull().defaultTo('')).execute();
  const values = sql.join(BUILT_IN_GROUPS.map(([k, g]) => sql`(${k}, ${g})`));
  await sql`update events e set api_group = m.g from (values ${values}) as m(k, g) where e.kind = m.k`.execute(db);
  await sql`update events e set api_group = c.api_group from custom_objects c
    where e.api_group = '' and e.uid is not null and c.uid = e.uid and c.kind = e.kind`.execute(db);
  await sql`update events e set api_group = d.api_group from (
      select kind, min(api_group) as api_group from customresourcedefinitions group by kind having count(distinct api_group) = 1) d
    where e.api_group = '' and e.kind = d.kind`.execute(db);
  await db.schema.dropIndex('events_object_idx').ifExists().execute();
  await db.schema.createIndex('events_object_idx').on('events').columns(['kind', 'api_group', 'namespace', 'name', 'sequence']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('events_object_idx').ifExists().execute();
  await db.schema.createIndex('events_object_idx').on('events').columns(['kind', 'namespace', 'name', 'sequence']).execute();
  await db.schema.alterTable('events').dropColumn('api_group').execute();
}
