/**
 * The proxy's pure core: the listener plan from Services and Endpoints (cluster IP and node-port
 * listeners, headless and unallocated services skipped, UDP skipped, ready addresses only, port
 * matching by name, conflicts), and the balancer (round-robin fairness, backend churn, ClientIP
 * affinity and its timeout, retries skipping tried backends).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Balancer } from '../../services/proxy/balancer.js';
import { DEFAULT_AFFINITY_TIMEOUT_SECONDS, planListeners, type Backend, type PlanInput } from '../../services/proxy/plan.js';
import { nodePortAddressesFromEnv, proxyOptionsFromEnv } from '../../services/proxy/index.js';
import type { EndpointSubset, Endpoints, Service, ServicePort, ServiceSpec } from '../../shared/resources/types.js';

// ---------------------------------------------------------------------------------------------
// Fixtures

function newService(name: string, spec: Partial<ServiceSpec> = {}, namespace = 'default'): Service {
  const ports: ServicePort[] = [{ port: 80, protocol: 'TCP' }];
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { type: 'ClusterIP', clusterIP: '127.10.0.1', ports, ...spec } };
}

function newEndpoints(name: string, subsets: EndpointSubset[], namespace = 'default'): Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace }, subsets };
}

const subset = (ips: string[], ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' }[], notReady: string[] = []): EndpointSubset => ({
  addresses: ips.map((ip) => ({ ip })),
  notReadyAddresses: notReady.map((ip) => ({ ip })),
  ports,
});

function plan(services: Service[], endpoints: Endpoints[] = [], nodePortAddresses: string[] = ['127.0.0.1']) {
  const byKey = new Map(endpoints.map((e) => [`${e.metadata.namespace}/${e.metadata.name}`, e]));
  const input: PlanInput = { services, endpoints: (k) => byKey.get(k), nodePortAddresses };
  return planListeners(input);
}

const backends = (...xs: [string, number][]): Backend[] => xs.map(([ip, port]) => ({ ip, port }));
const key = (b: Backend | undefined) => (b ? `${b.ip}:${b.port}` : 'none');

function counts(picks: (Backend | undefined)[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const p of picks) c[key(p)] = (c[key(p)] ?? 0) + 1;
  return c;
}

// ---------------------------------------------------------------------------------------------
// Plan

describe('proxy plan', () => {
  it('one listener per TCP port at clusterIP:port, with the ready backends of the same-named endpoint port', () => {
    const svc = newService('web', {
      clusterIP: '127.10.1.2',
      ports: [
        { name: 'http', port: 80, targetPort: 8080 },
        { name: 'admin', port: 9000, targetPort: 'admin' },
      ],
    });
    const ep = newEndpoints('web', [
      subset(['10.0.0.2', '10.0.0.1'], [{ name: 'http', port: 8080 }, { name: 'admin', port: 9090 }], ['10.0.0.9']),
      subset(['10.0.0.3'], [{ name: 'http', port: 8081 }]),
    ]);
    const p = plan([svc], [ep]);
    assert.deepEqual(
      p.listeners.map((l) => [l.key, l.kind, l.service, l.portName, l.servicePort]),
      [
        ['127.10.1.2:80', 'ClusterIP', 'default/web', 'http', 80],
        ['127.10.1.2:9000', 'ClusterIP', 'default/web', 'admin', 9000],
      ],
    );
    assert.deepEqual(p.listeners[0]!.backends, backends(['10.0.0.1', 8080], ['10.0.0.2', 8080], ['10.0.0.3', 8081]));
    assert.deepEqual(p.listeners[1]!.backends, backends(['10.0.0.1', 9090], ['10.0.0.2', 9090]));
    assert.deepEqual(p.listeners[0]!.affinity, { kind: 'None' });
  });

  it('an unnamed single port maps to the unnamed endpoint port; not-ready addresses are never backends', () => {
    const p = plan([newService('a')], [newEndpoints('a', [subset(['10.0.0.1'], [{ port: 8080 }], ['10.0.0.2']), subset(['10.0.0.3'], [{ name: 'other', port: 1 }])])]);
    assert.equal(p.listeners.length, 1);
    assert.deepEqual(p.listeners[0]!.backends, backends(['10.0.0.1', 8080]));
  });

  it('duplicate addresses across subsets are one backend', () => {
    const p = plan([newService('a')], [newEndpoints('a', [subset(['10.0.0.1'], [{ port: 8080 }]), subset(['10.0.0.1'], [{ port: 8080 }])])]);
    assert.deepEqual(p.listeners[0]!.backends, backends(['10.0.0.1', 8080]));
  });

  it('no endpoints (or an empty subset) is a listener with no backends', () => {
    const a = plan([newService('a')]);
    assert.equal(a.listeners.length, 1);
    assert.deepEqual(a.listeners[0]!.backends, []);
    const b = plan([newService('a')], [newEndpoints('a', [subset([], [{ port: 8080 }], ['10.0.0.1'])])]);
    assert.deepEqual(b.listeners[0]!.backends, []);
  });

  it('headless, unallocated and invalid cluster IPs get no listener', () => {
    const p = plan([
      newService('headless', { clusterIP: 'None' }),
      newService('pending', { clusterIP: '' }),
      newService('unset', { clusterIP: undefined }),
      newService('junk', { clusterIP: 'not-an-ip' }),
    ]);
    assert.deepEqual(p.listeners, []);
  });

  it('NodePort services also listen on every node-port address', () => {
    const svc = newService('np', { type: 'NodePort', clusterIP: '127.10.0.7', ports: [{ port: 80, nodePort: 30080 }] });
    const p = plan([svc], [newEndpoints('np', [subset(['10.0.0.1'], [{ port: 8080 }])])], ['127.0.0.1', '127.0.0.2']);
    assert.deepEqual(
      p.listeners.map((l) => [l.key, l.kind, l.servicePort]),
      [
        ['127.0.0.1:30080', 'NodePort', 80],
        ['127.0.0.2:30080', 'NodePort', 80],
        ['127.10.0.7:80', 'ClusterIP', 80],
      ],
    );
    for (const l of p.listeners) assert.deepEqual(l.backends, backends(['10.0.0.1', 8080]));
  });

  it('a ClusterIP service never gets node-port listeners, even with nodePort set', () => {
    const p = plan([newService('c', { ports: [{ port: 80, nodePort: 30081 }] })]);
    assert.deepEqual(p.listeners.map((l) => l.key), ['127.10.0.1:80']);
  });

  it('UDP and SCTP ports are skipped and reported', () => {
    const svc = newService('dns', {
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        { name: 'sig', port: 36412, protocol: 'SCTP' },
      ],
    });
    const p = plan([svc], [newEndpoints('dns', [subset(['10.0.0.1'], [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }])])]);
    assert.deepEqual(p.listeners.map((l) => [l.key, l.portName]), [['127.10.0.1:53', 'dns-tcp']]);
    assert.deepEqual(p.listeners[0]!.backends, backends(['10.0.0.1', 53]));
    assert.deepEqual(p.skipped, [
      { service: 'default/dns', port: 53, protocol: 'UDP' },
      { service: 'default/dns', port: 36412, protocol: 'SCTP' },
    ]);
  });

  it('session affinity: ClientIP with the configured or default timeout', () => {
    const p = plan([
      newService('a', { clusterIP: '127.10.0.1', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 30 } } }),
      newService('b', { clusterIP: '127.10.0.2', sessionAffinity: 'ClientIP' }),
      newService('c', { clusterIP: '127.10.0.3', sessionAffinity: 'None', sessionAffinityConfig: { clientIP: { timeoutSeconds: 30 } } }),
    ]);
    assert.deepEqual(
      p.listeners.map((l) => l.affinity),
      [{ kind: 'ClientIP', timeoutSeconds: 30 }, { kind: 'ClientIP', timeoutSeconds: DEFAULT_AFFINITY_TIMEOUT_SECONDS }, { kind: 'None' }],
    );
  });

  it('is deterministic (input order does not matter) and keys endpoints by namespace', () => {
    const s1 = newService('a', { clusterIP: '127.10.0.5' }, 'ns1');
    const s2 = newService('a', { clusterIP: '127.10.0.6' }, 'ns2');
    const e1 = newEndpoints('a', [subset(['10.0.1.1'], [{ port: 1 }])], 'ns1');
    const e2 = newEndpoints('a', [subset(['10.0.2.1'], [{ port: 2 }])], 'ns2');
    const x = plan([s1, s2], [e1, e2]);
    const y = plan([s2, s1], [e2, e1]);
    assert.deepEqual(x, y);
    assert.deepEqual(x.listeners.map((l) => [l.service, key(l.backends[0])]), [['ns1/a', '10.0.1.1:1'], ['ns2/a', '10.0.2.1:2']]);
  });

  it('two services on one address: the first by key keeps it, the other is a conflict', () => {
    const p = plan([newService('b', { clusterIP: '127.10.0.9' }), newService('a', { clusterIP: '127.10.0.9' })]);
    assert.deepEqual(p.listeners.map((l) => l.service), ['default/a']);
    assert.deepEqual(p.conflicts, [{ key: '127.10.0.9:80', service: 'default/b', heldBy: 'default/a' }]);
  });

  it('IPv6 listener keys are bracketed', () => {
    const p = plan([newService('v6', { clusterIP: 'fd00::10' })]);
    assert.equal(p.listeners[0]!.key, '[fd00::10]:80');
  });
});

// ---------------------------------------------------------------------------------------------
// Balancer

describe('proxy balancer', () => {
  const three = backends(['10.0.0.1', 80], ['10.0.0.2', 80], ['10.0.0.3', 80]);

  it('round robin is fair and cycles in order', () => {
    const b = new Balancer();
    b.update(three);
    const picks = Array.from({ length: 300 }, () => b.pick('1.2.3.4'));
    assert.deepEqual(counts(picks), { '10.0.0.1:80': 100, '10.0.0.2:80': 100, '10.0.0.3:80': 100 });
    assert.deepEqual(picks.slice(0, 4).map(key), ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80', '10.0.0.1:80']);
  });

  it('no backends: nothing to pick', () => {
    const b = new Balancer();
    assert.equal(b.pick('1.2.3.4'), undefined);
    b.update(three);
    b.update([]);
    assert.equal(b.size, 0);
    assert.equal(b.pick('1.2.3.4'), undefined);
  });

  it('an unchanged backend set is a no-op and keeps the rotation', () => {
    const b = new Balancer();
    assert.equal(b.update(three), true);
    b.pick(undefined);
    assert.equal(b.update(backends(['10.0.0.1', 80], ['10.0.0.2', 80], ['10.0.0.3', 80])), false);
    assert.equal(key(b.pick(undefined)), '10.0.0.2:80');
  });

  it('backend churn: the rotation continues after the last pick, new backends join, removed ones are never picked', () => {
    const b = new Balancer();
    b.update(three);
    assert.equal(key(b.pick(undefined)), '10.0.0.1:80');
    assert.equal(key(b.pick(undefined)), '10.0.0.2:80');
    // .2 (the last pick) survives, .4 joins: the next pick follows .2.
    b.update(backends(['10.0.0.1', 80], ['10.0.0.2', 80], ['10.0.0.3', 80], ['10.0.0.4', 80]));
    assert.deepEqual([b.pick(undefined), b.pick(undefined), b.pick(undefined)].map(key), ['10.0.0.3:80', '10.0.0.4:80', '10.0.0.1:80']);
    // The last pick (.1) goes away: the rotation keeps its position, and .1 is never returned.
    b.update(backends(['10.0.0.2', 80], ['10.0.0.3', 80], ['10.0.0.4', 80]));
    const picks = Array.from({ length: 30 }, () => b.pick(undefined));
    assert.deepEqual(counts(picks), { '10.0.0.2:80': 10, '10.0.0.3:80': 10, '10.0.0.4:80': 10 });
    // Shrink to one, then grow again.
    b.update(backends(['10.0.0.9', 80]));
    assert.deepEqual([b.pick(undefined), b.pick(undefined)].map(key), ['10.0.0.9:80', '10.0.0.9:80']);
    b.update(three);
    assert.deepEqual(counts(Array.from({ length: 9 }, () => b.pick(undefined))), { '10.0.0.1:80': 3, '10.0.0.2:80': 3, '10.0.0.3:80': 3 });
  });

  it('a retry skips the backends already tried, and gives up when all were', () => {
    const b = new Balancer();
    b.update(three);
    const tried = new Set<string>();
    const order: string[] = [];
    for (;;) {
      const p = b.pick('1.2.3.4', tried);
      if (!p) break;
      order.push(key(p));
      tried.add(key(p));
    }
    assert.deepEqual(order, ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80']);
  });

  it('ClientIP affinity: the same client gets the same backend; different clients are spread', () => {
    const b = new Balancer(() => 0);
    b.update(three, { kind: 'ClientIP', timeoutSeconds: 60 });
    const first = key(b.pick('192.168.0.1'));
    for (let i = 0; i < 10; i++) assert.equal(key(b.pick('192.168.0.1')), first);
    const others = ['192.168.0.2', '192.168.0.3'].map((ip) => key(b.pick(ip)));
    assert.equal(new Set([first, ...others]).size, 3);
    for (let i = 0; i < 5; i++) assert.equal(key(b.pick('192.168.0.2')), others[0]);
  });

  it('ClientIP affinity expires after the timeout since the last connection', () => {
    let now = 0;
    const b = new Balancer(() => now);
    b.update(backends(['10.0.0.1', 80], ['10.0.0.2', 80]), { kind: 'ClientIP', timeoutSeconds: 10 });
    assert.equal(key(b.pick('c')), '10.0.0.1:80');
    now = 9_000;
    assert.equal(key(b.pick('c')), '10.0.0.1:80', 'still within the timeout');
    now = 18_000;
    assert.equal(key(b.pick('c')), '10.0.0.1:80', 'the timeout counts from the last use');
    now = 28_001;
    assert.equal(key(b.pick('c')), '10.0.0.2:80', 'expired: round robin again');
    now = 100_000;
    assert.equal(b.prune(), 0);
  });

  it('ClientIP affinity ends when its backend goes, and sticks to the new one', () => {
    const b = new Balancer(() => 0);
    b.update(three, { kind: 'ClientIP', timeoutSeconds: 60 });
    const first = b.pick('c')!;
    b.update(three.filter((x) => key(x) !== key(first)), { kind: 'ClientIP', timeoutSeconds: 60 });
    const second = key(b.pick('c'));
    assert.notEqual(second, key(first));
    for (let i = 0; i < 5; i++) assert.equal(key(b.pick('c')), second);
    // A backend that is added does not steal the client.
    b.update(three, { kind: 'ClientIP', timeoutSeconds: 60 });
    assert.equal(key(b.pick('c')), second);
  });

  it('ClientIP affinity: a failed sticky backend is skipped on retry and the client moves', () => {
    const b = new Balancer(() => 0);
    b.update(three, { kind: 'ClientIP', timeoutSeconds: 60 });
    const first = key(b.pick('c'));
    const retry = key(b.pick('c', new Set([first])));
    assert.notEqual(retry, first);
    assert.equal(key(b.pick('c')), retry);
  });

  it('turning affinity off forgets the clients', () => {
    const b = new Balancer(() => 0);
    b.update(three, { kind: 'ClientIP', timeoutSeconds: 60 });
    b.pick('c');
    b.pick('c');
    assert.equal(b.prune(), 1);
    assert.equal(b.update(three, { kind: 'None' }), true);
    assert.equal(b.prune(), 0);
    assert.deepEqual([b.pick('c'), b.pick('c')].map(key), ['10.0.0.2:80', '10.0.0.3:80']);
  });
});

describe('proxy options from the environment', () => {
  it('node-port addresses: NODEPORT_ADDRESSES, else NODE_IP, else 127.0.0.1', () => {
    assert.deepEqual(nodePortAddressesFromEnv({ NODEPORT_ADDRESSES: '127.0.0.2, 127.0.0.3', NODE_IP: '127.0.0.9' }), ['127.0.0.2', '127.0.0.3']);
    assert.deepEqual(nodePortAddressesFromEnv({ NODE_IP: '127.0.0.9' }), ['127.0.0.9']);
    assert.deepEqual(nodePortAddressesFromEnv({}), ['127.0.0.1']);
    assert.throws(() => nodePortAddressesFromEnv({ NODEPORT_ADDRESSES: 'localhost' }), /IP addresses/);
  });

  it('health port: PROXY_PORT, default 10256', () => {
    assert.deepEqual(proxyOptionsFromEnv({}), { nodePortAddresses: ['127.0.0.1'], port: 10256 });
    assert.equal(proxyOptionsFromEnv({ PROXY_PORT: '0' }).port, 0);
    assert.throws(() => proxyOptionsFromEnv({ PROXY_PORT: 'x' }));
  });
});
