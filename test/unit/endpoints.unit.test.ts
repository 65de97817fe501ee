/**
 * The Endpoints controller's pure core (services/controller-manager/endpoints): which pods a
 * service publishes and how (ready or not, which ports), repacking into subsets, determinism, and
 * the "does the stored object need a write" test that keeps redelivered events from writing twice.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  HEADLESS_SERVICE_LABEL,
  LEADER_ELECTION_ANNOTATION,
  dedupeByIP,
  desiredSubsets,
  endpointPort,
  endpointsFor,
  endpointsLabels,
  endpointsNeedWrite,
  findPort,
  isManagedService,
  isOrphanDeletable,
  podEndpointsChanged,
  repackSubsets,
  selectsPod,
} from '../../services/controller-manager/endpoints/index.js';
import type { ContainerPort, EndpointAddress, EndpointSubset, Endpoints, Pod, Service, ServicePort, ServiceSpec } from '../../shared/resources/types.js';
import { at, newPod, type PodOptions } from './controller-fixtures.js';
import { deepFreeze } from './resource-fixtures.js';

// ----------------------------------------------------------------------------------------------
// Fixtures

interface EpPodOptions extends PodOptions {
  /** status.podIP (null: none). */
  ip?: string | null;
  ports?: ContainerPort[];
}

/** A Running, Ready pod labelled app=web on node-1, with one container exposing `ports`. */
function pod(name: string, ip: string | null, o: EpPodOptions = {}): Pod {
  const base = newPod({
    name,
    labels: { app: 'web' },
    nodeName: 'node-1',
    phase: 'Running',
    ready: true,
    ...o,
    spec: { containers: [{ name: 'app', image: 'nginx:1.25', ...(o.ports ? { ports: o.ports } : {}) }], ...o.spec },
  });
  return { ...base, status: { ...base.status, ...(ip ? { podIP: ip } : {}) } };
}

/** Service `web` in `default` selecting app=web, one port 80 → 8080 unless told otherwise. */
function svc(spec: Partial<ServiceSpec> = {}, meta: { name?: string; namespace?: string; labels?: Record<string, string> } = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: meta.name ?? 'web', namespace: meta.namespace ?? 'default', uid: 'uid-svc', ...(meta.labels ? { labels: meta.labels } : {}) },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec },
  };
}

const addr = (p: Pod, extra: Partial<EndpointAddress> = {}): EndpointAddress => ({
  ip: p.status!.podIP!,
  nodeName: p.spec.nodeName!,
  targetRef: { kind: 'Pod', namespace: p.metadata.namespace!, name: p.metadata.name!, uid: p.metadata.uid! },
  ...extra,
});

const ips = (as: readonly EndpointAddress[] | undefined): string[] => (as ?? []).map((a) => a.ip);

/** `ready | notReady | ports` per subset: compact to assert on. */
const shape = (subsets: readonly EndpointSubset[]): string[] =>
  subsets.map((s) => `${ips(s.addresses).join(',')} | ${ips(s.notReadyAddresses).join(',')} | ${(s.ports ?? []).map((p) => `${p.name ?? ''}:${p.port}/${p.protocol}`).join(',')}`);

const named = (name: string, containerPort: number, protocol: ContainerPort['protocol'] = 'TCP'): ContainerPort => ({ name, containerPort, protocol });

// ----------------------------------------------------------------------------------------------

describe('which services are managed', () => {
  it('a service with a non-empty selector', () => {
    assert.equal(isManagedService(svc()), true);
  });
  it('not one without a selector, or with an empty one (its Endpoints are its user\'s)', () => {
    assert.equal(isManagedService(svc({ selector: undefined })), false);
    assert.equal(isManagedService(svc({ selector: {} })), false);
    assert.deepEqual(desiredSubsets(svc({ selector: {} }), [pod('a', '10.0.0.1')]), []);
  });
});

describe('which pods are published', () => {
  it('a ready pod: one address with node and target, the port resolved', () => {
    const a = pod('a', '10.0.0.1');
    assert.deepEqual(desiredSubsets(svc(), [a]), [{ addresses: [addr(a)], ports: [{ port: 8080, protocol: 'TCP' }] }]);
  });

  it('pods of another namespace or not matching the selector are ignored', () => {
    const other = pod('other-ns', '10.0.0.2', { namespace: 'shop' });
    const mismatch = pod('mismatch', '10.0.0.3', { labels: { app: 'db' } });
    const unlabeled = pod('unlabeled', '10.0.0.4', { labels: {} });
    assert.deepEqual(desiredSubsets(svc(), [other, mismatch, unlabeled]), []);
    assert.equal(selectsPod(svc(), other), false);
    assert.equal(selectsPod(svc({ selector: { app: 'web', tier: 'front' } }), pod('a', '10.0.0.1')), false, 'every selector label must match');
    assert.equal(selectsPod(svc(), pod('a', '10.0.0.1', { labels: { app: 'web', extra: 'x' } })), true, 'extra labels are fine');
  });

  it('a pod without an IP is left out; podIPs stands in for podIP', () => {
    assert.deepEqual(desiredSubsets(svc(), [pod('a', null)]), []);
    const dual = pod('b', null);
    const withIPs: Pod = { ...dual, status: { ...dual.status, podIPs: [{ ip: '10.0.0.9' }] } };
    assert.deepEqual(shape(desiredSubsets(svc(), [withIPs])), ['10.0.0.9 |  | :8080/TCP']);
  });

  it('ready → addresses; Ready=False or no Ready condition → notReadyAddresses', () => {
    const ready = pod('a', '10.0.0.1');
    const notReady = pod('b', '10.0.0.2', { ready: false });
    const unknown = pod('c', '10.0.0.3', { ready: undefined });
    assert.equal(unknown.status?.conditions, undefined);
    assert.deepEqual(shape(desiredSubsets(svc(), [ready, notReady, unknown])), ['10.0.0.1 | 10.0.0.2,10.0.0.3 | :8080/TCP']);
  });

  it('Succeeded and Failed pods are left out, even with publishNotReadyAddresses', () => {
    const pods = [pod('done', '10.0.0.1', { phase: 'Succeeded' }), pod('failed', '10.0.0.2', { phase: 'Failed', ready: false })];
    assert.deepEqual(desiredSubsets(svc(), pods), []);
    assert.deepEqual(desiredSubsets(svc({ publishNotReadyAddresses: true }), pods), []);
  });

  it('a terminating pod is left out (even if still Ready)', () => {
    assert.deepEqual(desiredSubsets(svc(), [pod('a', '10.0.0.1', { deletionTimestamp: at(0) })]), []);
  });

  it('publishNotReadyAddresses: not-ready and terminating pods are ready addresses', () => {
    const s = svc({ publishNotReadyAddresses: true });
    const pods = [pod('a', '10.0.0.1', { ready: false }), pod('b', '10.0.0.2', { deletionTimestamp: at(0) }), pod('c', '10.0.0.3')];
    assert.deepEqual(shape(desiredSubsets(s, pods)), ['10.0.0.1,10.0.0.2,10.0.0.3 |  | :8080/TCP']);
  });

  it('hostname only when the pod\'s subdomain is the service\'s name', () => {
    const mine = pod('a', '10.0.0.1', { spec: { hostname: 'a-0', subdomain: 'web' } });
    const elsewhere = pod('b', '10.0.0.2', { spec: { hostname: 'b-0', subdomain: 'other' } });
    const noHostname = pod('c', '10.0.0.3', { spec: { subdomain: 'web' } });
    const [s] = desiredSubsets(svc(), [mine, elsewhere, noHostname]);
    assert.deepEqual(s!.addresses, [addr(mine, { hostname: 'a-0' }), addr(elsewhere), addr(noHostname)]);
  });

  it('a pod without a node has no nodeName', () => {
    const a = pod('a', '10.0.0.1', { nodeName: undefined });
    assert.deepEqual(desiredSubsets(svc(), [a])[0]!.addresses, [{ ip: '10.0.0.1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } }]);
  });
});

describe('two pods with one IP (a replaced pod)', () => {
  it('give one address: the live pod over the terminating one', () => {
    const s = svc({ publishNotReadyAddresses: true });
    const old = pod('old', '10.0.0.1', { deletionTimestamp: at(0), creationTimestamp: at(-100) });
    const replacement = pod('new', '10.0.0.1', { creationTimestamp: at(-200) });
    for (const pods of [[old, replacement], [replacement, old]]) {
      const subsets = desiredSubsets(s, pods);
      assert.deepEqual(subsets[0]!.addresses?.map((a) => a.targetRef?.name), ['new']);
    }
  });
  it('between two live pods, the newer one', () => {
    const older = pod('older', '10.0.0.1', { creationTimestamp: at(-100), ready: false });
    const newer = pod('newer', '10.0.0.1', { creationTimestamp: at(-10) });
    assert.deepEqual(dedupeByIP([older, newer]).map((p) => p.metadata.name), ['newer']);
    assert.deepEqual(dedupeByIP([newer, older]).map((p) => p.metadata.name), ['newer']);
    assert.deepEqual(shape(desiredSubsets(svc(), [older, newer])), ['10.0.0.1 |  | :8080/TCP']);
  });
});

describe('ports', () => {
  const sp = (o: Partial<ServicePort>): ServicePort => ({ port: 80, protocol: 'TCP', ...o });

  it('a numeric targetPort is used as is; unset (or empty) means the service port', () => {
    const p = pod('a', '10.0.0.1');
    assert.equal(findPort(p, sp({ targetPort: 9090 })), 9090);
    assert.equal(findPort(p, sp({})), 80);
    assert.equal(findPort(p, sp({ targetPort: '' })), 80);
  });

  it('a named targetPort is the containerPort of that name and protocol, in any container or sidecar', () => {
    const p = pod('a', '10.0.0.1', {
      spec: {
        containers: [
          { name: 'app', image: 'nginx', ports: [named('dns', 5353, 'UDP'), named('http', 8080)] },
          { name: 'admin', image: 'nginx', ports: [named('admin', 9000)] },
        ],
        initContainers: [
          { name: 'mesh', image: 'proxy', restartPolicy: 'Always', ports: [named('mesh', 15001)] },
          { name: 'setup', image: 'busybox', ports: [named('setup', 1)] },
        ],
      },
    });
    assert.equal(findPort(p, sp({ targetPort: 'http' })), 8080);
    assert.equal(findPort(p, sp({ targetPort: 'admin' })), 9000);
    assert.equal(findPort(p, sp({ targetPort: 'dns', protocol: 'UDP' })), 5353);
    assert.equal(findPort(p, sp({ targetPort: 'dns' })), undefined, 'TCP service port, UDP container port');
    assert.equal(findPort(p, sp({ targetPort: 'mesh' })), 15001, 'a sidecar');
    assert.equal(findPort(p, sp({ targetPort: 'setup' })), undefined, 'a plain init container is not serving');
    assert.equal(findPort(p, sp({ targetPort: 'nope' })), undefined);
    const defaultProtocol = pod('b', '10.0.0.2', { ports: [{ name: 'http', containerPort: 8081 }] });
    assert.equal(findPort(defaultProtocol, sp({ targetPort: 'http' })), 8081, 'a container port without protocol is TCP');
  });

  it('a named port resolves per pod: different numbers are different subsets', () => {
    const s = svc({ ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] });
    const a = pod('a', '10.0.0.1', { ports: [named('http', 8080)] });
    const b = pod('b', '10.0.0.2', { ports: [named('http', 8081)] });
    const c = pod('c', '10.0.0.3', { ports: [named('http', 8080)] });
    assert.deepEqual(shape(desiredSubsets(s, [a, b, c])), ['10.0.0.1,10.0.0.3 |  | http:8080/TCP', '10.0.0.2 |  | http:8081/TCP']);
  });

  it('a pod lacking the named port is left out for that port only', () => {
    const s = svc({
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'metrics', port: 9100, targetPort: 9100, protocol: 'TCP' },
      ],
    });
    const full = pod('full', '10.0.0.1', { ports: [named('http', 8080)] });
    const bare = pod('bare', '10.0.0.2');
    assert.deepEqual(shape(desiredSubsets(s, [full, bare])), ['10.0.0.1 |  | http:8080/TCP', '10.0.0.1,10.0.0.2 |  | metrics:9100/TCP']);
    const onlyHttp = svc({ ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }] });
    assert.deepEqual(desiredSubsets(onlyHttp, [bare]), [], 'no port at all: no subset');
  });

  it('EndpointPort: the service port\'s name (omitted when absent), protocol (TCP by default) and appProtocol', () => {
    assert.deepEqual(endpointPort({ port: 80 }, 8080), { port: 8080, protocol: 'TCP' });
    assert.deepEqual(endpointPort({ name: 'grpc', port: 80, protocol: 'TCP', appProtocol: 'h2c' }, 8080), { name: 'grpc', port: 8080, protocol: 'TCP', appProtocol: 'h2c' });
    assert.deepEqual(endpointPort({ name: 'dns', port: 53, protocol: 'UDP' }, 5353), { name: 'dns', port: 5353, protocol: 'UDP' });
  });

  it('a headless service without ports publishes its addresses alone', () => {
    const s = svc({ clusterIP: 'None', ports: [] });
    const a = pod('a', '10.0.0.1');
    const b = pod('b', '10.0.0.2', { ready: false });
    assert.deepEqual(desiredSubsets(s, [b, a]), [{ addresses: [addr(a)], notReadyAddresses: [addr(b)] }]);
    assert.deepEqual(desiredSubsets(svc({ ports: [] }), [a]), [], 'not headless: no ports, nothing to publish');
  });
});

describe('repacking', () => {
  const two = svc({
    ports: [
      { name: 'metrics', port: 9100, targetPort: 9100, protocol: 'TCP' },
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
    ],
  });

  it('pods serving the same ports share one subset, ports sorted by name', () => {
    const pods = [pod('b', '10.0.0.2', { ports: [named('http', 8080)] }), pod('a', '10.0.0.1', { ports: [named('http', 8080)] })];
    assert.deepEqual(shape(desiredSubsets(two, pods)), ['10.0.0.1,10.0.0.2 |  | http:8080/TCP,metrics:9100/TCP']);
  });

  it('two port sets make two subsets; readiness is per address', () => {
    const pods = [
      pod('a', '10.0.0.1', { ports: [named('http', 8080)] }),
      pod('b', '10.0.0.2', { ports: [named('http', 8080)], ready: false }),
      pod('c', '10.0.0.3'),
    ];
    assert.deepEqual(shape(desiredSubsets(two, pods)), ['10.0.0.1 | 10.0.0.2 | http:8080/TCP', '10.0.0.1,10.0.0.3 | 10.0.0.2 | metrics:9100/TCP']);
  });

  it('repackSubsets folds duplicates, and not ready trumps ready for the same address and port', () => {
    const a: EndpointAddress = { ip: '10.0.0.1', targetRef: { kind: 'Pod', name: 'a', uid: 'ua' } };
    const b: EndpointAddress = { ip: '10.0.0.2', targetRef: { kind: 'Pod', name: 'b', uid: 'ub' } };
    const http = { name: 'http', port: 8080, protocol: 'TCP' as const };
    const dns = { name: 'dns', port: 53, protocol: 'UDP' as const };
    const out = repackSubsets([
      { addresses: [a], ports: [http] },
      { addresses: [b, a], ports: [http, dns] },
      { notReadyAddresses: [a], ports: [dns] },
    ]);
    assert.deepEqual(out, [
      { addresses: [b], notReadyAddresses: [a], ports: [dns] },
      { addresses: [a, b], ports: [http] },
    ]);
  });

  it('nothing in, nothing out', () => {
    assert.deepEqual(repackSubsets([]), []);
    assert.deepEqual(repackSubsets([{ ports: [{ port: 80, protocol: 'TCP' }] }]), []);
  });
});

describe('determinism and no-change detection', () => {
  const s = svc(
    {
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'metrics', port: 9100, targetPort: 9100, protocol: 'TCP' },
      ],
    },
    { labels: { app: 'web', team: 'a' } },
  );
  const pods = deepFreeze([
    pod('c', '10.0.0.10', { ports: [named('http', 8080)] }),
    pod('a', '10.0.0.2', { ports: [named('http', 8080)], ready: false }),
    pod('b', '10.0.0.1'),
    pod('d', '10.0.0.3', { ports: [named('http', 8081)], spec: { hostname: 'd', subdomain: 'web' } }),
  ]);

  it('the same pods in any order give deep-equal subsets (and the inputs are not touched)', () => {
    const want = desiredSubsets(deepFreeze(s), pods);
    const orders = [[3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]];
    for (const o of orders) assert.deepEqual(desiredSubsets(s, o.map((i) => pods[i]!)), want);
    // Addresses are in IP order (code-unit order, as Kubernetes sorts them).
    assert.deepEqual(shape(want), ['10.0.0.10 | 10.0.0.2 | http:8080/TCP', '10.0.0.3 |  | http:8081/TCP', '10.0.0.1,10.0.0.10,10.0.0.3 | 10.0.0.2 | metrics:9100/TCP']);
  });

  it('no Endpoints yet: write', () => {
    assert.equal(endpointsNeedWrite(undefined, s, []), true);
  });

  it('what endpointsFor wrote (after a JSON round trip through the log) needs no second write', () => {
    const subsets = desiredSubsets(s, pods);
    const created = endpointsFor(s, subsets);
    assert.deepEqual(created.metadata, { name: 'web', namespace: 'default', labels: { app: 'web', team: 'a' } });
    const stored = { ...JSON.parse(JSON.stringify(created)), metadata: { ...created.metadata, uid: 'u1', resourceVersion: '7' } } as Endpoints;
    assert.equal(endpointsNeedWrite(stored, s, desiredSubsets(s, [...pods].reverse())), false);
  });

  it('subsets that differ, or labels that differ, need a write', () => {
    const subsets = desiredSubsets(s, pods);
    const stored = { ...endpointsFor(s, subsets), metadata: { name: 'web', namespace: 'default', labels: { app: 'web', team: 'a' }, resourceVersion: '7' } } as Endpoints;
    assert.equal(endpointsNeedWrite(stored, s, desiredSubsets(s, pods.slice(1))), true, 'a pod fewer');
    const flipped = pods.map((p) => (p.metadata.name === 'a' ? pod('a', '10.0.0.2', { ports: [named('http', 8080)] }) : p));
    assert.equal(endpointsNeedWrite(stored, s, desiredSubsets(s, flipped)), true, 'a pod became ready');
    assert.equal(endpointsNeedWrite(stored, svc(s.spec, { labels: { app: 'web' } }), subsets), true, 'a service label removed');
    assert.equal(endpointsNeedWrite({ ...stored, metadata: { ...stored.metadata, labels: { app: 'web', team: 'a', x: 'y' } } }, s, subsets), true, 'a label added by hand');
  });

  it('an update keeps the stored metadata (resourceVersion as precondition, annotations) and replaces labels and subsets', () => {
    const current: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '42', labels: { stale: 'yes' }, annotations: { note: 'kept' } },
      subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 1, protocol: 'TCP' }] }],
    };
    const next = endpointsFor(svc(), [], deepFreeze(current));
    assert.deepEqual(next, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '42', annotations: { note: 'kept' } } });
    assert.equal(endpointsNeedWrite(next, svc(), []), false);
  });

  it('a headless service\'s Endpoints carry the headless label', () => {
    assert.deepEqual(endpointsLabels(svc({ clusterIP: 'None' }, { labels: { app: 'web' } })), { app: 'web', [HEADLESS_SERVICE_LABEL]: '' });
    assert.deepEqual(endpointsLabels(svc({ clusterIP: '10.96.0.10' })), {});
  });

  it('leader-election records are never deleted as orphans', () => {
    const ep = (annotations?: Record<string, string>): Endpoints => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'x', ...(annotations ? { annotations } : {}) } });
    assert.equal(isOrphanDeletable(ep()), true);
    assert.equal(isOrphanDeletable(ep({ [LEADER_ELECTION_ANNOTATION]: '{}' })), false);
  });
});

describe('podEndpointsChanged', () => {
  const base = pod('a', '10.0.0.1', { ports: [named('http', 8080)] });
  const withStatus = (p: Pod, status: Partial<NonNullable<Pod['status']>>): Pod => ({ ...p, status: { ...p.status, ...status } });

  it('a status change no address depends on is not a change', () => {
    assert.equal(podEndpointsChanged(base, withStatus(base, { containerStatuses: [{ name: 'app', ready: true, restartCount: 3, image: 'nginx' }] })), false);
    assert.equal(podEndpointsChanged(base, { ...base, metadata: { ...base.metadata, annotations: { a: 'b' }, resourceVersion: '9' } }), false);
  });

  it('readiness, IP, phase, deletion, labels, node and hostname are', () => {
    const changes: [string, Pod][] = [
      ['not ready', pod('a', '10.0.0.1', { ports: [named('http', 8080)], ready: false })],
      ['new IP', withStatus(base, { podIP: '10.0.0.2' })],
      ['failed', withStatus(base, { phase: 'Failed' })],
      ['terminating', { ...base, metadata: { ...base.metadata, deletionTimestamp: at(0) } }],
      ['relabeled', { ...base, metadata: { ...base.metadata, labels: { app: 'db' } } }],
      ['hostname', { ...base, spec: { ...base.spec, hostname: 'a', subdomain: 'web' } }],
    ];
    for (const [what, next] of changes) assert.equal(podEndpointsChanged(base, next), true, what);
  });
});
