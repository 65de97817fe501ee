/**
 * The history of custom resources of the same kind and name in two groups (widgets in a.example.com
 * and in b.example.com), against real NATS and Postgres: separate revisions, diffs, past objects and
 * changes through the history API and jkctl, the events mirror's api_group column, a replay from
 * sequence 1 that rebuilds it identically, and migration 0016 filling it for rows mirrored before.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { schemaName } from '../../shared/config.js';
import { Migrator, sql } from 'kysely';
import { createDb, diffSchemas, isConcurrentDrop, migrate } from '../../shared/db/index.js';
import { migrationProvider } from '../../shared/db/migrations/index.js';
import { testConfig } from '../harness.js';
import { unserveCrd } from '../../shared/resources/crd-serving.js';
import { api, startStack, type Stack } from '../stack.js';
import { eventually } from '../wait.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const H = '/apis/history.jetkube.io/v1/namespaces/default';
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const GROUPS = ['a.example.com', 'b.example.com'] as const;
const MERGE = 'application/merge-patch+json';

const crd = (group: string) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
  },
});
const widgets = (group: string) => `/apis/${group}/v1/namespaces/default/widgets`;
const widget = (group: string, size: number) => ({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w' }, spec: { size } });

const ok = (r: { status: number; body: any }, code = 200) => {
  assert.equal(r.status, code, JSON.stringify(r.body));
  return r.body;
};
const rvOf = (r: { status: number; body: any }) => Number(ok(r, r.status === 201 ? 201 : 200).metadata.resourceVersion);

describe('history of one kind and name in two groups', () => {
  let s: Stack;
  const seq: Record<string, number> = {};
  before(async () => {
    s = await startStack('histgrp');
    for (const g of GROUPS) ok(await api(s.url, 'POST', CRDS, crd(g)), 201);
    for (const g of GROUPS) await eventually(`${g} served`, async () => (await api(s.url, 'GET', widgets(g))).status === 200);
    seq.start = Number(ok(await api(s.url, 'GET', '/api/v1/namespaces')).metadata.resourceVersion);
    seq.aCreated = rvOf(await api(s.url, 'POST', widgets('a.example.com'), widget('a.example.com', 1)));
    seq.bCreated = rvOf(await api(s.url, 'POST', widgets('b.example.com'), widget('b.example.com', 10)));
    seq.aResized = rvOf(await api(s.url, 'PATCH', `${widgets('a.example.com')}/w`, { spec: { size: 2 } }, MERGE));
    seq.bDeleted = rvOf(await api(s.url, 'DELETE', `${widgets('b.example.com')}/w`));
  });
  after(async () => {
    await s?.close();
    for (const g of GROUPS) unserveCrd(`widgets.${g}`);
  });

  it('keeps a revision list per group', async () => {
    const a = ok(await api(s.url, 'GET', `${H}/revisions?kind=widgets.a.example.com&name=w`));
    assert.deepEqual(a.items.map((r: any) => [r.sequence, r.type, r.object.spec.size]), [[seq.aCreated, 'ADDED', 1], [seq.aResized, 'MODIFIED', 2]]);
    assert.equal(a.items[1].summary, 'spec.size 1→2');
    assert.equal(a.items[0].involvedObject.apiVersion, 'a.example.com/v1');
    const b = ok(await api(s.url, 'GET', `${H}/revisions?kind=widgets.b.example.com&name=w`));
    assert.deepEqual(b.items.map((r: any) => [r.sequence, r.type]), [[seq.bCreated, 'ADDED'], [seq.bDeleted, 'DELETED']]);
    assert.equal(b.items[0].involvedObject.apiVersion, 'b.example.com/v1');
    // Kind and apiVersion name the group too.
    const byKind = ok(await api(s.url, 'GET', `${H}/revisions?kind=Widget&apiVersion=b.example.com/v1&name=w`));
    assert.deepEqual(byKind.items.map((r: any) => r.sequence), [seq.bCreated, seq.bDeleted]);
    const unknown = await api(s.url, 'GET', `${H}/revisions?kind=Widget&apiVersion=c.example.com/v1&name=w`);
    assert.equal(unknown.status, 400);
    assert.equal((await api(s.url, 'GET', `${H}/revisions?apiVersion=b.example.com/v1`)).status, 400);
    // Without a kind, both objects, each with its own group.
    const all = ok(await api(s.url, 'GET', `${H}/revisions?objects=false`)).items.filter((r: any) => r.involvedObject.kind === 'Widget');
    assert.deepEqual(all.map((r: any) => `${r.involvedObject.apiVersion}:${r.type}`), ['a.example.com/v1:ADDED', 'b.example.com/v1:ADDED', 'a.example.com/v1:MODIFIED', 'b.example.com/v1:DELETED']);
  });

  it('diffs, past objects and changes stay within the group', async () => {
    const d = ok(await api(s.url, 'GET', `${H}/diffs?kind=widgets.a.example.com&name=w`));
    assert.deepEqual(d.patch, [
      { op: 'replace', path: '/spec/size', value: 2 },
      { op: 'replace', path: '/metadata/generation', value: 2 },
    ]);
    assert.equal(d.from.sequence, seq.aCreated);
    const db = ok(await api(s.url, 'GET', `${H}/diffs?kind=widgets.b.example.com&name=w&from=${seq.bCreated}`));
    assert.deepEqual([db.from.sequence, db.to.sequence, db.to.type], [seq.bCreated, seq.bDeleted, 'DELETED']);
    const pastB = ok(await api(s.url, 'GET', `${H}/objects?kind=widgets.b.example.com&name=w&at=${seq.aResized}`));
    assert.equal(pastB.spec.size, 10);
    assert.equal(pastB.apiVersion, 'b.example.com/v1');
    assert.equal((await api(s.url, 'GET', `${H}/objects?kind=widgets.b.example.com&name=w&at=${seq.bDeleted}`)).status, 404);
    const listA = ok(await api(s.url, 'GET', `${H}/objects?kind=widgets.a.example.com&at=${seq.bDeleted}`));
    assert.deepEqual(listA.items.map((o: any) => [o.apiVersion, o.spec.size]), [['a.example.com/v1', 2]]);
    const listB = ok(await api(s.url, 'GET', `${H}/objects?kind=widgets.b.example.com&at=${seq.bCreated}`));
    assert.deepEqual(listB.items.map((o: any) => [o.apiVersion, o.spec.size]), [['b.example.com/v1', 10]]);
    // Changes: one object per group, one page each.
    const seen: string[] = [];
    let cont = '';
    do {
      const p = ok(await api(s.url, 'GET', `${H}/changes?from=${seq.start}&to=${seq.bDeleted}&limit=1${cont ? `&continue=${cont}` : ''}`));
      seen.push(...p.items.map((c: any) => `${c.involvedObject.apiVersion} ${c.involvedObject.kind}/${c.involvedObject.name}:${c.type}:${c.revisions}`));
      cont = p.metadata.continue ?? '';
    } while (cont);
    assert.deepEqual(seen, ['a.example.com/v1 Widget/w:ADDED:2', 'b.example.com/v1 Widget/w:DELETED:2']);
    const onlyA = ok(await api(s.url, 'GET', `${H}/changes?kind=widgets.a.example.com&from=${seq.start}`));
    assert.deepEqual(onlyA.items.map((c: any) => [c.type, c.patch.length ? c.object.spec.size : 0]), [['ADDED', 2]]);
  });

  it('jkctl history and diff take widgets.<group>/name', async () => {
    const env = { ...process.env, GATEWAY_URL: s.url, KUBECONFIG: '/nonexistent' };
    // Asynchronously: the gateway answering it runs in this process.
    const jk = (...args: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [`${ROOT}dist/services/jkctl/main.js`, ...args], { encoding: 'utf8', env }, (err, stdout, stderr) =>
          resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        );
      });
    const h = await jk('history', 'widgets.a.example.com/w');
    assert.equal(h.status, 0, h.stderr);
    assert.match(h.stdout, new RegExp(`^${seq.aResized}\\s.*MODIFIED.*spec\\.size 1→2`, 'm'));
    assert.doesNotMatch(h.stdout, /DELETED/);
    const hb = await jk('history', 'widgets.b.example.com/w');
    assert.equal(hb.status, 0, hb.stderr);
    assert.match(hb.stdout, new RegExp(`^${seq.bDeleted}\\s.*DELETED`, 'm'));
    const d = await jk('diff', 'widgets.a.example.com/w');
    assert.equal(d.status, 0, d.stderr);
    assert.match(d.stdout, /^-\s+size: 1$/m);
    assert.match(d.stdout, /^\+\s+size: 2$/m);
  });

  it('mirrors the group of every event and a replay from sequence 1 rebuilds it', async () => {
    const c = new pg.Client({ connectionString: s.cfg.databaseUrl });
    await c.connect();
    const live = schemaName(s.cfg.prefix);
    try {
      await c.query(`set search_path to "${live}"`);
      const rows = (await c.query(`select kind, api_group, type from events where name = 'w' or kind in ('Namespace', 'CustomResourceDefinition') order by sequence`)).rows;
      const groups = new Set(rows.map((r) => `${r.kind}:${r.api_group}`));
      assert.deepEqual([...groups].sort(), ['CustomResourceDefinition:apiextensions.k8s.io', 'Namespace:', 'Widget:a.example.com', 'Widget:b.example.com']);
      const tables = (await c.query(`select tablename from pg_tables where schemaname = '${live}'`)).rows;
      await c.query([`create schema "${live}_snap_grp"`, ...tables.map((t) => `create table "${live}_snap_grp"."${t.tablename}" as select * from "${live}"."${t.tablename}"`)].join(';\n'));
    } finally {
      await c.end();
    }
    const db = createDb(s.cfg.databaseUrl, live, { max: 1 });
    try {
      const { replay } = await import('../../services/projector/index.js');
      await replay(s.cfg, {});
      assert.deepEqual(await diffSchemas(db, `${live}_snap_grp`, live), [], 'a replay from sequence 1 rebuilds the same mirror, api_group included');
    } finally {
      await db.destroy();
    }
  });
});

describe('migration 2026_12_06_0016_event_groups on a mirror written before it', () => {
  it('fills api_group: built-in kinds by kind, custom ones by the live object\'s uid or the only CRD of the kind', async () => {
    const cfg = await testConfig('histmig');
    const schema = schemaName(cfg.prefix);
    const db = createDb(cfg.databaseUrl, schema, { max: 1 });
    try {
      await sql`create schema ${sql.id(schema)}`.execute(db);
      const migrator = new Migrator({ db, provider: migrationProvider, migrationTableSchema: schema });
      // kysely's introspection reads every schema's tables: another suite dropping its schema
      // meanwhile fails it, as shared/db/migrate.ts knows (and retries).
      let before = await migrator.migrateTo('2026_12_06_0014_event_authors');
      for (let attempt = 1; attempt < 5 && isConcurrentDrop(before.error); attempt++) before = await migrator.migrateTo('2026_12_06_0014_event_authors');
      assert.equal(before.error, undefined);
      const rows: [number, string, string, string | null][] = [
        [1, 'Deployment', 'web', 'u-dep'],
        [2, 'ConfigMap', 'cm', 'u-cm'],
        [3, 'Widget', 'w', 'u-wa'],
        [4, 'Widget', 'w', 'u-wb'],
        [5, 'Gadget', 'g', 'u-g'],
        [6, 'Widget', 'gone', 'u-gone'],
      ];
      for (const [seq, kind, name, uid] of rows) {
        await sql`insert into events (sequence, time, type, kind, namespace, name, uid) values (${seq}, now(), 'ADDED', ${kind}, 'default', ${name}, ${uid})`.execute(db);
      }
      for (const [group, uid] of [['a.example.com', 'u-wa'], ['b.example.com', 'u-wb']]) {
        await sql`insert into custom_objects (api_group, kind, namespace, name, uid, resource_version, object) values (${group}, 'Widget', 'default', 'w', ${uid}, 1, '{}')`.execute(db);
      }
      for (const [group, kind] of [['a.example.com', 'Widget'], ['b.example.com', 'Widget'], ['c.example.com', 'Gadget']]) {
        const name = `${kind.toLowerCase()}s.${group}`;
        await sql`insert into customresourcedefinitions (namespace, name, resource_version, api_group, kind, object) values ('', ${name}, 1, ${group}, ${kind}, '{}')`.execute(db);
      }
      await migrate(db);
      const got = await sql<{ sequence: string; api_group: string }>`select sequence, api_group from events order by sequence`.execute(db);
      // The deleted widget's group is unknown (two CRDs define Widget): '' as the column's default.
      assert.deepEqual(got.rows.map((r) => [Number(r.sequence), r.api_group]), [[1, 'apps'], [2, ''], [3, 'a.example.com'], [4, 'b.example.com'], [5, 'c.example.com'], [6, '']]);
    } finally {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
      await db.destroy();
    }
  });
});
