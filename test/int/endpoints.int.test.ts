/**
 * The Endpoints controller against a real gateway, NATS and Postgres, with a controller-manager
 * running only `endpoints`. The test writes pods the way a kubelet would (created bound to a node,
 * then PUT /status with a pod IP and a Ready condition) and reads Endpoints through the API.
 *
 * Covered: ready addresses with resolved named ports; a readiness flip; pod deletion (terminating
 * pods leave at once); a replaced pod's reused IP; a selector change; a hand edit put back;
 * service deletion; a selector-less service's hand-written Endpoints left alone; and redelivery:
 * a restarted controller-manager replays every object and must write nothing (no new event on the
 * stream, and no write request either: the gateway would turn an unchanged PUT into a no-op).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../stack.js';
import { createNodes, eventually, sleep, startControllerStack, type ControllerStack } from '../controller-stack.js';
import { lastSeq, streamEvents } from '../harness.js';
import { parseResourceSubject } from '../../shared/eventlog/subjects.js';

const NS = '/api/v1/namespaces/default';
const NODE = 'node-1';

type Labels = Record<string, string>;

interface PodSpecOptions {
  ports?: { name: string; containerPort: number }[];
  hostname?: string;
  subdomain?: string;
}

describe('endpoints controller', { timeout: 180_000 }, () => {
  let cs: ControllerStack;
  let url: string;

  before(async () => {
    cs = await startControllerStack('endpoints', ['endpoints']);
    url = cs.url;
    await createNodes(url, [NODE]);
  });
  after(async () => {
    await cs?.close();
  });

  // ------------------------------------------------------------------ writes, as users and kubelets make them

  async function must(status: number | number[], r: { status: number; body: unknown }, what: string): Promise<any> {
    if (![status].flat().includes(r.status)) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async function createPod(name: string, labels: Labels, o: PodSpecOptions = {}): Promise<void> {
    const body = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels },
      spec: {
        nodeName: NODE,
        ...(o.hostname ? { hostname: o.hostname } : {}),
        ...(o.subdomain ? { subdomain: o.subdomain } : {}),
        containers: [{ name: 'main', image: 'nginx:1.27', ...(o.ports ? { ports: o.ports } : {}) }],
      },
    };
    await must(201, await api(url, 'POST', `${NS}/pods`, body), `create pod ${name}`);
  }

  /** The kubelet's status write: Running with an IP, Ready as told (CAS on the pod's resourceVersion). */
  async function setPodStatus(name: string, ip: string, ready: boolean): Promise<void> {
    const pod = await must(200, await api(url, 'GET', `${NS}/pods/${name}`), `get pod ${name}`);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const status = ready ? 'True' : 'False';
    const conditions = [
      { type: 'Ready', status, lastTransitionTime: now },
      { type: 'ContainersReady', status, lastTransitionTime: now },
    ];
    const body = { ...pod, status: { ...pod.status, phase: 'Running', hostIP: '127.0.0.1', podIP: ip, podIPs: [{ ip }], conditions } };
    await must(200, await api(url, 'PUT', `${NS}/pods/${name}/status`, body), `status of pod ${name}`);
  }

  async function runPod(name: string, labels: Labels, ip: string, o: PodSpecOptions = {}): Promise<void> {
    await createPod(name, labels, o);
    await setPodStatus(name, ip, true);
  }

  async function deletePod(name: string, gracePeriodSeconds?: number): Promise<void> {
    const opts = { kind: 'DeleteOptions', apiVersion: 'v1', ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}) };
    await must([200, 202], await api(url, 'DELETE', `${NS}/pods/${name}`, opts), `delete pod ${name}`);
  }

  async function createService(name: string, selector: Labels | undefined, ports: unknown[], labels: Labels = {}): Promise<any> {
    const body = { apiVersion: 'v1', kind: 'Service', metadata: { name, labels }, spec: { ...(selector ? { selector } : {}), ports } };
    return await must(201, await api(url, 'POST', `${NS}/services`, body), `create service ${name}`);
  }

  async function getEndpoints(name: string): Promise<any | undefined> {
    const r = await api(url, 'GET', `${NS}/endpoints/${name}`);
    if (r.status === 404) return undefined;
    return await must(200, r, `get endpoints ${name}`);
  }

  // ------------------------------------------------------------------ reads

  const ips = (as: { ip: string }[] | undefined) => (as ?? []).map((a) => a.ip).join(',');
  /** `ready | notReady | name:port/protocol,...` per subset. */
  const shape = (ep: any): string[] =>
    (ep?.subsets ?? []).map(
      (s: any) => `${ips(s.addresses)} | ${ips(s.notReadyAddresses)} | ${(s.ports ?? []).map((p: any) => `${p.name ?? ''}:${p.port}/${p.protocol}`).join(',')}`,
    );

  async function endpointsShaped(name: string, want: string[]): Promise<any> {
    let last: string[] | undefined;
    try {
      return await eventually(`endpoints ${name} = ${JSON.stringify(want)}`, async () => {
        const ep = await getEndpoints(name);
        last = ep ? shape(ep) : undefined;
        return ep && JSON.stringify(last) === JSON.stringify(want) ? ep : undefined;
      }, 15_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}; last seen ${JSON.stringify(last)}`);
    }
  }

  /** Every event on the endpoints subjects: `seq subject type`. */
  async function endpointsWrites(): Promise<string[]> {
    const { prefix } = cs.stack.cfg;
    return (await streamEvents(cs.stack.cfg))
      .filter((e) => parseResourceSubject(prefix, e.subject)?.plural === 'endpoints')
      .map((e) => `${e.seq} ${e.subject} ${e.type}`);
  }

  /**
   * Write requests on endpoints the gateway has answered, from its /metrics: a PUT of an unchanged
   * object publishes nothing (the gateway makes it a no-op), so the stream alone would not show it.
   */
  async function endpointsWriteRequests(): Promise<number> {
    const text = (await api<string>(url, 'GET', '/metrics')).body;
    let n = 0;
    for (const line of text.split('\n')) {
      const m = /^jetkube_gateway_requests_total\{(.*)\} (\d+)$/.exec(line);
      if (m && /resource="endpoints"/.test(m[1]!) && /verb="(CREATE|UPDATE|PATCH|DELETE)"/.test(m[1]!)) n += Number(m[2]);
    }
    return n;
  }

  // ------------------------------------------------------------------ tests

  it('publishes the ready pods of a service, with named ports resolved and the service\'s labels', async () => {
    await createService('web', { app: 'web' }, [{ name: 'http', port: 80, targetPort: 'http' }], { app: 'web', tier: 'front' });
    const ports = [{ name: 'http', containerPort: 8080 }];
    await runPod('web-1', { app: 'web' }, '10.244.0.1', { ports });
    await runPod('web-2', { app: 'web' }, '10.244.0.2', { ports });
    await createPod('web-3', { app: 'web' }, { ports }); // no IP yet: not published
    await runPod('db-1', { app: 'db' }, '10.244.0.9', { ports }); // not selected

    const ep = await endpointsShaped('web', ['10.244.0.1,10.244.0.2 |  | http:8080/TCP']);
    assert.deepEqual(ep.metadata.labels, { app: 'web', tier: 'front' });
    const pod1 = (await api(url, 'GET', `${NS}/pods/web-1`)).body;
    assert.deepEqual(ep.subsets[0].addresses[0], {
      ip: '10.244.0.1',
      nodeName: NODE,
      targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: pod1.metadata.uid },
    });
  });

  it('moves an address to notReadyAddresses when its pod stops being ready, and back', async () => {
    await setPodStatus('web-2', '10.244.0.2', false);
    await endpointsShaped('web', ['10.244.0.1 | 10.244.0.2 | http:8080/TCP']);
    await setPodStatus('web-2', '10.244.0.2', true);
    await endpointsShaped('web', ['10.244.0.1,10.244.0.2 |  | http:8080/TCP']);
  });

  it('drops a pod as soon as it is terminating, and keeps it out once it is gone', async () => {
    await deletePod('web-1');
    await endpointsShaped('web', ['10.244.0.2 |  | http:8080/TCP']);
    await deletePod('web-1', 0);
    await sleep(300);
    assert.deepEqual(shape(await getEndpoints('web')), ['10.244.0.2 |  | http:8080/TCP']);
  });

  it('lists a reused IP once (a replaced pod)', async () => {
    await sleep(1000); // a creationTimestamp one second on
    await runPod('web-1b', { app: 'web' }, '10.244.0.2', { ports: [{ name: 'http', containerPort: 8080 }] });
    await eventually('web-1b holds the IP', async () => (await getEndpoints('web'))?.subsets?.[0]?.addresses?.[0]?.targetRef?.name === 'web-1b', 15_000);
    assert.deepEqual(shape(await getEndpoints('web')), ['10.244.0.2 |  | http:8080/TCP'], 'one address');
    await deletePod('web-1b', 0);
    await eventually('web-2 holds the IP again', async () => (await getEndpoints('web'))?.subsets?.[0]?.addresses?.[0]?.targetRef?.name === 'web-2', 15_000);
    assert.deepEqual(shape(await getEndpoints('web')), ['10.244.0.2 |  | http:8080/TCP']);
  });

  it('follows a selector change', async () => {
    await runPod('api-1', { app: 'api' }, '10.244.1.1', { ports: [{ name: 'http', containerPort: 9090 }] });
    const svc = (await api(url, 'GET', `${NS}/services/web`)).body;
    await must(200, await api(url, 'PUT', `${NS}/services/web`, { ...svc, spec: { ...svc.spec, selector: { app: 'api' } } }), 'update service');
    await endpointsShaped('web', ['10.244.1.1 |  | http:9090/TCP']);
  });

  it('puts back a hand edit of a managed Endpoints', async () => {
    const ep = await getEndpoints('web');
    const edited = { ...ep, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ name: 'http', port: 1, protocol: 'TCP' }] }] };
    await must(200, await api(url, 'PUT', `${NS}/endpoints/web`, edited), 'edit endpoints');
    await endpointsShaped('web', ['10.244.1.1 |  | http:9090/TCP']);
  });

  it('deletes the Endpoints with their service', async () => {
    await must([200, 202], await api(url, 'DELETE', `${NS}/services/web`), 'delete service');
    await eventually('endpoints web gone', async () => (await getEndpoints('web')) === undefined, 15_000);
  });

  it('leaves the hand-written Endpoints of a selector-less service alone', async () => {
    // Written right after the service, so the controller may see the Endpoints before the Service.
    await createService('external', undefined, [{ port: 5432 }]);
    const manual = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'external', labels: { owner: 'me' } },
      subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    };
    const created = await must(201, await api(url, 'POST', `${NS}/endpoints`, manual), 'create manual endpoints');
    // A pod the service would select, had it a selector.
    await runPod('external-1', { app: 'external' }, '10.244.2.1');
    await sleep(1500);
    const ep = await getEndpoints('external');
    assert.ok(ep, 'still there');
    assert.equal(ep.metadata.resourceVersion, created.metadata.resourceVersion, 'never rewritten');
    assert.deepEqual(ep.subsets, manual.subsets);
    assert.deepEqual(ep.metadata.labels, { owner: 'me' });
  });

  it('keeps hand-written Endpoints applied before their selector-less service', async () => {
    const manual = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'external-first' },
      subsets: [{ addresses: [{ ip: '192.0.2.11' }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    };
    const created = await must(201, await api(url, 'POST', `${NS}/endpoints`, manual), 'create manual endpoints');
    await sleep(1000);
    await createService('external-first', undefined, [{ port: 5432 }]);
    await sleep(500);
    const ep = await getEndpoints('external-first');
    assert.ok(ep, 'not deleted as an orphan: no service was ever deleted');
    assert.equal(ep.metadata.resourceVersion, created.metadata.resourceVersion);
  });

  it('writes nothing when a restarted controller-manager replays everything', async () => {
    await createService(
      'idem',
      { app: 'idem' },
      [
        { name: 'http', port: 80, targetPort: 'http' },
        { name: 'metrics', port: 9100, targetPort: 9100 },
      ],
      { app: 'idem' },
    );
    const ports = [{ name: 'http', containerPort: 8080 }];
    await runPod('idem-1', { app: 'idem' }, '10.244.3.1', { ports, hostname: 'idem-1', subdomain: 'idem' });
    await runPod('idem-2', { app: 'idem' }, '10.244.3.2', { ports });
    await runPod('idem-3', { app: 'idem' }, '10.244.3.3'); // no named port: metrics only
    await createPod('idem-4', { app: 'idem' }, { ports });
    await setPodStatus('idem-4', '10.244.3.4', false);
    const ep = await endpointsShaped('idem', ['10.244.3.1,10.244.3.2 | 10.244.3.4 | http:8080/TCP', '10.244.3.1,10.244.3.2,10.244.3.3 | 10.244.3.4 | metrics:9100/TCP']);
    assert.equal(ep.subsets[0].addresses[0].hostname, 'idem-1');

    // Let the last reconciles settle, then count.
    await sleep(1000);
    const writes = await endpointsWrites();
    const seq = await lastSeq(cs.stack.cfg);
    const requests = await endpointsWriteRequests();
    assert.ok(requests > 0, 'the write requests are counted');
    for (let round = 0; round < 2; round++) {
      await cs.stopControllerManager();
      const cm = await cs.startControllerManager();
      await eventually('informers synced', async () => cm.ready());
      await sleep(2000);
      assert.deepEqual(await endpointsWrites(), writes, `round ${round}: no Endpoints write after a replay`);
      assert.equal(await lastSeq(cs.stack.cfg), seq, `round ${round}: nothing written at all`);
      assert.equal(await endpointsWriteRequests(), requests, `round ${round}: not even a no-op write request`);
    }
    // The controller still works after the restarts.
    await setPodStatus('idem-4', '10.244.3.4', true);
    await endpointsShaped('idem', ['10.244.3.1,10.244.3.2,10.244.3.4 |  | http:8080/TCP', '10.244.3.1,10.244.3.2,10.244.3.3,10.244.3.4 |  | metrics:9100/TCP']);
  });
});
