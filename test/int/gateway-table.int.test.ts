/**
 * Server-side printing: a GET whose Accept header asks for `as=Table` answers a meta.k8s.io Table
 * built with the shared printers (what `kubectl get` shows), lists and single objects, with the
 * row objects `includeObject` asks for; watches carry Tables too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, deployment, pod, startStack, type Stack } from '../stack.js';

const KUBECTL_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const NS = '/api/v1/namespaces/default';

async function getAs(base: string, path: string, accept: string): Promise<{ status: number; type: string; body: any }> {
  const r = await fetch(base + path, { headers: { accept } });
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.json() };
}

describe('gateway: Table answers for kubectl get', () => {
  let s: Stack;
  before(async () => {
    s = await startStack('gwtable');
    assert.equal((await api(s.url, 'POST', `${NS}/pods`, pod('solo', { app: 'solo' }))).status, 201);
    assert.equal((await api(s.url, 'POST', `${NS}/pods`, pod('duo', { app: 'duo' }))).status, 201);
    assert.equal((await api(s.url, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('web', 2))).status, 201);
  });
  after(async () => s?.close());

  it('answers a list as a Table with kubectl columns; wide ones have priority 1', async () => {
    const r = await getAs(s.url, `${NS}/pods`, KUBECTL_ACCEPT);
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/json;as=Table;v=v1;g=meta.k8s.io');
    assert.equal(r.body.kind, 'Table');
    assert.equal(r.body.apiVersion, 'meta.k8s.io/v1');
    assert.match(r.body.metadata.resourceVersion, /^\d+$/);
    const cols = r.body.columnDefinitions.map((c: any) => [c.name, c.priority]);
    assert.deepEqual(cols, [['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0], ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1]]);
    for (const c of r.body.columnDefinitions) {
      assert.equal(typeof c.type, 'string');
      assert.equal(typeof c.format, 'string');
      assert.ok(c.description);
    }
    assert.equal(r.body.columnDefinitions[0].format, 'name');
    const rows = r.body.rows.map((x: any) => x.cells.slice(0, 4));
    assert.deepEqual(rows.sort(), [['duo', '0/1', 'Pending', '0'], ['solo', '0/1', 'Pending', '0']]);
    assert.equal(r.body.rows[0].cells.length, cols.length);
  });

  it('rows carry PartialObjectMetadata by default, the object with includeObject=Object, nothing with None', async () => {
    const meta = await getAs(s.url, `${NS}/pods?labelSelector=app%3Dsolo`, KUBECTL_ACCEPT);
    assert.equal(meta.body.rows.length, 1);
    const o = meta.body.rows[0].object;
    assert.equal(o.kind, 'PartialObjectMetadata');
    assert.equal(o.apiVersion, 'meta.k8s.io/v1');
    assert.equal(o.metadata.name, 'solo');
    assert.match(o.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.equal(o.spec, undefined);
    const full = await getAs(s.url, `${NS}/pods?labelSelector=app%3Dsolo&includeObject=Object`, KUBECTL_ACCEPT);
    assert.equal(full.body.rows[0].object.kind, 'Pod');
    assert.equal(full.body.rows[0].object.spec.containers[0].name, 'main');
    const none = await getAs(s.url, `${NS}/pods?includeObject=None`, KUBECTL_ACCEPT);
    assert.ok(none.body.rows.every((x: any) => !('object' in x)));
    const bad = await getAs(s.url, `${NS}/pods?includeObject=Everything`, KUBECTL_ACCEPT);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.kind, 'Status');
  });

  it('answers a single object as a one-row Table with its resourceVersion', async () => {
    const plain = await api(s.url, 'GET', '/apis/apps/v1/namespaces/default/deployments/web');
    const r = await getAs(s.url, '/apis/apps/v1/namespaces/default/deployments/web', KUBECTL_ACCEPT);
    assert.equal(r.body.kind, 'Table');
    assert.equal(r.body.metadata.resourceVersion, plain.body.metadata.resourceVersion);
    assert.deepEqual(r.body.columnDefinitions.filter((c: any) => c.priority === 0).map((c: any) => c.name), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
    assert.equal(r.body.rows.length, 1);
    assert.deepEqual(r.body.rows[0].cells.slice(0, 4), ['web', '0/2', 0, 0]);
    assert.deepEqual(r.body.rows[0].cells.slice(5), ['main', 'nginx:1.27', 'app=web']);
  });

  it('cluster-scoped kinds, and v1beta1 when only that is asked for', async () => {
    const r = await getAs(s.url, '/api/v1/namespaces', 'application/json;as=Table;v=v1beta1;g=meta.k8s.io');
    assert.equal(r.body.apiVersion, 'meta.k8s.io/v1beta1');
    assert.match(r.type, /v=v1beta1/);
    assert.ok(r.body.rows.some((x: any) => x.cells[0] === 'default' && x.cells[1] === 'Active'));
  });

  it('plain JSON without a Table in the Accept header; errors stay Status objects', async () => {
    const r = await getAs(s.url, `${NS}/pods`, 'application/json');
    assert.equal(r.body.kind, 'PodList');
    const other = await getAs(s.url, `${NS}/pods`, 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json');
    assert.equal(other.body.kind, 'PodList', 'media types it cannot serve are skipped');
    const missing = await getAs(s.url, `${NS}/pods/nosuch`, KUBECTL_ACCEPT);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.kind, 'Status');
    assert.equal(missing.body.reason, 'NotFound');
  });

  it('watches with as=Table carry one-row Tables', async () => {
    const list = await api(s.url, 'GET', `${NS}/pods`);
    const rv = list.body.metadata.resourceVersion;
    const watching = (async () => {
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(), 10_000);
      const r = await fetch(`${s.url}${NS}/pods?watch=true&resourceVersion=${rv}`, { headers: { accept: KUBECTL_ACCEPT }, signal: ctl.signal });
      let buf = '';
      try {
        for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
          buf += Buffer.from(chunk).toString();
          if (buf.includes('\n')) break;
        }
      } finally {
        clearTimeout(timer);
        ctl.abort();
      }
      return JSON.parse(buf.split('\n')[0]!);
    })();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await api(s.url, 'POST', `${NS}/pods`, pod('trio'))).status, 201);
    const ev = await watching;
    assert.equal(ev.type, 'ADDED');
    assert.equal(ev.object.kind, 'Table');
    assert.equal(ev.object.rows.length, 1);
    assert.equal(ev.object.rows[0].cells[0], 'trio');
    assert.equal(ev.object.rows[0].object.kind, 'PartialObjectMetadata');
  });
});
