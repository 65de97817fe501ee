import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, collectWatch, configMap, deployment, pod, startStack, type Stack } from '../stack.js';

describe('gateway: writes, reads and watches against real NATS + Postgres', () => {
  let s: Stack;
  let u: string;
  const NS = '/api/v1/namespaces/default';
  const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
  const streamCount = async () => (await s.gateway.log.state()).messages;

  before(async () => {
    s = await startStack('gw', {}, { bookmarkIntervalMs: 200 });
    u = s.url;
  });
  after(async () => s?.close());

  it('creates an object whose resourceVersion is its stream sequence', async () => {
    const r = await api(u, 'POST', DEPLOYS, deployment('web', 2));
    assert.equal(r.status, 201);
    const m = r.body.metadata;
    assert.match(m.uid, /^[0-9a-f-]{36}$/);
    assert.equal(m.generation, 1);
    assert.match(m.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const last = await s.gateway.log.getLast(s.gateway.log.subjectFor('deployments', 'default', 'web'));
    assert.equal(m.resourceVersion, String(last!.seq));
    assert.equal(r.body.spec.strategy.type, 'RollingUpdate', 'defaults applied');
    const g = await api(u, 'GET', `${DEPLOYS}/web`);
    assert.equal(g.status, 200);
    assert.equal(g.body.metadata.resourceVersion, m.resourceVersion);
    assert.equal(g.body.spec.replicas, 2);
  });

  it('accepts YAML bodies', async () => {
    const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\n  labels: {src: yaml}\ndata:\n  key: value\n`;
    const r = await api(u, 'POST', `${NS}/configmaps`, yaml, 'application/yaml');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.data.key, 'value');
  });

  it('answers AlreadyExists for a live name and lets a deleted name be created again', async () => {
    assert.equal((await api(u, 'POST', `${NS}/configmaps`, configMap('dup'))).status, 201);
    const again = await api(u, 'POST', `${NS}/configmaps`, configMap('dup'));
    assert.equal(again.status, 409);
    assert.equal(again.body.reason, 'AlreadyExists');
    assert.equal(again.body.kind, 'Status');
    const first = await api(u, 'GET', `${NS}/configmaps/dup`);
    assert.equal((await api(u, 'DELETE', `${NS}/configmaps/dup`)).status, 200);
    assert.equal((await api(u, 'GET', `${NS}/configmaps/dup`)).status, 404);
    const re = await api(u, 'POST', `${NS}/configmaps`, configMap('dup'));
    assert.equal(re.status, 201);
    assert.notEqual(re.body.metadata.uid, first.body.metadata.uid, 'a new object gets a new uid');
  });

  it('refuses a stale resourceVersion with 409 Conflict (compare-and-swap)', async () => {
    const c = await api(u, 'POST', `${NS}/configmaps`, configMap('cas', { v: '1' }));
    const stale = c.body;
    const ok = await api(u, 'PUT', `${NS}/configmaps/cas`, { ...stale, data: { v: '2' } });
    assert.equal(ok.status, 200);
    assert.ok(Number(ok.body.metadata.resourceVersion) > Number(stale.metadata.resourceVersion));
    const before = await streamCount();
    const lost = await api(u, 'PUT', `${NS}/configmaps/cas`, { ...stale, data: { v: '3' } });
    assert.equal(lost.status, 409);
    assert.equal(lost.body.reason, 'Conflict');
    assert.equal(await streamCount(), before, 'a conflict writes nothing');
    assert.equal((await api(u, 'GET', `${NS}/configmaps/cas`)).body.data.v, '2');
  });

  it('raises generation on spec changes only; status goes through /status', async () => {
    const cur = (await api(u, 'GET', `${DEPLOYS}/web`)).body;
    const labelsOnly = await api(u, 'PUT', `${DEPLOYS}/web`, { ...cur, metadata: { ...cur.metadata, labels: { app: 'web', x: 'y' } } });
    assert.equal(labelsOnly.body.metadata.generation, 1);
    const spec = await api(u, 'PUT', `${DEPLOYS}/web`, { ...labelsOnly.body, spec: { ...labelsOnly.body.spec, replicas: 3 } });
    assert.equal(spec.body.metadata.generation, 2);
    // status in a main-resource write is ignored ...
    const sneaky = await api(u, 'PUT', `${DEPLOYS}/web`, { ...spec.body, status: { replicas: 99 } });
    assert.equal(sneaky.body.status?.replicas, undefined);
    // ... and a status write changes status, not spec or generation.
    const st = await api(u, 'PUT', `${DEPLOYS}/web/status`, { ...spec.body, spec: { ...spec.body.spec, replicas: 7 }, status: { replicas: 3, readyReplicas: 1 } });
    assert.equal(st.status, 200, JSON.stringify(st.body));
    assert.equal(st.body.status.readyReplicas, 1);
    assert.equal(st.body.spec.replicas, 3);
    assert.equal(st.body.metadata.generation, 2);
  });

  it('writes nothing for an update that changes nothing', async () => {
    const cur = (await api(u, 'GET', `${DEPLOYS}/web`)).body;
    const before = await streamCount();
    const r = await api(u, 'PUT', `${DEPLOYS}/web`, cur);
    assert.equal(r.status, 200);
    assert.equal(r.body.metadata.resourceVersion, cur.metadata.resourceVersion);
    assert.equal(await streamCount(), before);
  });

  it('patches with merge, JSON and strategic merge patches', async () => {
    const m = await api(u, 'PATCH', `${DEPLOYS}/web`, { metadata: { annotations: { note: 'merged' } } }, 'application/merge-patch+json');
    assert.equal(m.status, 200, JSON.stringify(m.body));
    assert.equal(m.body.metadata.annotations.note, 'merged');
    const j = await api(u, 'PATCH', `${DEPLOYS}/web`, [{ op: 'replace', path: '/spec/replicas', value: 4 }], 'application/json-patch+json');
    assert.equal(j.body.spec.replicas, 4);
    const sm = await api(u, 'PATCH', `${DEPLOYS}/web`, { spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:1.28' }] } } } }, 'application/strategic-merge-patch+json');
    assert.equal(sm.body.spec.template.spec.containers.length, 1);
    assert.equal(sm.body.spec.template.spec.containers[0].image, 'nginx:1.28');
    assert.equal(sm.body.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent', 'other container fields kept');
    const missing = await api(u, 'PATCH', `${DEPLOYS}/web`, [{ op: 'remove', path: '/spec/nope' }], 'application/json-patch+json');
    assert.equal(missing.status, 422);
    const stale = await api(u, 'PATCH', `${DEPLOYS}/web`, { metadata: { resourceVersion: '1' }, spec: { replicas: 1 } }, 'application/merge-patch+json');
    assert.equal(stale.status, 409, 'a resourceVersion in a patch is a precondition');
  });

  it('serves the scale subresource', async () => {
    const g = await api(u, 'GET', `${DEPLOYS}/web/scale`);
    assert.equal(g.body.kind, 'Scale');
    assert.equal(g.body.spec.replicas, 4);
    assert.equal(g.body.status.selector, 'app=web');
    const p = await api(u, 'PUT', `${DEPLOYS}/web/scale`, { ...g.body, spec: { replicas: 6 } });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.equal((await api(u, 'GET', `${DEPLOYS}/web`)).body.spec.replicas, 6);
    const mp = await api(u, 'PATCH', `${DEPLOYS}/web/scale`, { spec: { replicas: 2 } }, 'application/merge-patch+json');
    assert.equal(mp.body.spec.replicas, 2);
    const bad = await api(u, 'PUT', `${DEPLOYS}/web/scale`, { kind: 'Scale', spec: { replicas: -1 } });
    assert.equal(bad.status, 422);
  });

  it('binds a pod once, and deletes scheduled pods gracefully', async () => {
    assert.equal((await api(u, 'POST', `${NS}/pods`, pod('p1'))).status, 201);
    const bind = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p1' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-a' } };
    assert.equal((await api(u, 'POST', `${NS}/pods/p1/binding`, bind)).status, 201);
    const twice = await api(u, 'POST', `${NS}/pods/p1/binding`, { ...bind, target: { kind: 'Node', name: 'node-b' } });
    assert.equal(twice.status, 409);
    const p = (await api(u, 'GET', `${NS}/pods/p1`)).body;
    assert.equal(p.spec.nodeName, 'node-a');
    assert.ok(p.status.conditions.some((c: any) => c.type === 'PodScheduled' && c.status === 'True'));

    const del = await api(u, 'DELETE', `${NS}/pods/p1`);
    assert.equal(del.status, 200);
    assert.ok(del.body.metadata.deletionTimestamp, 'graceful: deletionTimestamp first');
    assert.equal(del.body.metadata.deletionGracePeriodSeconds, 30);
    assert.equal((await api(u, 'GET', `${NS}/pods/p1`)).status, 200, 'still there while terminating');
    const now = await api(u, 'DELETE', `${NS}/pods/p1`, { gracePeriodSeconds: 0 });
    assert.equal(now.status, 200);
    assert.equal((await api(u, 'GET', `${NS}/pods/p1`)).status, 404);
  });

  it('checks DeleteOptions preconditions', async () => {
    const c = (await api(u, 'POST', `${NS}/configmaps`, configMap('pre'))).body;
    const wrongUid = await api(u, 'DELETE', `${NS}/configmaps/pre`, { preconditions: { uid: 'not-it' } });
    assert.equal(wrongUid.status, 409);
    const wrongRv = await api(u, 'DELETE', `${NS}/configmaps/pre`, { preconditions: { resourceVersion: '1' } });
    assert.equal(wrongRv.status, 409);
    const ok = await api(u, 'DELETE', `${NS}/configmaps/pre`, { preconditions: { uid: c.metadata.uid, resourceVersion: c.metadata.resourceVersion } });
    assert.equal(ok.status, 200);
  });

  it('refuses writes into a namespace that does not exist or is terminating', async () => {
    const r = await api(u, 'POST', '/api/v1/namespaces/nowhere/configmaps', configMap('x'));
    assert.equal(r.status, 404);
    assert.match(r.body.message, /namespaces "nowhere" not found/);
    assert.equal((await api(u, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } })).status, 201);
    const d = await api(u, 'DELETE', '/api/v1/namespaces/doomed');
    assert.equal(d.body.status.phase, 'Terminating');
    const w = await api(u, 'POST', '/api/v1/namespaces/doomed/configmaps', configMap('x'));
    assert.equal(w.status, 403);
  });

  it('lists consistently from Postgres, with selectors and pagination', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await api(u, 'POST', `${NS}/configmaps`, { ...configMap(`page-${i}`), metadata: { name: `page-${i}`, labels: { tier: i % 2 ? 'odd' : 'even', idx: String(i) } } });
      assert.equal(r.status, 201);
    }
    // No sleep: the list must wait for the projector to reach the stream's last sequence.
    const all = await api(u, 'GET', `${NS}/configmaps?labelSelector=tier`);
    assert.equal(all.status, 200);
    assert.equal(all.body.kind, 'ConfigMapList');
    assert.equal(all.body.items.length, 5);
    const last = (await s.gateway.log.state()).lastSeq;
    assert.ok(Number(all.body.metadata.resourceVersion) >= last);
    const odd = await api(u, 'GET', `${NS}/configmaps?labelSelector=${encodeURIComponent('tier=odd,idx notin (3)')}`);
    assert.deepEqual(odd.body.items.map((x: any) => x.metadata.name), ['page-1']);
    const byName = await api(u, 'GET', `${NS}/configmaps?fieldSelector=metadata.name%3Dpage-2`);
    assert.deepEqual(byName.body.items.map((x: any) => x.metadata.name), ['page-2']);
    const p1 = await api(u, 'GET', `${NS}/configmaps?labelSelector=tier&limit=2`);
    assert.equal(p1.body.items.length, 2);
    assert.ok(p1.body.metadata.continue);
    const names = p1.body.items.map((x: any) => x.metadata.name);
    let cont = p1.body.metadata.continue;
    while (cont) {
      const p = await api(u, 'GET', `${NS}/configmaps?labelSelector=tier&limit=2&continue=${encodeURIComponent(cont)}`);
      names.push(...p.body.items.map((x: any) => x.metadata.name));
      cont = p.body.metadata.continue;
    }
    assert.deepEqual(names, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    const across = await api(u, 'GET', '/api/v1/configmaps?labelSelector=tier%3Deven');
    assert.equal(across.body.items.length, 3, 'all-namespaces list');
    const nodes = await api(u, 'GET', '/api/v1/namespaces');
    assert.ok(nodes.body.items.some((n: any) => n.metadata.name === 'default'));
  });

  it('resumes a watch from a resourceVersion with no gap and no duplicate', async () => {
    const a = await api(u, 'POST', `${NS}/configmaps`, configMap('w-a'));
    const from = a.body.metadata.resourceVersion;
    await api(u, 'POST', `${NS}/configmaps`, configMap('w-b'));
    await api(u, 'PATCH', `${NS}/configmaps/w-a`, { data: { a: '2' } }, 'application/merge-patch+json');
    await api(u, 'DELETE', `${NS}/configmaps/w-b`);
    const w = await collectWatch(u, `${NS}/configmaps?watch=true&resourceVersion=${from}`, (e) => e.length >= 3);
    assert.equal(w.status, 200);
    assert.deepEqual(
      w.events.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED w-b', 'MODIFIED w-a', 'DELETED w-b'],
    );
    const rvs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.ok(rvs.every((rv, i) => i === 0 || rv > rvs[i - 1]!), 'strictly increasing resourceVersions');
    assert.ok(rvs[0]! > Number(from));
  });

  it('counts the delivery delay of live watch events in its metrics, not a resumed watch backlog', async () => {
    const delays = async () => Number(/^jetkube_gateway_watch_event_delay_seconds_count (\d+)$/m.exec((await api(u, 'GET', '/metrics')).body)?.[1]);
    const from = (await api(u, 'POST', `${NS}/configmaps`, configMap('delay'))).body.metadata.resourceVersion;
    await api(u, 'PATCH', `${NS}/configmaps/delay`, { data: { a: 'backlog' } }, 'application/merge-patch+json');
    const before = await delays();
    const backlog = await collectWatch(u, `${NS}/configmaps?watch=true&resourceVersion=${from}`, (e) => e.length >= 1);
    assert.equal(backlog.events[0]!.type, 'MODIFIED');
    assert.equal(await delays(), before, 'an event stored before its watch began is no delivery delay');
    // Live: patch until one is counted (the watch may not be listening yet when the first lands).
    const now = (await api(u, 'GET', `${NS}/configmaps/delay`)).body.metadata.resourceVersion;
    let counted = false;
    const live = collectWatch(u, `${NS}/configmaps?watch=true&resourceVersion=${now}`, () => counted);
    for (let i = 2; !counted && i < 200; i++) {
      await api(u, 'PATCH', `${NS}/configmaps/delay`, { data: { a: String(i) } }, 'application/merge-patch+json');
      counted = (await delays()) > before;
    }
    await api(u, 'PATCH', `${NS}/configmaps/delay`, { data: { a: 'last' } }, 'application/merge-patch+json');
    assert.ok((await live).events.length >= 2);
    assert.ok(counted, 'a live event is counted');
  });

  it('lists then watches without a gap when no resourceVersion is given, honouring selectors', async () => {
    await api(u, 'POST', `${NS}/configmaps`, { ...configMap('lw-1'), metadata: { name: 'lw-1', labels: { lw: 'yes' } } });
    const events: string[] = [];
    const watching = collectWatch(u, `${NS}/configmaps?watch=1&labelSelector=lw%3Dyes`, (e) => {
      events.splice(0, events.length, ...e.map((x) => `${x.type} ${x.object.metadata.name}`));
      return e.length >= 4;
    });
    await new Promise((r) => setTimeout(r, 300));
    await api(u, 'POST', `${NS}/configmaps`, { ...configMap('lw-2'), metadata: { name: 'lw-2', labels: { lw: 'yes' } } });
    await api(u, 'POST', `${NS}/configmaps`, { ...configMap('lw-x'), metadata: { name: 'lw-x', labels: { lw: 'no' } } });
    await api(u, 'PATCH', `${NS}/configmaps/lw-1`, { metadata: { labels: { lw: 'no' } } }, 'application/merge-patch+json');
    await api(u, 'PATCH', `${NS}/configmaps/lw-x`, { metadata: { labels: { lw: 'yes' } } }, 'application/merge-patch+json');
    const w = await watching;
    assert.deepEqual(
      w.events.map((x) => `${x.type} ${x.object.metadata.name}`),
      ['ADDED lw-1', 'ADDED lw-2', 'DELETED lw-1', 'ADDED lw-x'],
    );
  });

  it('sends bookmarks when asked and ends at timeoutSeconds', async () => {
    const started = Date.now();
    const w = await collectWatch(u, `${NS}/secrets?watch=true&allowWatchBookmarks=true&timeoutSeconds=1`, () => false, 5000);
    assert.ok(Date.now() - started < 4500, 'the server closed the watch');
    const bm = w.events.filter((e) => e.type === 'BOOKMARK');
    assert.ok(bm.length >= 1);
    assert.ok(Number(bm.at(-1)!.object.metadata.resourceVersion) > 0);
    assert.equal(bm[0]!.object.kind, 'Secret');
  });

  it('serves discovery documents', async () => {
    assert.equal((await api(u, 'GET', '/version')).body.major, '1');
    assert.deepEqual((await api(u, 'GET', '/api')).body.versions, ['v1']);
    const v1 = (await api(u, 'GET', '/api/v1')).body;
    assert.ok(v1.resources.some((r: any) => r.name === 'pods' && r.namespaced && r.shortNames.includes('po')));
    assert.ok(v1.resources.some((r: any) => r.name === 'pods/status'));
    const apis = (await api(u, 'GET', '/apis')).body;
    assert.ok(apis.groups.some((g: any) => g.name === 'apps'));
    const apps = (await api(u, 'GET', '/apis/apps/v1')).body;
    assert.ok(apps.resources.some((r: any) => r.name === 'deployments/scale' && r.kind === 'Scale'));
    assert.equal((await api(u, 'GET', '/healthz')).status, 200);
    assert.equal((await api(u, 'GET', '/readyz')).status, 200);
    const metrics = await api(u, 'GET', '/metrics');
    assert.match(metrics.body, /jetkube_gateway_requests_total\{verb="CREATE",resource="deployments",code="201"\}/);
    assert.match(metrics.body, /jetkube_gateway_request_duration_seconds_bucket/);
  });
});

describe('gateway: 410 Gone below what the stream retains', () => {
  let s: Stack;
  before(async () => {
    s = await startStack('gone', { historyPerObject: 1 });
  });
  after(async () => s?.close());

  it('answers a watch from a compacted resourceVersion with 410', async () => {
    // With one message kept per subject, relabelling the system namespaces drops the first sequences.
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      const r = await api(s.url, 'PATCH', `/api/v1/namespaces/${ns}`, { metadata: { labels: { touched: 'yes' } } }, 'application/merge-patch+json');
      assert.equal(r.status, 200);
    }
    const st = await s.gateway.log.state();
    assert.ok(st.firstSeq > 2, `stream compacted (first seq ${st.firstSeq})`);
    const w = await collectWatch(s.url, '/api/v1/namespaces?watch=true&resourceVersion=1', () => true);
    assert.equal(w.status, 410);
    assert.equal(w.events[0]!.object.reason, 'Gone');
    const ok = await collectWatch(s.url, `/api/v1/namespaces?watch=true&resourceVersion=${st.firstSeq - 1}&timeoutSeconds=1`, () => false);
    assert.equal(ok.status, 200);
  });
});
