/**
 * CustomResourceDefinitions end to end on real NATS and Postgres, with TWO gateways: one in this
 * process (with the projector), one a separate process (its registry filled only from the
 * stream). A CRD is served by both, its objects validated, pruned, defaulted, listed, watched,
 * scaled; the per-CRD SQL view answers; a restarted gateway serves it; deleting the CRD deletes
 * its objects and stops serving it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { parse } from 'yaml';
import { schemaName } from '../../shared/config.js';
import { createDb } from '../../shared/db/index.js';
import { unserveCrd } from '../../shared/resources/crd-serving.js';
import { createLogger } from '../../shared/log.js';
import { startControllerManager } from '../../services/controller-manager/manager.js';
import { api, collectWatch, startStack, type Stack } from '../stack.js';
import { eventually } from '../wait.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CRD = parse(readFileSync(`${ROOT}examples/crd.yaml`, 'utf8'));
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const CTS = '/apis/stable.example.com/v1/namespaces/default/crontabs';
const ct = (name: string, spec: object) => ({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name }, spec });

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** A gateway in its own process on the stack's prefix. */
async function startChildGateway(s: Stack): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [`${ROOT}dist/services/gateway/main.js`], {
    env: { ...process.env, JETKUBE_AUTH: 'off', NATS_URL: s.cfg.natsUrl, DATABASE_URL: s.cfg.databaseUrl, JETKUBE_PREFIX: s.cfg.prefix, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually('second gateway ready', async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200);
  return { url, child };
}

async function stopChild(c: ChildProcess | undefined): Promise<void> {
  if (!c || c.exitCode !== null) return;
  const done = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await done;
}

describe('CustomResourceDefinitions', () => {
  let s: Stack;
  let second: { url: string; child: ChildProcess } | undefined;
  before(async () => {
    s = await startStack('crd');
    second = await startChildGateway(s);
  });
  after(async () => {
    await stopChild(second?.child);
    await s?.close();
    unserveCrd('crontabs.stable.example.com');
    unserveCrd('crontabs.other.example.com');
  });

  it('refuses what it cannot honour or what Kubernetes refuses, with 422 causes', async () => {
    const bad = structuredClone(CRD);
    bad.metadata.name = 'wrong.stable.example.com';
    bad.spec.conversion = { strategy: 'Webhook' };
    delete bad.spec.versions[0].schema;
    const r = await api(s.url, 'POST', CRDS, bad);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    const fields = r.body.details.causes.map((c: any) => c.field);
    assert.ok(fields.includes('metadata.name'), fields.join());
    assert.ok(fields.includes('spec.conversion.strategy'), fields.join());
    assert.ok(fields.includes('spec.versions[0].schema.openAPIV3Schema'), fields.join());
    const cel = structuredClone(CRD);
    cel.spec.versions[0].schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'] = [{ rule: 'ip(self.image).family() == 4' }];
    const r2 = await api(s.url, 'POST', CRDS, cel);
    assert.equal(r2.status, 422);
    assert.match(r2.body.message, /x-kubernetes-validations\[0\]\.rule: Invalid value: .*compilation failed/);
  });

  it('is served by both gateways once created, with NamesAccepted and Established', async () => {
    const r = await api(s.url, 'POST', CRDS, CRD);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const crd = await eventually('established', async () => {
      const g = await api(second!.url, 'GET', `${CRDS}/crontabs.stable.example.com`);
      return g.body.status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True') && g.body;
    });
    assert.deepEqual(
      crd.status.conditions.map((c: any) => [c.type, c.status, c.reason]),
      [
        ['NamesAccepted', 'True', 'NoConflicts'],
        ['Established', 'True', 'InitialNamesAccepted'],
      ],
    );
    assert.equal(crd.status.acceptedNames.listKind, 'CronTabList');
    assert.deepEqual(crd.status.storedVersions, ['v1']);
    for (const url of [s.url, second!.url]) {
      const list = await eventually(`served by ${url}`, async () => {
        const l = await api(url, 'GET', CTS);
        return l.status === 200 && l.body;
      });
      assert.equal(list.kind, 'CronTabList');
      const disc = await api(url, 'GET', '/apis/stable.example.com/v1');
      const res = disc.body.resources.find((x: any) => x.name === 'crontabs');
      assert.equal(res.kind, 'CronTab');
      assert.equal(res.singularName, 'crontab');
      assert.deepEqual(res.shortNames, ['ct']);
      assert.deepEqual(res.categories, ['all']);
      assert.ok(disc.body.resources.some((x: any) => x.name === 'crontabs/scale'));
    }
  });

  it('the same plural and kind in another group is another resource, served beside it', async () => {
    const dup = structuredClone(CRD);
    dup.metadata.name = 'crontabs.other.example.com';
    dup.spec.group = 'other.example.com';
    assert.equal((await api(s.url, 'POST', CRDS, dup)).status, 201);
    const got = await eventually('established', async () => {
      const g = await api(s.url, 'GET', `${CRDS}/crontabs.other.example.com`);
      return g.body.status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True') && g.body;
    });
    assert.equal(got.status.conditions.find((c: any) => c.type === 'NamesAccepted').status, 'True');
    const other = '/apis/other.example.com/v1/namespaces/default/crontabs';
    await eventually('served', async () => (await api(s.url, 'GET', other)).status === 200);
    assert.deepEqual((await api(s.url, 'GET', other)).body.items, []);
  });

  it('a CRD whose names are taken in its group is not served: NamesAccepted False', async () => {
    const dup = structuredClone(CRD);
    dup.metadata.name = 'crontabz.stable.example.com';
    dup.spec.names.plural = 'crontabz';
    const r = await api(s.url, 'POST', CRDS, dup);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const got = await eventually('names refused', async () => {
      const g = await api(s.url, 'GET', `${CRDS}/crontabz.stable.example.com`);
      return g.body.status?.conditions?.length && g.body;
    });
    const na = got.status.conditions.find((c: any) => c.type === 'NamesAccepted');
    assert.equal(na.status, 'False');
    // As in Kubernetes' naming controller, the last conflict checked (the list kind) is the reason.
    assert.equal(na.reason, 'ListKindConflict');
    assert.equal(na.message, '"CronTabList" is already in use');
    assert.equal((await api(s.url, 'GET', '/apis/stable.example.com/v1/namespaces/default/crontabz')).status, 404);
    assert.equal((await api(s.url, 'DELETE', `${CRDS}/crontabz.stable.example.com`)).status, 200);
  });

  it('validates, prunes and defaults custom resources; strategic merge is 415', async () => {
    const created = await api(second!.url, 'POST', CTS, { ...ct('c1', { cronSpec: '* * * * */5', image: 'img', junk: 1 }), extra: { a: 1 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.spec, { cronSpec: '* * * * */5', image: 'img', replicas: 1 }, 'junk pruned, replicas defaulted');
    assert.equal(created.body.extra, undefined);
    assert.equal(created.body.metadata.generation, 1);

    const strict = await api(s.url, 'POST', `${CTS}?fieldValidation=Strict`, ct('strict', { cronSpec: '* * * * *', junk: 1 }));
    assert.equal(strict.status, 400);
    assert.equal(strict.body.message, 'CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.junk"');
    const warned = await api(s.url, 'POST', `${CTS}?fieldValidation=Warn&dryRun=All`, ct('warned', { cronSpec: '* * * * *', junk: 1 }));
    assert.equal(warned.status, 201);
    assert.equal(warned.headers.get('warning'), '299 - "unknown field \\"spec.junk\\""');

    const bad = await api(s.url, 'POST', CTS, ct('bad', { cronSpec: 'nope', replicas: 11, image: 3 }));
    assert.equal(bad.status, 422);
    const causes = Object.fromEntries(bad.body.details.causes.map((c: any) => [c.field, c.message]));
    assert.equal(causes['spec.cronSpec'], `Invalid value: "nope": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'`);
    assert.equal(causes['spec.replicas'], 'Invalid value: 11: spec.replicas in body should be less than or equal to 10');
    assert.equal(causes['spec.image'], 'Invalid value: "integer": spec.image in body must be of type string: "integer"');
    const missing = await api(s.url, 'POST', CTS, ct('bad2', { image: 'x' }));
    assert.equal(missing.status, 422);
    assert.equal(missing.body.details.causes[0].field, 'spec.cronSpec');
    assert.equal(missing.body.details.causes[0].message, 'Required value');

    const smp = await api(s.url, 'PATCH', `${CTS}/c1`, { spec: { image: 'x' } }, 'application/strategic-merge-patch+json');
    assert.equal(smp.status, 415, JSON.stringify(smp.body));
    assert.equal(smp.body.message, 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');

    const pb = await fetch(`${s.url}${CTS}`, { method: 'POST', headers: { 'content-type': 'application/vnd.kubernetes.protobuf' }, body: new Uint8Array([0x6b, 0x38, 0x73, 0x00]) });
    assert.equal(pb.status, 415);
    assert.equal(((await pb.json()) as any).message, 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml');

    const merged = await api(s.url, 'PATCH', `${CTS}/c1`, { spec: { image: 'img2' } }, 'application/merge-patch+json');
    assert.equal(merged.status, 200, JSON.stringify(merged.body));
    assert.equal(merged.body.metadata.generation, 2);
    const jp = await api(s.url, 'PATCH', `${CTS}/c1`, [{ op: 'replace', path: '/spec/replicas', value: 2 }], 'application/json-patch+json');
    assert.equal(jp.status, 200);
    assert.equal(jp.body.spec.replicas, 2);
    const applied = await api(s.url, 'PATCH', `${CTS}/c2?fieldManager=t`, 'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: c2\nspec:\n  cronSpec: "1 * * * *"\n', 'application/apply-patch+yaml');
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    assert.equal(applied.body.spec.replicas, 1);
  });

  it('has status and scale subresources, printer columns, and watches', async () => {
    const before = (await api(s.url, 'GET', `${CTS}/c1`)).body.metadata.generation;
    const st = await api(s.url, 'PUT', `${CTS}/c1/status`, { ...ct('c1', {}), status: { replicas: 2, labelSelector: 'app=c1' } });
    assert.equal(st.status, 200, JSON.stringify(st.body));
    assert.equal(st.body.metadata.generation, before, 'a status write does not bump generation');
    assert.equal(st.body.spec.image, 'img2', 'a status write keeps the spec');
    const scale = await api(second!.url, 'GET', `${CTS}/c1/scale`);
    assert.equal(scale.status, 200);
    assert.deepEqual([scale.body.kind, scale.body.apiVersion, scale.body.spec, scale.body.status], ['Scale', 'autoscaling/v1', { replicas: 2 }, { replicas: 2, selector: 'app=c1' }]);
    const rv = scale.body.metadata.resourceVersion;
    const scaling = api(s.url, 'PATCH', `${CTS}/c1/scale`, { spec: { replicas: 5 } }, 'application/merge-patch+json');
    const watch = await collectWatch(second!.url, `${CTS}?watch=true&resourceVersion=${rv}`, (evs) => evs.some((e) => e.type === 'MODIFIED'));
    assert.equal((await scaling).status, 200);
    const mod = watch.events.find((e) => e.type === 'MODIFIED')!;
    assert.equal(mod.object.spec.replicas, 5);

    const t = await fetch(`${s.url}${CTS}`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    const table = (await t.json()) as any;
    assert.deepEqual(table.columnDefinitions.map((c: any) => c.name), ['Name', 'Spec', 'Replicas', 'Age']);
    const row = table.rows.find((r: any) => r.cells[0] === 'c1');
    assert.deepEqual(row.cells.slice(0, 3), ['c1', '* * * * */5', 5]);
  });

  it('a CRD update is served by both gateways without a restart', async () => {
    const crd = (await api(s.url, 'GET', `${CRDS}/crontabs.stable.example.com`)).body;
    const cols = [...crd.spec.versions[0].additionalPrinterColumns, { name: 'Image', type: 'string', jsonPath: '.spec.image' }];
    const versions = [{ ...crd.spec.versions[0], additionalPrinterColumns: cols }];
    const up = await api(s.url, 'PATCH', `${CRDS}/crontabs.stable.example.com`, { spec: { versions } }, 'application/merge-patch+json');
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.equal(up.body.metadata.generation, 2);
    for (const url of [s.url, second!.url]) {
      const row = await eventually(`new column on ${url}`, async () => {
        const t = (await (await fetch(`${url}${CTS}/c1`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } })).json()) as any;
        return t.columnDefinitions?.some((c: any) => c.name === 'Image') && t.rows[0].cells;
      });
      assert.equal(row[4], 'img2');
    }
  });

  it('answers SQL through the per-CRD view', async () => {
    const db = createDb(s.cfg.databaseUrl, schemaName(s.cfg.prefix), { max: 1 });
    try {
      const rows = await eventually('view', async () => {
        const r = await sql<{ name: string; spec: any }>`select name, spec from crontabs order by name`.execute(db).catch(() => undefined);
        return r && r.rows.length === 2 && r.rows[0]!.spec.replicas === 5 && r.rows;
      });
      assert.deepEqual(rows.map((r) => r.name), ['c1', 'c2']);
    } finally {
      await db.destroy();
    }
  });

  it('a replay rebuilds custom_objects and the view from the stream', async () => {
    const { replay } = await import('../../services/projector/index.js');
    const res = await replay(s.cfg, { log: createLogger('test', 'silent') });
    assert.equal(res.schema, schemaName(s.cfg.prefix));
    const db = createDb(s.cfg.databaseUrl, schemaName(s.cfg.prefix), { max: 1 });
    try {
      const objs = await sql<{ name: string; replicas: number }>`select name, (object->'spec'->>'replicas')::int as replicas from custom_objects where kind = 'CronTab' order by name`.execute(db);
      assert.deepEqual(objs.rows.map((r) => [r.name, r.replicas]), [['c1', 5], ['c2', 1]]);
      const view = await sql<{ name: string }>`select name from crontabs order by name`.execute(db);
      assert.deepEqual(view.rows.map((r) => r.name), ['c1', 'c2']);
      // Each CRD has a view named by itself too (the plural alone may be served by two groups).
      const qualified = await sql<{ name: string }>`select name from "crontabs.stable.example.com" order by name`.execute(db);
      assert.deepEqual(qualified.rows.map((r) => r.name), ['c1', 'c2']);
      assert.deepEqual((await sql`select name from "crontabs.other.example.com"`.execute(db)).rows, []);
      const crds = await sql<{ name: string; established: boolean }>`select name, established from customresourcedefinitions order by name`.execute(db);
      assert.deepEqual(crds.rows.map((r) => [r.name, r.established]), [['crontabs.other.example.com', true], ['crontabs.stable.example.com', true]]);
    } finally {
      await db.destroy();
    }
  });

  it('a restarted gateway serves it from the stream', async () => {
    await stopChild(second!.child);
    second = await startChildGateway(s);
    const got = await api(second.url, 'GET', `${CTS}/c1`);
    assert.equal(got.status, 200);
    assert.equal(got.body.spec.replicas, 5);
    // The same plural in another group is served beside it, with its own (empty) objects.
    const other = await api(second.url, 'GET', '/apis/other.example.com/v1/namespaces/default/crontabs');
    assert.equal(other.status, 200);
    assert.deepEqual(other.body.items, []);
  });

  it("deleting a namespace deletes its custom resources (the namespace controller serves CRDs' kinds too)", async () => {
    const cm = await startControllerManager({ ...s.cfg, gatewayUrl: s.url }, createLogger('test', process.env.LOG_LEVEL || 'silent'), {
      controllers: ['namespace'],
      workers: 2,
      leaderElection: { enabled: false },
    });
    try {
      assert.equal((await api(s.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'crns' } })).status, 201);
      const inNs = '/apis/stable.example.com/v1/namespaces/crns/crontabs';
      assert.equal((await api(s.url, 'POST', inNs, ct('n1', { cronSpec: '* * * * *' }))).status, 201);
      assert.equal((await api(s.url, 'DELETE', '/api/v1/namespaces/crns')).status, 200);
      await eventually('namespace gone', async () => (await api(s.url, 'GET', '/api/v1/namespaces/crns')).status === 404, 60_000);
      assert.equal((await api(s.url, 'GET', `${inNs}/n1`)).status, 404);
    } finally {
      await cm.close();
    }
  });

  it('deleting the CRD deletes its objects, then it is no longer served', async () => {
    const r = await api(s.url, 'DELETE', `${CRDS}/crontabs.stable.example.com`);
    assert.equal(r.status, 200);
    await eventually('CRD gone', async () => (await api(second!.url, 'GET', `${CRDS}/crontabs.stable.example.com`)).status === 404);
    for (const url of [s.url, second!.url]) {
      await eventually(`not served by ${url}`, async () => (await api(url, 'GET', CTS)).status === 404);
    }
    // The CRD refused for its names earlier takes them now that they are free.
    for (const url of [s.url, second!.url]) {
      await eventually(`the other CRD served by ${url}`, async () => (await api(url, 'GET', '/apis/other.example.com/v1/namespaces/default/crontabs')).status === 200);
    }
    const other = await eventually('other established', async () => {
      const g = await api(s.url, 'GET', `${CRDS}/crontabs.other.example.com`);
      return g.body.status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True') && g.body;
    });
    assert.equal(other.status.conditions.find((c: any) => c.type === 'NamesAccepted').status, 'True');
    assert.equal((await api(s.url, 'DELETE', `${CRDS}/crontabs.other.example.com`)).status, 200);
    await eventually('other gone', async () => (await api(second!.url, 'GET', '/apis/other.example.com/v1/namespaces/default/crontabs')).status === 404);

    const db = createDb(s.cfg.databaseUrl, schemaName(s.cfg.prefix), { max: 1 });
    try {
      await eventually('objects and view gone', async () => {
        const n = await sql<{ n: number }>`select count(*)::int as n from custom_objects where kind = 'CronTab'`.execute(db);
        const v = await sql<{ n: number }>`select count(*)::int as n from pg_views where schemaname = current_schema() and viewname = 'crontabs'`.execute(db);
        return n.rows[0]!.n === 0 && v.rows[0]!.n === 0;
      });
    } finally {
      await db.destroy();
    }
  });
});
