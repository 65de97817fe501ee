/**
 * bench:list-sql — the SQL of a paged pod list at LIST_SQL_PODS (150,000) rows, without the rest of
 * the cluster: a scratch schema filled with pod rows shaped as the projector writes them (100
 * namespaces, labels app / tier, an object of about 3 KB), then timed listObjectsJson pages
 * (limit=500: first and continue pages, all namespaces, one namespace, a label selector) and, with
 * LIST_SQL_EXPLAIN=1, EXPLAIN (ANALYZE, BUFFERS) of each. The schema is dropped at the end.
 */
import { sql } from 'kysely';
import { createDb, listObjectsJson, migrate, type ListOptions } from '../shared/db/index.js';
import { resourceByPlural } from '../shared/resources/registry.js';
import { parseLabelSelector } from '../shared/resources/selectors.js';
import { uniquePrefix } from '../test/harness.js';
import { median, percentile } from './report.js';
import { listSql } from '../shared/db/list.js';

const PODS = Number(process.env.LIST_SQL_PODS || 150_000);
const ROUNDS = Number(process.env.LIST_SQL_ROUNDS || 20);
const EXPLAIN = process.env.LIST_SQL_EXPLAIN === '1';
const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

async function main(): Promise<void> {
  const schema = uniquePrefix('listsql');
  const db = createDb(DATABASE_URL, schema);
  try {
    await migrate(db);
    const t = Date.now();
    // Rows as the projector writes them; the object is a pod as the fake kubelet leaves it (~3 KB).
    const template = JSON.stringify(podTemplate());
    await sql`
      insert into pods (namespace, name, uid, resource_version, labels, owner_kind, owner_name, owner_uid, creation_timestamp, phase, node_name, pod_ip, host_ip, ready, images, object)
      select ns, nm, md5(nm || ns), i, lb, 'ReplicaSet', 'rs', md5(ns || 'rs'), now(), 'Running', 'scale-' || (i % 5000), '10.0.0.1', '127.0.0.1', true, '{registry.k8s.io/pause:3.9}',
             jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(${template}::jsonb, '{metadata,name}', to_jsonb(nm)), '{metadata,namespace}', to_jsonb(ns)), '{metadata,uid}', to_jsonb(md5(nm || ns))), '{metadata,labels}', lb), '{spec,nodeName}', to_jsonb('scale-' || (i % 5000)))
      from (select i, 'scale-' || (i % 100) as ns, 'd-' || (i / 100 % 10) || '-abc-' || lpad(to_hex(i), 6, '0') as nm,
                   jsonb_build_object('app', 'd-' || (i / 100 % 10), 'tier', 't' || (i % 10), 'pod-template-hash', 'abc') as lb
            from generate_series(1, ${PODS}::int) i) s`.execute(db);
    await sql`update checkpoint set last_seq = ${PODS} where id = 1`.execute(db);
    await sql`analyze pods`.execute(db);
    const size = await sql<{ s: string }>`select pg_size_pretty(pg_total_relation_size('pods')) as s`.execute(db);
    process.stderr.write(`[list-sql] ${PODS} pods in ${schema} (${size.rows[0]!.s}) in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);

    const pods = resourceByPlural('pods')!;
    const cases: [string, ListOptions][] = [
      ['all namespaces', { limit: 500 }],
      ['one namespace', { limit: 500, namespace: 'scale-7' }],
      ['label selector, all namespaces', { limit: 500, labels: parseLabelSelector('app=d-3') }],
      ['label selector, one namespace', { limit: 500, namespace: 'scale-7', labels: parseLabelSelector('app=d-3') }],
      ['set selector, all namespaces', { limit: 500, labels: parseLabelSelector('tier in (t1,t2),app!=d-0') }],
    ];
    for (const [label, opts] of cases) {
      const first = await listObjectsJson(db, pods, opts);
      // A continue page from the middle: follow tokens a few pages in.
      let cont = first.continueToken;
      for (let i = 0; i < 3 && cont; i++) cont = (await listObjectsJson(db, pods, { ...opts, continueToken: cont })).continueToken;
      for (const [which, o] of [['first page', opts], ['continue page', { ...opts, ...(cont ? { continueToken: cont } : {}) }]] as const) {
        const ms: number[] = [];
        let items = 0;
        for (let r = 0; r < ROUNDS; r++) {
          const t0 = performance.now();
          const res = await listObjectsJson(db, pods, o);
          ms.push(performance.now() - t0);
          items = res.items.length;
        }
        ms.sort((a, b) => a - b);
        process.stdout.write(`${label}, ${which}: ${items} items, median ${median(ms).toFixed(1)} ms, p90 ${percentile(ms, 90).toFixed(1)} ms\n`);
        if (EXPLAIN) {
          const q = listSql(pods, o, true).compile(db);
          const plan = await sql.raw<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${interpolate(q.sql, q.parameters)}`).execute(db);
          process.stdout.write(plan.rows.map((r) => '    ' + r['QUERY PLAN']).join('\n') + '\n');
        }
      }
    }
  } finally {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db).catch(() => undefined);
    await db.destroy();
  }
}

/** A pod as the fake kubelet leaves it running: spec defaulted, status, two managedFields entries. */
function podTemplate(): object {
  const t = '2026-12-06T18:00:01Z';
  const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: t });
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name: '', namespace: '', uid: '', creationTimestamp: t, generateName: 'd-0-abc-', labels: {},
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'd-0-abc', uid: '5c3f3e6a-5f57-4c43-9f2c-1d1f0c1e9b11', controller: true, blockOwnerDeletion: true }],
      managedFields: [
        { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: t, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {}, 'f:tier': {} }, 'f:ownerReferences': { '.': {}, 'k:{"uid":"5c3f3e6a-5f57-4c43-9f2c-1d1f0c1e9b11"}': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:imagePullPolicy': {}, 'f:name': {}, 'f:resources': {}, 'f:terminationMessagePath': {}, 'f:terminationMessagePolicy': {} } }, 'f:dnsPolicy': {}, 'f:enableServiceLinks': {}, 'f:restartPolicy': {}, 'f:schedulerName': {}, 'f:securityContext': {}, 'f:terminationGracePeriodSeconds': {} } } },
        { manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time: t, fieldsType: 'FieldsV1', subresource: 'status', fieldsV1: { 'f:status': { 'f:conditions': {}, 'f:containerStatuses': {}, 'f:hostIP': {}, 'f:hostIPs': {}, 'f:phase': {}, 'f:podIP': {}, 'f:podIPs': {}, 'f:startTime': {} } } },
      ],
    },
    spec: {
      nodeName: '', restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30, enableServiceLinks: true, preemptionPolicy: 'PreemptLowerPriority', priority: 0, securityContext: {}, serviceAccountName: 'default',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} }],
    },
    status: {
      phase: 'Running', hostIP: '127.0.0.1', hostIPs: [{ ip: '127.0.0.1' }], podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }], startTime: t, qosClass: 'BestEffort',
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(cond),
      containerStatuses: [{ name: 'c', ready: true, started: true, restartCount: 0, image: 'registry.k8s.io/pause:3.9', imageID: 'fake://pause', containerID: 'fake://0123456789abcdef', state: { running: { startedAt: t } }, lastState: {} }],
    },
  };
}

/** The compiled SQL with its parameters inlined as literals (for EXPLAIN only). */
function interpolate(text: string, params: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_m, n) => {
    const v = params[Number(n) - 1];
    if (typeof v === 'number') return String(v);
    if (Array.isArray(v)) return `array[${v.map((x) => `'${String(x).replace(/'/g, "''")}'`).join(',')}]`;
    return `'${String(v).replace(/'/g, "''")}'`;
  });
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exitCode = 1;
});
