/**
 * Traffic reaches ready pods by a stable address and name: `jetkube up --nodes 2 --runtime process`
 * (gateway, projector, controllers with the endpoints controller, scheduler, proxy, DNS and two
 * kubelets in one process) on a fresh prefix, a Deployment of HTTP servers that answer with their
 * pod's name, and a Service in front. Requests go through the proxy's listener on the cluster IP
 * (and the node port) while pods are deleted, scaled and rolled; failures are counted, not hoped
 * away. The service's DNS name is resolved from the test and from inside a pod.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import { api } from '../stack.js';
import { eventually, sleep } from '../wait.js';
import { httpGet, startProcessCluster, type ProcessCluster } from './cluster.js';

const NS = '/api/v1/namespaces/default';
const APPS = '/apis/apps/v1/namespaces/default';

/**
 * An HTTP server answering its pod's name, one connection per request. On SIGTERM it keeps serving
 * for 2 s (the usual preStop drain: long enough for the Endpoints change to reach the proxy), then
 * stops accepting and exits once in-flight requests are answered.
 */
const SERVER = `
const http = require('http');
const s = http.createServer((q, r) => { r.setHeader('Connection', 'close'); setTimeout(() => r.end(process.env.POD_NAME), 5); });
s.listen(8080, process.env.POD_IP);
process.on('SIGTERM', () => setTimeout(() => { s.close(() => process.exit(0)); s.closeIdleConnections(); }, 2000));
`;

function deployment(replicas: number, version = 'v1') {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [
            {
              name: 'web',
              image: 'node:20',
              command: ['node', '-e', SERVER],
              env: [
                { name: 'VERSION', value: version },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              ],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  };
}

const service = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }], ...spec },
});

/** Requests in a loop (4 at a time) until stopped; every answer and every failure is kept. */
function continuousClient(host: string, port: number) {
  const answers: { name: string; at: number }[] = [];
  const failures: string[] = [];
  let running = true;
  const loop = async () => {
    while (running) {
      try {
        answers.push({ name: await httpGet(host, port), at: Date.now() });
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
  };
  const loops = Array.from({ length: 4 }, loop);
  return {
    answers,
    failures,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('services, endpoints, proxy and DNS, end to end (process runtime, 2 nodes)', () => {
  let c: ProcessCluster;
  let base: string;
  let clusterIP: string;

  before(async () => {
    c = await startProcessCluster('svce2e');
    base = c.base;
    assert.equal((await api(base, 'POST', `${APPS}/deployments`, deployment(3))).status, 201);
    const svc = await api(base, 'POST', `${NS}/services`, service('web', { type: 'NodePort' }));
    assert.equal(svc.status, 201, JSON.stringify(svc.body));
    clusterIP = svc.body.spec.clusterIP;
    await readyAddresses(3);
  });

  after(async () => c?.close());

  const endpoints = async () => (await api(base, 'GET', `${NS}/endpoints/web`)).body;
  /** Wait until the Endpoints list exactly `n` ready addresses and no not-ready ones. */
  async function readyAddresses(n: number): Promise<string[]> {
    return eventually(
      `${n} ready endpoints`,
      async () => {
        const ep = await endpoints();
        const ready = (ep.subsets ?? []).flatMap((s: any) => s.addresses ?? []);
        const notReady = (ep.subsets ?? []).flatMap((s: any) => s.notReadyAddresses ?? []);
        return ready.length === n && notReady.length === 0 ? ready.map((a: any) => a.targetRef.name as string) : undefined;
      },
      90_000,
      250,
    );
  }
  const livePods = async () =>
    ((await api(base, 'GET', `${NS}/pods?labelSelector=app%3Dweb`)).body.items as any[]).filter((p) => !p.metadata.deletionTimestamp);

  it('allocates a cluster IP in the configured range, and the Endpoints name the pods with their port', async () => {
    assert.match(clusterIP, new RegExp(`^${c.serviceRange.split('.').slice(0, 3).join('\\.')}\\.\\d+$`));
    const ep = await endpoints();
    assert.equal(ep.subsets.length, 1);
    assert.deepEqual(ep.subsets[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    const pods = await livePods();
    const byIp = new Map(pods.map((p) => [p.status.podIP, p]));
    for (const a of ep.subsets[0].addresses) {
      assert.equal(byIp.get(a.ip)?.metadata.name, a.targetRef.name);
      assert.equal(byIp.get(a.ip)?.spec.nodeName, a.nodeName);
    }
    assert.equal(new Set(pods.map((p) => p.spec.nodeName)).size, 2, 'spread over both nodes');
  });

  it('balances 300 requests through the cluster IP over all 3 pods', async () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const name = await httpGet(clusterIP, 80);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const names = new Set((await livePods()).map((p) => p.metadata.name));
    assert.equal(counts.size, 3, JSON.stringify([...counts]));
    for (const [name, n] of counts) {
      assert.ok(names.has(name), `${name} is a live pod`);
      assert.ok(n >= 80, `round robin: ${name} got ${n} of 300`);
    }
  });

  it('answers on the node port on loopback too', async () => {
    const nodePort = (await api(base, 'GET', `${NS}/services/web`)).body.spec.ports[0].nodePort;
    assert.ok(nodePort >= 30000 && nodePort <= 32767);
    const names = new Set<string>();
    for (let i = 0; i < 30; i++) names.add(await httpGet('127.0.0.1', nodePort));
    assert.equal(names.size, 3);
  });

  it('resolves the service name to the cluster IP, and pod names to pod IPs', async () => {
    const r = new Resolver();
    r.setServers([`127.0.0.1:${c.dnsPort}`]);
    assert.deepEqual(await r.resolve4('web.default.svc.cluster.local'), [clusterIP]);
    const ip = (await livePods())[0].status.podIP as string;
    assert.deepEqual(await r.resolve4(`${ip.replaceAll('.', '-')}.default.pod.cluster.local`), [ip]);
    await assert.rejects(r.resolve4('nosuch.default.svc.cluster.local'), { code: 'ENOTFOUND' });
  });

  it('lets a pod reach the service by its short name through the resolver it is given, and by its service-link env', async () => {
    // The pod resolves "web" with the search path and server its env carries, then asks the service.
    const script = `
const dns = require('dns').promises; const http = require('http');
const r = new dns.Resolver(); r.setServers([process.env.JETKUBE_DNS_SERVER]);
const search = process.env.JETKUBE_DNS_SEARCH.split(' ');
(async () => {
  const [ip] = await r.resolve4('web.' + search[0]);
  http.get({ host: ip, port: 80, agent: false }, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => console.log('link', process.env.WEB_SERVICE_HOST + ':' + process.env.WEB_SERVICE_PORT, 'via', ip, 'answered by', b)); });
})().catch((e) => { console.error(e); process.exit(1); });`;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'client' },
      spec: { restartPolicy: 'Never', containers: [{ name: 'client', image: 'node:20', command: ['node', '-e', script] }] },
    };
    assert.equal((await api(base, 'POST', `${NS}/pods`, pod)).status, 201);
    await eventually('client pod to finish', async () => (await api(base, 'GET', `${NS}/pods/client`)).body.status?.phase === 'Succeeded', 60_000, 250);
    const log = await fetch(`${base}${NS}/pods/client/log`).then((r) => r.text());
    const ip = clusterIP.replaceAll('.', '\\.');
    assert.match(log, new RegExp(`link ${ip}:80 via ${ip} answered by web-`), 'service links in the env, and the name resolved');
  });

  it('sends no request to a deleted pod and fails none while it terminates', async () => {
    const client = continuousClient(clusterIP, 80);
    await sleep(1000);
    const victim = (await livePods())[0].metadata.name as string;
    assert.equal((await api(base, 'DELETE', `${NS}/pods/${victim}`)).status, 200);
    const deletedAt = Date.now();
    // The ReplicaSet replaces it; wait until the replacement is Ready and the victim gone.
    await eventually('the victim gone', async () => (await api(base, 'GET', `${NS}/pods/${victim}`)).status === 404, 60_000, 250);
    await readyAddresses(3);
    await sleep(1000);
    await client.stop();
    assert.deepEqual(client.failures, [], `${client.failures.length} of ${client.answers.length + client.failures.length} requests failed`);
    // Once the deletion is through Endpoints and proxy (give it 1.5 s), nothing reaches the victim.
    const late = client.answers.filter((a) => a.name === victim && a.at > deletedAt + 1500);
    assert.deepEqual(late, [], 'the deleted pod got no traffic after its Endpoints entry went');
    assert.ok(client.answers.length > 50, `the client kept going (${client.answers.length} answers)`);
  });

  it('sends traffic to new pods once they are Ready when scaled to 5', async () => {
    const client = continuousClient(clusterIP, 80);
    const r = await api(base, 'PATCH', `${APPS}/deployments/web/scale`, { spec: { replicas: 5 } }, 'application/merge-patch+json');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const names = await readyAddresses(5);
    await sleep(1500);
    await client.stop();
    assert.deepEqual(client.failures, []);
    const answered = new Set(client.answers.map((a) => a.name));
    for (const n of names) assert.ok(answered.has(n), `${n} received traffic`);
    // No answer came from a pod before it was Ready (the condition's time has 1 s resolution).
    const pods = new Map((await livePods()).map((p) => [p.metadata.name, p]));
    for (const a of client.answers) {
      const ready = pods.get(a.name)?.status.conditions?.find((c: any) => c.type === 'Ready');
      assert.equal(ready?.status, 'True');
      assert.ok(Date.parse(ready.lastTransitionTime) <= a.at + 1000, `${a.name} answered before it was Ready`);
    }
  });

  it('keeps traffic flowing with no failure through a rolling update', async () => {
    const before = new Set((await livePods()).map((p) => p.metadata.name));
    const client = continuousClient(clusterIP, 80);
    const cur = (await api(base, 'GET', `${APPS}/deployments/web`)).body;
    const next = deployment(5, 'v2');
    const put = await api(base, 'PUT', `${APPS}/deployments/web`, { ...next, metadata: { ...next.metadata, resourceVersion: cur.metadata.resourceVersion } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await eventually(
      'the rollout to finish',
      async () => {
        const d = (await api(base, 'GET', `${APPS}/deployments/web`)).body;
        const s = d.status ?? {};
        return s.observedGeneration >= d.metadata.generation && s.updatedReplicas === 5 && s.availableReplicas === 5 && (s.replicas ?? 0) === 5;
      },
      120_000,
      500,
    );
    const names = await readyAddresses(5);
    await sleep(1000);
    await client.stop();
    assert.deepEqual(client.failures, [], `${client.failures.length} of ${client.answers.length + client.failures.length} requests failed`);
    assert.ok(names.every((n) => !before.has(n)), 'every pod was replaced');
    assert.ok(names.every((n) => client.answers.some((a) => a.name === n)), 'the new pods answered');
  });

  it('refuses connections at once for a service with no ready endpoints', async () => {
    const r = await api(base, 'POST', `${NS}/services`, service('nobody'));
    assert.equal(r.status, 201);
    const ip = r.body.spec.clusterIP as string;
    // The listener may not exist (refused) or exist with no backend (reset): either way, at once.
    const started = Date.now();
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const s = connect({ host: ip, port: 80 });
      s.on('connect', () => s.write('GET / HTTP/1.0\r\n\r\n'));
      s.on('error', (e) => resolve(e));
      s.on('close', () => resolve(Object.assign(new Error('closed'), { code: 'CLOSED' })));
    });
    assert.ok(['ECONNREFUSED', 'ECONNRESET', 'CLOSED'].includes(err.code ?? ''), String(err.code));
    assert.ok(Date.now() - started < 2000, 'refused promptly, not after a timeout');
  });
});
