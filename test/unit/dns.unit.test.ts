/**
 * The cluster zone's answers (services/dns/records.ts) and the CLUSTER_DNS / CLUSTER_DOMAIN
 * parsers: services with a cluster IP, headless services and their endpoints, SRV for named
 * ports, pods by dashed IP, NXDOMAIN vs NODATA (both with the SOA), names outside the zone, case
 * and the trailing dot; and a StatefulSet pod's stable name through the Endpoints controller.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatDnsAddress, parseClusterDns, parseClusterDomain, parseDnsAddress } from '../../shared/cluster-dns.js';
import { dnsOptionsFromEnv } from '../../services/dns/index.js';
import { answer, NOERROR, NXDOMAIN, podIpKeys, staticView, type DnsAnswer, type DnsRecord } from '../../services/dns/records.js';
import type { EndpointSubset, Endpoints, Pod, Service, ServiceSpec } from '../../shared/resources/types.js';
import { desiredSubsets, endpointsFor } from '../../services/controller-manager/endpoints/plan.js';
import { defaultStatefulSet, newStatefulSetPod } from '../../services/controller-manager/statefulset/index.js';

const service = (name: string, spec: ServiceSpec, namespace = 'default'): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec,
});

const endpoints = (name: string, subsets: EndpointSubset[], namespace = 'default'): Endpoints => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name, namespace },
  subsets,
});

const pod = (name: string, podIP: string | undefined, namespace = 'default', phase: 'Running' | 'Succeeded' = 'Running'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace },
  spec: { containers: [{ name: 'main', image: 'busybox' }] },
  status: { phase, ...(podIP ? { podIP } : {}) },
});

const target = (ip: string, name: string) => ({ ip, nodeName: 'node-1', targetRef: { kind: 'Pod', name, namespace: 'default' } });

const view = staticView({
  services: [
    service('web', { clusterIP: '127.10.0.7', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }, { port: 9000 }] }),
    service('db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }),
    service('empty', { clusterIP: 'None' }),
    service('loud', { clusterIP: 'None', publishNotReadyAddresses: true }),
    service('api', { clusterIP: '127.10.3.3' }, 'team-a'),
  ],
  endpoints: [
    endpoints('db', [
      {
        addresses: [
          { ...target('127.1.0.5', 'db-0'), hostname: 'db-0' },
          { ...target('127.1.0.6', 'db-1'), hostname: 'db-1' },
          target('127.1.0.8', 'db-x'),
        ],
        notReadyAddresses: [{ ...target('127.1.0.9', 'db-2'), hostname: 'db-2' }],
        ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
      },
    ]),
    endpoints('loud', [{ addresses: [target('127.1.1.1', 'a')], notReadyAddresses: [target('127.1.1.2', 'b')], ports: [{ port: 1 }] }]),
  ],
  pods: [pod('p1', '127.1.0.5'), pod('p2', '127.1.2.2', 'team-a'), pod('done', '127.1.0.99', 'default', 'Succeeded'), pod('pending', undefined)],
  namespaces: ['default', 'team-a', 'quiet'],
});

const zone = { domain: 'cluster.local', ttl: 5, serial: 42 };
const ask = (name: string, type = 'A'): DnsAnswer => {
  const a = answer(name, type, view, zone);
  assert.ok(a, `${name} is in the zone`);
  return a;
};
const addresses = (rs: readonly DnsRecord[]) => rs.map((r) => (r.type === 'A' ? r.address : `${r.type}?`)).sort();
const srvs = (rs: readonly DnsRecord[]) => rs.map((r) => (r.type === 'SRV' ? `${r.port} ${r.target}` : `${r.type}?`)).sort();

function assertNxdomain(name: string, type = 'A'): void {
  const a = ask(name, type);
  assert.equal(a.rcode, NXDOMAIN, `${name} ${type}: NXDOMAIN`);
  assert.deepEqual(a.answers, []);
  assert.equal(a.authorities[0]?.type, 'SOA', 'with the SOA in authority');
}

function assertNodata(name: string, type: string): void {
  const a = ask(name, type);
  assert.equal(a.rcode, NOERROR, `${name} ${type}: NOERROR`);
  assert.deepEqual(a.answers, [], 'no answers');
  assert.equal(a.authorities[0]?.type, 'SOA', 'with the SOA in authority');
}

describe('dns records: services', () => {
  it('a service with a cluster IP: one A record, TTL and the name as asked', () => {
    const a = ask('web.default.svc.cluster.local');
    assert.equal(a.rcode, NOERROR);
    assert.deepEqual(a.answers, [{ type: 'A', name: 'web.default.svc.cluster.local', ttl: 5, address: '127.10.0.7' }]);
    assert.deepEqual(a.authorities, []);
    assert.deepEqual(addresses(ask('api.team-a.svc.cluster.local').answers), ['127.10.3.3']);
  });

  it('names are case-insensitive, a trailing dot is fine, answers keep the case asked', () => {
    const a = ask('Web.DEFAULT.svc.Cluster.Local.');
    assert.deepEqual(addresses(a.answers), ['127.10.0.7']);
    assert.equal(a.answers[0]!.name, 'Web.DEFAULT.svc.Cluster.Local');
    assert.deepEqual(addresses(ask('web.default.svc.cluster.local', 'a').answers), ['127.10.0.7'], 'type names too');
  });

  it('a headless service: one A per ready endpoint; not-ready ones only with publishNotReadyAddresses', () => {
    assert.deepEqual(addresses(ask('db.default.svc.cluster.local').answers), ['127.1.0.5', '127.1.0.6', '127.1.0.8']);
    assert.deepEqual(addresses(ask('loud.default.svc.cluster.local').answers), ['127.1.1.1', '127.1.1.2']);
  });

  it('a headless service without endpoints exists: NODATA', () => {
    assertNodata('empty.default.svc.cluster.local', 'A');
  });

  it('headless endpoints by hostname, or by dashed IP when they have none', () => {
    assert.deepEqual(addresses(ask('db-0.db.default.svc.cluster.local').answers), ['127.1.0.5']);
    assert.deepEqual(addresses(ask('DB-1.db.default.svc.cluster.local.').answers), ['127.1.0.6']);
    assert.deepEqual(addresses(ask('127-1-0-8.db.default.svc.cluster.local').answers), ['127.1.0.8']);
    assertNxdomain('db-2.db.default.svc.cluster.local'); // not ready
    assertNxdomain('db-9.db.default.svc.cluster.local');
    assertNxdomain('x.web.default.svc.cluster.local'); // endpoint names exist for headless services only
  });

  it('another type for an existing name is NODATA', () => {
    assertNodata('web.default.svc.cluster.local', 'AAAA');
    assertNodata('db-0.db.default.svc.cluster.local', 'TXT');
  });

  it('unknown services, namespaces and shapes are NXDOMAIN', () => {
    assertNxdomain('nope.default.svc.cluster.local');
    assertNxdomain('web.team-a.svc.cluster.local');
    assertNxdomain('a.b.web.default.svc.cluster.local');
    assertNxdomain('web.default.cluster.local');
    assertNxdomain('nothing.cluster.local', 'AAAA');
  });
});

describe('dns records: SRV', () => {
  it('_port._proto on a cluster-IP service: the port, targeting the service, its A record in additionals', () => {
    const a = ask('_http._tcp.web.default.svc.cluster.local', 'SRV');
    assert.equal(a.rcode, NOERROR);
    assert.deepEqual(a.answers, [{ type: 'SRV', name: '_http._tcp.web.default.svc.cluster.local', ttl: 5, priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
    assert.deepEqual(a.additionals, [{ type: 'A', name: 'web.default.svc.cluster.local', ttl: 5, address: '127.10.0.7' }]);
    assert.deepEqual(srvs(ask('_DNS._UDP.web.default.svc.cluster.local', 'SRV').answers), ['53 web.default.svc.cluster.local']);
  });

  it('a wrong port name or protocol is NXDOMAIN; the SRV name asked for A is NODATA', () => {
    assertNxdomain('_http._udp.web.default.svc.cluster.local', 'SRV');
    assertNxdomain('_ftp._tcp.web.default.svc.cluster.local', 'SRV');
    assertNxdomain('http.tcp.web.default.svc.cluster.local', 'SRV');
    assertNodata('_http._tcp.web.default.svc.cluster.local', 'A');
  });

  it('on a headless service: one SRV per ready endpoint, targeting the endpoint names', () => {
    const a = ask('_pg._tcp.db.default.svc.cluster.local', 'SRV');
    assert.deepEqual(srvs(a.answers), [
      '5432 127-1-0-8.db.default.svc.cluster.local',
      '5432 db-0.db.default.svc.cluster.local',
      '5432 db-1.db.default.svc.cluster.local',
    ]);
    assert.ok(a.answers.every((r) => r.type === 'SRV' && r.weight === 33));
    assert.deepEqual(
      a.additionals.map((r) => `${r.name} ${r.type === 'A' ? r.address : ''}`).sort(),
      ['127-1-0-8.db.default.svc.cluster.local 127.1.0.8', 'db-0.db.default.svc.cluster.local 127.1.0.5', 'db-1.db.default.svc.cluster.local 127.1.0.6'],
    );
  });

  it('SRV on the service name itself: every port', () => {
    assert.deepEqual(srvs(ask('web.default.svc.cluster.local', 'SRV').answers), [
      '53 web.default.svc.cluster.local',
      '80 web.default.svc.cluster.local',
      '9000 web.default.svc.cluster.local',
    ]);
  });
});

describe('dns records: pods', () => {
  it('<a-b-c-d>.<ns>.pod: A when a pod in that namespace has the IP (pods verified)', () => {
    assert.deepEqual(ask('127-1-0-5.default.pod.cluster.local').answers, [{ type: 'A', name: '127-1-0-5.default.pod.cluster.local', ttl: 5, address: '127.1.0.5' }]);
    assert.deepEqual(addresses(ask('127-1-2-2.team-a.pod.cluster.local').answers), ['127.1.2.2']);
  });

  it('no such pod, another namespace, a finished pod or no IP shape: NXDOMAIN', () => {
    assertNxdomain('127-1-0-6.default.pod.cluster.local');
    assertNxdomain('127-1-2-2.default.pod.cluster.local');
    assertNxdomain('127-1-0-99.default.pod.cluster.local');
    assertNxdomain('127-1-0-256.default.pod.cluster.local');
    assertNxdomain('127-01-0-5.default.pod.cluster.local');
    assertNxdomain('p1.default.pod.cluster.local');
  });

  it('podIpKeys: namespace/ip of status.podIP and podIPs; none for pods that finished or have no IP', () => {
    assert.deepEqual(podIpKeys({ ...pod('x', '127.1.0.1'), status: { podIP: '127.1.0.1', podIPs: [{ ip: '127.1.0.1' }, { ip: 'fd00::1' }] } }), ['default/127.1.0.1', 'default/fd00::1']);
    assert.deepEqual(podIpKeys(pod('y', '127.1.0.1', 'default', 'Succeeded')), []);
    assert.deepEqual(podIpKeys(pod('z', undefined)), []);
  });
});

describe('dns records: the zone', () => {
  it('the apex answers SOA; with the serial and TTL given', () => {
    const a = ask('cluster.local.', 'SOA');
    assert.equal(a.rcode, NOERROR);
    assert.equal(a.answers.length, 1);
    const soa = a.answers[0]!;
    assert.equal(soa.type, 'SOA');
    if (soa.type === 'SOA') {
      assert.equal(soa.name, 'cluster.local');
      assert.equal(soa.primary, 'ns.dns.cluster.local');
      assert.equal(soa.serial, 42);
      assert.equal(soa.minimum, 5);
    }
  });

  it('empty non-terminals are NODATA: the apex, svc, pod, and namespaces that exist', () => {
    assertNodata('cluster.local', 'A');
    assertNodata('svc.cluster.local', 'A');
    assertNodata('pod.cluster.local', 'A');
    assertNodata('default.svc.cluster.local', 'A');
    assertNodata('quiet.svc.cluster.local', 'A');
    assertNodata('team-a.pod.cluster.local', 'A');
    assertNxdomain('ghost.svc.cluster.local');
    assertNxdomain('ghost.pod.cluster.local');
  });

  it('names outside the zone are not answered (undefined: the server forwards or refuses)', () => {
    assert.equal(answer('example.com', 'A', view, zone), undefined);
    assert.equal(answer('web.default.svc.cluster.localhost', 'A', view, zone), undefined);
    assert.equal(answer('xcluster.local', 'A', view, zone), undefined);
    assert.equal(answer('local', 'A', view, zone), undefined);
  });

  it('another cluster domain', () => {
    const z = { domain: 'k8s.internal', ttl: 30 };
    assert.deepEqual(answer('web.default.svc.k8s.internal', 'A', view, z)?.answers, [{ type: 'A', name: 'web.default.svc.k8s.internal', ttl: 30, address: '127.10.0.7' }]);
    assert.equal(answer('web.default.svc.cluster.local', 'A', view, z), undefined);
  });
});

describe('dns config: CLUSTER_DNS, CLUSTER_DOMAIN and the service options', () => {
  it('parses ip, ip:port and [v6]:port; defaults to 127.0.0.10:53', () => {
    assert.deepEqual(parseClusterDns(undefined), { host: '127.0.0.10', port: 53 });
    assert.deepEqual(parseClusterDns(''), { host: '127.0.0.10', port: 53 });
    assert.deepEqual(parseClusterDns('127.0.0.11'), { host: '127.0.0.11', port: 53 });
    assert.deepEqual(parseClusterDns(' 127.0.0.11:5353 '), { host: '127.0.0.11', port: 5353 });
    assert.deepEqual(parseClusterDns('::1'), { host: '::1', port: 53 });
    assert.deepEqual(parseClusterDns('[::1]:5353'), { host: '::1', port: 5353 });
    assert.equal(formatDnsAddress({ host: '::1', port: 53 }), '[::1]:53');
    assert.equal(formatDnsAddress({ host: '127.0.0.10', port: 53 }), '127.0.0.10:53');
  });

  it('rejects hostnames, bad ports and junk, naming the variable', () => {
    for (const bad of ['dns.local', 'dns.local:53', '127.0.0.10:0', '127.0.0.10:65536', '127.0.0.10:x', ':53', '127.0.0.300']) {
      assert.throws(() => parseClusterDns(bad), /CLUSTER_DNS/, bad);
    }
    assert.throws(() => parseDnsAddress('nope', 'DNS_UPSTREAM'), /DNS_UPSTREAM/);
  });

  it('CLUSTER_DOMAIN: lower case, no trailing dot, DNS labels only', () => {
    assert.equal(parseClusterDomain(undefined), 'cluster.local');
    assert.equal(parseClusterDomain('Cluster.Local.'), 'cluster.local');
    assert.equal(parseClusterDomain('k8s'), 'k8s');
    assert.throws(() => parseClusterDomain('bad_domain.local'), /CLUSTER_DOMAIN/);
    assert.throws(() => parseClusterDomain('a..b'), /CLUSTER_DOMAIN/);
  });

  it('dnsOptionsFromEnv', () => {
    assert.deepEqual(dnsOptionsFromEnv({}), { address: '127.0.0.10', port: 53, domain: 'cluster.local', ttl: 5 });
    assert.deepEqual(dnsOptionsFromEnv({ CLUSTER_DNS: '127.0.0.53:1053', CLUSTER_DOMAIN: 'corp.', DNS_TTL: '30', DNS_UPSTREAM: '127.0.0.1:5300' }), {
      address: '127.0.0.53',
      port: 1053,
      domain: 'corp',
      ttl: 30,
      upstream: { host: '127.0.0.1', port: 5300 },
    });
    assert.throws(() => dnsOptionsFromEnv({ DNS_TTL: '-1' }), /DNS_TTL/);
  });
});

describe('dns records: stable pod names (hostname + subdomain behind a headless service)', () => {
  // The chain a StatefulSet pod goes through: the planner's pod (hostname = its name, subdomain =
  // spec.serviceName), the Endpoints controller's subsets (hostname set when the subdomain is the
  // service), and the zone's answers.
  const set = defaultStatefulSet({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'set-uid' },
    spec: {
      replicas: 3,
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ name: 'web', containerPort: 80 }] }] } },
    },
  });
  const running = (ordinal: number, ip: string, isReady: boolean): Pod => {
    const p = newStatefulSetPod(set, set.spec.template, ordinal, 'web-rev');
    return {
      ...p,
      metadata: { ...p.metadata, uid: `uid-${ordinal}` },
      status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: isReady ? 'True' : 'False' }] },
    };
  };
  const stray: Pod = {
    ...pod('stray', '127.2.0.9'),
    metadata: { name: 'stray', namespace: 'default', labels: { app: 'nginx' } },
    spec: { containers: [{ name: 'm', image: 'x', ports: [{ name: 'web', containerPort: 80 }] }], hostname: 'stray', subdomain: 'other' },
    status: { phase: 'Running', podIP: '127.2.0.9', conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const pods = [running(0, '127.2.0.1', true), running(1, '127.2.0.2', true), running(2, '127.2.0.3', false), stray];

  const zoneFor = (svc: Service) => {
    const ep = endpointsFor(svc, desiredSubsets(svc, pods));
    const v = staticView({ services: [svc], endpoints: [ep], pods, namespaces: ['default'] });
    return (name: string, type = 'A') => answer(name, type, v, zone)!;
  };
  const headlessSvc = (publishNotReadyAddresses = false): Service =>
    service('nginx', { clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ name: 'web', port: 80, targetPort: 'web' }], ...(publishNotReadyAddresses ? { publishNotReadyAddresses } : {}) });

  it('<hostname>.<subdomain>.<ns>.svc answers the pod IP; the service name answers every ready pod', () => {
    const q = zoneFor(headlessSvc());
    assert.deepEqual(addresses(q('web-0.nginx.default.svc.cluster.local').answers), ['127.2.0.1']);
    assert.deepEqual(addresses(q('web-1.nginx.default.svc.cluster.local').answers), ['127.2.0.2']);
    assert.deepEqual(addresses(q('nginx.default.svc.cluster.local').answers), ['127.2.0.1', '127.2.0.2', '127.2.0.9']);
  });

  it('a pod that is not ready is not published; with publishNotReadyAddresses it is', () => {
    assert.equal(zoneFor(headlessSvc())('web-2.nginx.default.svc.cluster.local').rcode, NXDOMAIN);
    const loud = zoneFor(headlessSvc(true));
    assert.deepEqual(addresses(loud('web-2.nginx.default.svc.cluster.local').answers), ['127.2.0.3']);
    assert.deepEqual(addresses(loud('nginx.default.svc.cluster.local').answers), ['127.2.0.1', '127.2.0.2', '127.2.0.3', '127.2.0.9']);
  });

  it('a selected pod whose subdomain is another service is named by its dashed IP, not its hostname', () => {
    const q = zoneFor(headlessSvc());
    assert.equal(q('stray.nginx.default.svc.cluster.local').rcode, NXDOMAIN);
    assert.deepEqual(addresses(q('127-2-0-9.nginx.default.svc.cluster.local').answers), ['127.2.0.9']);
  });

  it('SRV on the headless service targets the stable names', () => {
    const q = zoneFor(headlessSvc());
    assert.deepEqual(srvs(q('_web._tcp.nginx.default.svc.cluster.local', 'SRV').answers), [
      '80 127-2-0-9.nginx.default.svc.cluster.local',
      '80 web-0.nginx.default.svc.cluster.local',
      '80 web-1.nginx.default.svc.cluster.local',
    ]);
  });

  it('a service with a cluster IP of that name: the per-pod names do not exist', () => {
    const q = zoneFor(service('nginx', { clusterIP: '127.10.9.9', selector: { app: 'nginx' }, ports: [{ name: 'web', port: 80 }] }));
    assert.equal(q('web-0.nginx.default.svc.cluster.local').rcode, NXDOMAIN);
    assert.deepEqual(addresses(q('nginx.default.svc.cluster.local').answers), ['127.10.9.9']);
  });
});
