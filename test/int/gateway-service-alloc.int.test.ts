/**
 * Service cluster IPs and node ports, allocated by the gateway as reservations on the stream: every
 * service gets its own, explicit values are honoured or refused with a field cause and no write,
 * updates keep what was allocated, deletion and type changes give values back, and two gateways
 * creating at once never hand out the same one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../shared/log.js';
import { startGateway, type RunningGateway } from '../../services/gateway/index.js';
import { api, startStack, type Stack } from '../stack.js';
import { dropPrefix, testConfig } from '../harness.js';

const SVCS = '/api/v1/namespaces/default/services';
const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');

function service(name: string, spec: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...spec } };
}
const nodePortSvc = (name: string, nodePort?: number, extra: Record<string, unknown> = {}) =>
  service(name, { type: 'NodePort', ports: [{ name: 'http', port: 80, ...(nodePort ? { nodePort } : {}) }], ...extra });

const inRange = (ip: string) => /^127\.10\.\d+\.\d+$/.test(ip) && ip !== '127.10.0.0' && ip !== '127.10.255.255';
/** A random free-looking address or port per run, so parallel runs on one machine rarely meet. */
const randomIp = () => `127.10.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
const randomNodePort = () => 30000 + Math.floor(Math.random() * 2700);

describe('gateway: service cluster IPs and node ports', () => {
  let s: Stack;
  let u: string;
  const count = async () => (await s.gateway.log.state()).messages;

  before(async () => {
    s = await startStack('gwsvc');
    u = s.url;
  });
  after(async () => s?.close());

  it('gives every ClusterIP service its own address in 127.10.0.0/16, stored and mirrored into clusterIPs', async () => {
    const a = await api(u, 'POST', SVCS, service('svc-a'));
    const b = await api(u, 'POST', SVCS, service('svc-b'));
    for (const r of [a, b]) {
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.ok(inRange(r.body.spec.clusterIP), r.body.spec.clusterIP);
      assert.deepEqual(r.body.spec.clusterIPs, [r.body.spec.clusterIP]);
      assert.deepEqual(r.body.spec.ipFamilies, ['IPv4']);
      assert.equal(r.body.spec.ipFamilyPolicy, 'SingleStack');
      assert.equal(r.body.spec.ports[0].nodePort, undefined, 'no node port on a ClusterIP service');
    }
    assert.notEqual(a.body.spec.clusterIP, b.body.spec.clusterIP);
    assert.equal((await api(u, 'GET', `${SVCS}/svc-a`)).body.spec.clusterIP, a.body.spec.clusterIP, 'stored, not only answered');
  });

  it('leaves a headless service without an address', async () => {
    const r = await api(u, 'POST', SVCS, service('svc-headless', { clusterIP: 'None' }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.spec.clusterIP, 'None');
    assert.deepEqual(r.body.spec.clusterIPs, ['None']);
  });

  it('honours an explicit free address and refuses a taken or out-of-range one with a field cause and no write', async () => {
    const ip = randomIp();
    const ok = await api(u, 'POST', SVCS, service('svc-explicit', { clusterIP: ip }));
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.spec.clusterIP, ip);
    for (const [name, asked, message] of [
      ['svc-clash', ip, /provided IP is already allocated/],
      ['svc-outside', '10.0.0.7', /provided IP is not in the valid range\. The range of valid IPs is 127\.10\.0\.0\/16/],
      ['svc-network', '127.10.0.0', /not in the valid range/],
    ] as const) {
      const before = await count();
      const r = await api(u, 'POST', SVCS, service(name, { clusterIP: asked }));
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.equal(r.body.reason, 'Invalid');
      assert.equal(r.body.details.causes[0].field, 'spec.clusterIPs[0]');
      assert.match(r.body.message, message);
      assert.equal(await count(), before, 'nothing written to the stream');
      assert.equal((await api(u, 'GET', `${SVCS}/${name}`)).status, 404);
    }
  });

  it('allocates node ports in 30000-32767 for a NodePort service, or takes the one asked for', async () => {
    const auto = await api(u, 'POST', SVCS, service('np-auto', { type: 'NodePort', ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] }));
    assert.equal(auto.status, 201, JSON.stringify(auto.body));
    const ports = auto.body.spec.ports.map((p: any) => p.nodePort);
    assert.ok(ports.every((p: number) => p >= 30000 && p <= 32767), String(ports));
    assert.notEqual(ports[0], ports[1]);
    assert.equal(auto.body.spec.externalTrafficPolicy, 'Cluster');
    assert.ok(inRange(auto.body.spec.clusterIP), 'a NodePort service has a cluster IP too');

    const want = randomNodePort();
    const asked = await api(u, 'POST', SVCS, nodePortSvc('np-asked', want));
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    assert.equal(asked.body.spec.ports[0].nodePort, want);

    const before = await count();
    const clash = await api(u, 'POST', SVCS, nodePortSvc('np-clash', want));
    assert.equal(clash.status, 422, JSON.stringify(clash.body));
    assert.equal(clash.body.details.causes[0].field, 'spec.ports[0].nodePort');
    assert.match(clash.body.message, /provided port is already allocated/);
    assert.equal(await count(), before);
    const outside = await api(u, 'POST', SVCS, nodePortSvc('np-outside', 8080));
    assert.equal(outside.status, 422);
    assert.match(outside.body.message, /range of valid ports is 30000-32767/);
  });

  it('keeps the cluster IP and node ports when an update leaves them out, without a new generation', async () => {
    const made = (await api(u, 'POST', SVCS, nodePortSvc('np-keep'))).body;
    const { clusterIP } = made.spec;
    const nodePort = made.spec.ports[0].nodePort;
    // kubectl replace -f of the original manifest: no clusterIP, no nodePort.
    const put = await api(u, 'PUT', `${SVCS}/np-keep`, { ...nodePortSvc('np-keep'), metadata: { name: 'np-keep', labels: { v: '2' } } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.spec.clusterIP, clusterIP);
    assert.equal(put.body.spec.ports[0].nodePort, nodePort);
    assert.equal(put.body.metadata.generation, made.metadata.generation, 'the spec did not change');
    const change = await api(u, 'PATCH', `${SVCS}/np-keep`, { spec: { clusterIP: randomIp() } }, 'application/merge-patch+json');
    assert.equal(change.status, 422);
    assert.equal(change.body.details.causes[0].field, 'spec.clusterIP');
    const status = await api(u, 'PATCH', `${SVCS}/np-keep/status`, { status: { loadBalancer: {} } }, 'application/merge-patch+json');
    assert.equal(status.status, 200, JSON.stringify(status.body));
    assert.equal(status.body.spec.clusterIP, clusterIP);
  });

  it('gives a deleted service’s address and node port back', async () => {
    const made = (await api(u, 'POST', SVCS, nodePortSvc('np-leaving'))).body;
    assert.equal((await api(u, 'DELETE', `${SVCS}/np-leaving`)).status, 200);
    const taker = await api(u, 'POST', SVCS, nodePortSvc('np-taker', made.spec.ports[0].nodePort, { clusterIP: made.spec.clusterIP }));
    assert.equal(taker.status, 201, JSON.stringify(taker.body));
    // The release is the stream's newest message: a consistent list still reaches it.
    const l = await api(u, 'GET', SVCS);
    assert.equal(l.status, 200, JSON.stringify(l.body));
  });

  it('gives a node port back when an update turns the service into ClusterIP', async () => {
    const made = (await api(u, 'POST', SVCS, nodePortSvc('np-retype'))).body;
    const port = made.spec.ports[0].nodePort;
    const cur = (await api(u, 'GET', `${SVCS}/np-retype`)).body;
    const put = await api(u, 'PUT', `${SVCS}/np-retype`, { ...cur, spec: { ...cur.spec, type: 'ClusterIP', externalTrafficPolicy: undefined, ports: [{ name: 'http', port: 80 }] } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.spec.ports[0].nodePort, undefined);
    assert.equal(put.body.spec.clusterIP, made.spec.clusterIP, 'the cluster IP stays');
    const taker = await api(u, 'POST', SVCS, nodePortSvc('np-retype-taker', port));
    assert.equal(taker.status, 201, JSON.stringify(taker.body));
  });

  it('fills in values on a dry-run create without writing', async () => {
    const before = await count();
    const r = await api(u, 'POST', `${SVCS}?dryRun=All`, nodePortSvc('np-dry'));
    assert.equal(r.status, 201);
    assert.ok(inRange(r.body.spec.clusterIP));
    assert.ok(r.body.spec.ports[0].nodePort >= 30000);
    assert.equal(await count(), before);
  });
});

describe('gateway: a small service range shared by two gateways', () => {
  let gw: RunningGateway;
  let second: RunningGateway;
  let cfg: Awaited<ReturnType<typeof testConfig>>;
  before(async () => {
    cfg = await testConfig('gwsvcsmall');
    gw = await startGateway(cfg, silent, { serviceClusterIpRange: '127.11.0.0/29' });
    second = await startGateway({ ...cfg, port: 0 }, silent, { serviceClusterIpRange: '127.11.0.0/29' });
  });
  after(async () => {
    await second?.close();
    await gw?.close();
    if (cfg) await dropPrefix(cfg);
  });

  it('hands out each of the 5 usable addresses the kubernetes Service left once under a race, then refuses with a clear Status', async () => {
    const svc = await api(gw.url, 'GET', '/api/v1/namespaces/default/services/kubernetes');
    assert.equal(svc.body.spec?.clusterIP, '127.11.0.1', 'the kubernetes Service holds the first address');
    const made = await Promise.all(Array.from({ length: 5 }, (_, i) => api(i % 2 ? second.url : gw.url, 'POST', SVCS, service(`racer-${i}`))));
    assert.ok(made.every((r) => r.status === 201), JSON.stringify(made.find((r) => r.status !== 201)?.body));
    const ips = made.map((r) => r.body.spec.clusterIP).sort();
    assert.deepEqual(ips, ['127.11.0.2', '127.11.0.3', '127.11.0.4', '127.11.0.5', '127.11.0.6']);
    const full = await api(gw.url, 'POST', SVCS, service('one-too-many'));
    assert.equal(full.status, 500);
    assert.equal(full.body.kind, 'Status');
    assert.match(full.body.message, /failed to allocate a cluster IP for service "one-too-many": the range 127\.11\.0\.0\/29 is full/);
    assert.equal((await api(gw.url, 'DELETE', `${SVCS}/racer-3`)).status, 200);
    const again = await api(second.url, 'POST', SVCS, service('one-too-many'));
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(again.body.spec.clusterIP, made[3]!.body.spec.clusterIP, 'the freed address is the only one left');
  });

  it('refuses to start with a malformed SERVICE_CLUSTER_IP_RANGE', async () => {
    const bad = await testConfig('gwsvcbad');
    await assert.rejects(startGateway(bad, silent, { serviceClusterIpRange: '127.10.0.1/16' }), /SERVICE_CLUSTER_IP_RANGE "127\.10\.0\.1\/16" has host bits set; did you mean 127\.10\.0\.0\/16\?/);
    await assert.rejects(startGateway(bad, silent, { serviceClusterIpRange: 'x' }), /SERVICE_CLUSTER_IP_RANGE must be an IPv4 CIDR/);
  });
});
