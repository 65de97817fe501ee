import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../shared/log.js';
import { startGateway, type RunningGateway } from '../../services/gateway/index.js';
import { overlaps, parseIpv4Cidr } from '../../services/gateway/cidr.js';
import { api, startStack, type Stack } from '../stack.js';
import { dropPrefix, testConfig } from '../harness.js';

const NODES = '/api/v1/nodes';
const node = (name: string, spec: object = {}) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec });
const inside = (range: string, cidr: string) => {
  const r = parseIpv4Cidr(range)!;
  const c = parseIpv4Cidr(cidr)!;
  return c.bits >= r.bits && overlaps(r, c);
};
const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');

describe('gateway: every node gets a pod CIDR', () => {
  let s: Stack;
  let u: string;
  const count = async () => (await s.gateway.log.state()).messages;

  before(async () => {
    s = await startStack('gwalloc');
    u = s.url;
  });
  after(async () => s?.close());

  it('gives two nodes different /24s inside the cluster range', async () => {
    const a = await api(u, 'POST', NODES, node('node-a'));
    const b = await api(u, 'POST', NODES, node('node-b'));
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.equal(b.status, 201, JSON.stringify(b.body));
    for (const n of [a.body, b.body]) {
      assert.match(n.spec.podCIDR, /^\d+\.\d+\.\d+\.0\/24$/);
      assert.ok(inside('127.64.0.0/10', n.spec.podCIDR), `${n.spec.podCIDR} inside 127.64.0.0/10`);
      assert.deepEqual(n.spec.podCIDRs, [n.spec.podCIDR]);
    }
    assert.notEqual(a.body.spec.podCIDR, b.body.spec.podCIDR);
    const g = await api(u, 'GET', `${NODES}/node-a`);
    assert.equal(g.body.spec.podCIDR, a.body.spec.podCIDR, 'stored, not only answered');
  });

  it('gives a node deleted and recreated under the same name a range again (the same one, from the name)', async () => {
    const first = (await api(u, 'POST', NODES, node('node-re'))).body;
    assert.ok(first.spec.podCIDR);
    assert.equal((await api(u, 'DELETE', `${NODES}/node-re`)).status, 200);
    const again = await api(u, 'POST', NODES, node('node-re'));
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.notEqual(again.body.metadata.uid, first.metadata.uid);
    assert.equal(again.body.spec.podCIDR, first.spec.podCIDR, 'released on deletion, and the name hashes to the same start');
  });

  it('keeps an explicit podCIDR as given, inside or outside the cluster range', async () => {
    const inRange = await api(u, 'POST', NODES, node('node-explicit', { podCIDR: '127.100.7.0/24' }));
    assert.equal(inRange.status, 201, JSON.stringify(inRange.body));
    assert.equal(inRange.body.spec.podCIDR, '127.100.7.0/24');
    assert.deepEqual(inRange.body.spec.podCIDRs, ['127.100.7.0/24']);
    const outside = await api(u, 'POST', NODES, node('node-outside', { podCIDRs: ['10.200.0.0/24'] }));
    assert.equal(outside.status, 201, JSON.stringify(outside.body));
    assert.equal(outside.body.spec.podCIDR, '10.200.0.0/24', 'podCIDR is podCIDRs[0]');
  });

  it("refuses a podCIDR another live node holds, with a Status and no write", async () => {
    const taken = (await api(u, 'GET', `${NODES}/node-a`)).body.spec.podCIDR;
    for (const [name, spec] of [
      ['node-clash', { podCIDR: taken }],
      ['node-clash-2', { podCIDR: '127.100.7.128/25' }], // inside node-explicit's /24
      ['node-clash-3', { podCIDR: '10.200.0.0/24' }], // outside the range: the same text clashes
      ['node-clash-4', { podCIDR: '127.100.6.0/23' }], // two blocks, the second one taken
    ] as const) {
      const before = await count();
      const r = await api(u, 'POST', NODES, node(name, spec));
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.equal(r.body.kind, 'Status');
      assert.equal(r.body.reason, 'Invalid');
      assert.equal(r.body.details.causes[0].field, 'spec.podCIDR');
      assert.match(r.body.message, /already allocated to node "node-(a|explicit|outside)"/);
      assert.equal(await count(), before, 'nothing written to the stream');
      assert.equal((await api(u, 'GET', `${NODES}/${name}`)).status, 404);
    }
  });

  it('answers 422 with a field cause for a malformed podCIDR', async () => {
    const before = await count();
    const r = await api(u, 'POST', NODES, node('node-bad', { podCIDR: '10.0.0.0/33' }));
    assert.equal(r.status, 422);
    assert.equal(r.body.details.causes[0].field, 'spec.podCIDR');
    assert.equal(r.body.details.causes[0].reason, 'FieldValueInvalid');
    const two = await api(u, 'POST', NODES, node('node-two', { podCIDRs: ['10.1.0.0/24', '10.2.0.0/24'] }));
    assert.equal(two.status, 422);
    assert.equal(two.body.details.causes[0].field, 'spec.podCIDRs');
    assert.equal(await count(), before);
  });

  it('frees a deleted node’s range for others', async () => {
    const r = (await api(u, 'POST', NODES, node('node-leaving'))).body.spec.podCIDR;
    assert.equal((await api(u, 'DELETE', `${NODES}/node-leaving`)).status, 200);
    const c = await api(u, 'POST', NODES, node('node-taker', { podCIDR: r }));
    assert.equal(c.status, 201, JSON.stringify(c.body));
    assert.equal((await api(u, 'DELETE', `${NODES}/node-taker`)).status, 200);
    // The release is the stream's newest message: a consistent list must still reach it (no 504).
    const l = await api(u, 'GET', NODES);
    assert.equal(l.status, 200, JSON.stringify(l.body));
    assert.ok(!l.body.items.some((n: any) => n.metadata.name === 'node-taker'));
    assert.equal((await api(u, 'POST', NODES, node('node-taker-2', { podCIDR: r }))).status, 201);
  });

  it('keeps podCIDR immutable on update, and status writes leave it alone', async () => {
    const cur = (await api(u, 'GET', `${NODES}/node-b`)).body;
    const change = await api(u, 'PUT', `${NODES}/node-b`, { ...cur, spec: { ...cur.spec, podCIDR: '127.99.0.0/24', podCIDRs: ['127.99.0.0/24'] } });
    assert.equal(change.status, 422);
    assert.equal(change.body.details.causes[0].reason, 'FieldValueForbidden');
    const half = await api(u, 'PATCH', `${NODES}/node-b`, { spec: { podCIDR: '127.99.0.0/24' } }, 'application/merge-patch+json');
    assert.equal(half.status, 422, 'podCIDR disagreeing with podCIDRs[0] is refused, not ignored');
    assert.equal(half.body.details.causes[0].field, 'spec.podCIDR');
    const label = await api(u, 'PATCH', `${NODES}/node-b`, { metadata: { labels: { x: 'y' } } }, 'application/merge-patch+json');
    assert.equal(label.status, 200);
    assert.equal(label.body.spec.podCIDR, cur.spec.podCIDR);
    const st = await api(u, 'PATCH', `${NODES}/node-b/status`, { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] } }, 'application/merge-patch+json');
    assert.equal(st.status, 200, JSON.stringify(st.body));
    assert.equal(st.body.spec.podCIDR, cur.spec.podCIDR);
  });

  it('fills in a range on a dry-run create without writing', async () => {
    const before = await count();
    const r = await api(u, 'POST', `${NODES}?dryRun=All`, node('node-dry'));
    assert.equal(r.status, 201);
    assert.ok(inside('127.64.0.0/10', r.body.spec.podCIDR));
    assert.equal(await count(), before);
  });

  it('never gives two nodes the same range when two gateways create at once', async () => {
    const second = await startGateway(s.cfg, silent);
    try {
      const made = await Promise.all(Array.from({ length: 16 }, (_, i) => api(i % 2 ? second.url : u, 'POST', NODES, node(`racer-${i}`))));
      assert.ok(made.every((r) => r.status === 201), JSON.stringify(made.find((r) => r.status !== 201)?.body));
      const cidrs = made.map((r) => r.body.spec.podCIDR);
      const before = new Set((await Promise.all(['node-a', 'node-b', 'node-re', 'node-explicit', 'node-taker-2'].map((n) => api(u, 'GET', `${NODES}/${n}`)))).map((r) => r.body.spec.podCIDR));
      assert.equal(new Set(cidrs).size, 16);
      assert.ok(cidrs.every((c) => !before.has(c)), 'none collides with an existing node');
    } finally {
      await second.close();
    }
  });
});

describe('gateway: a small cluster pod range', () => {
  let gw: RunningGateway;
  let cfg: Awaited<ReturnType<typeof testConfig>>;
  before(async () => {
    cfg = await testConfig('gwallocsmall');
    gw = await startGateway(cfg, silent, { clusterPodCidr: '10.0.0.0/23' });
  });
  after(async () => {
    await gw?.close();
    if (cfg) await dropPrefix(cfg);
  });

  it('hands out every block once, then refuses with a clear Status', async () => {
    const a = await api(gw.url, 'POST', NODES, node('small-a'));
    const b = await api(gw.url, 'POST', NODES, node('small-b'));
    assert.deepEqual([a.body.spec.podCIDR, b.body.spec.podCIDR].sort(), ['10.0.0.0/24', '10.0.1.0/24']);
    const c = await api(gw.url, 'POST', NODES, node('small-c'));
    assert.equal(c.status, 500);
    assert.equal(c.body.kind, 'Status');
    assert.match(c.body.message, /failed to allocate a pod CIDR for node "small-c": the cluster pod range 10\.0\.0\.0\/23 is full/);
    assert.equal((await api(gw.url, 'GET', `${NODES}/small-c`)).status, 404);
  });

  it('refuses to start with a malformed CLUSTER_POD_CIDR', async () => {
    const bad = await testConfig('gwallocbad');
    await assert.rejects(startGateway(bad, silent, { clusterPodCidr: '127.64.0.0' }), /CLUSTER_POD_CIDR must be an IPv4 CIDR such as 127\.64\.0\.0\/10, got "127\.64\.0\.0"/);
    const saved = process.env.CLUSTER_POD_CIDR;
    process.env.CLUSTER_POD_CIDR = '127.64.0.1/10';
    try {
      await assert.rejects(startGateway(bad, silent), /CLUSTER_POD_CIDR "127\.64\.0\.1\/10" has host bits set; did you mean 127\.64\.0\.0\/10\?/);
    } finally {
      if (saved === undefined) delete process.env.CLUSTER_POD_CIDR;
      else process.env.CLUSTER_POD_CIDR = saved;
    }
  });
});
