/**
 * The cluster DNS against a real gateway, NATS and Postgres, asked through Node's own resolver
 * (c-ares, over UDP) and dns2's TCP client: a service's cluster IP, a headless service's ready
 * endpoints (Endpoints written through the API), a pod's stable name <hostname>.<subdomain> through the
 * Endpoints controller, SRV for a named port, pods by dashed IP once
 * their status has an IP, NXDOMAIN / NODATA / REFUSED, changes seen live, garbage datagrams
 * survived, forwarding to an upstream, and a restart on the same port.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { Packet, TCPClient, createServer, type DnsServer } from 'dns2';
import { createLogger } from '../../shared/log.js';
import { startDns, type DnsOptions, type RunningDns } from '../../services/dns/index.js';
import { startControllerManager, type RunningControllerManager } from '../../services/controller-manager/manager.js';
import { eventually } from '../controller-stack.js';
import { api, startStack, type Stack } from '../stack.js';

const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');
const NS = '/api/v1/namespaces/default';
const ZONE = 'cluster.local';

/** A fresh resolver per query: c-ares may cache, and each test wants the server's current answer. */
function resolver(port: number): Resolver {
  const r = new Resolver({ timeout: 2000, tries: 2 });
  r.setServers([`127.0.0.1:${port}`]);
  return r;
}

/** The error code a lookup fails with ('ok' when it succeeds). */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return String((e as NodeJS.ErrnoException).code);
  }
}

async function created(s: Stack, path: string, body: unknown): Promise<any> {
  const r = await api(s.url, 'POST', path, body);
  assert.equal(r.status, 201, `POST ${path}: ${JSON.stringify(r.body)}`);
  return r.body;
}

async function podWithIp(s: Stack, name: string, ip: string): Promise<void> {
  const p = await created(s, `${NS}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } });
  const r = await api(s.url, 'PUT', `${NS}/pods/${name}/status`, { ...p, status: { ...p.status, phase: 'Running', podIP: ip, podIPs: [{ ip }] } });
  assert.equal(r.status, 200, `PUT status: ${JSON.stringify(r.body)}`);
}

describe('cluster DNS', { timeout: 120_000 }, () => {
  let s: Stack;
  let dns: RunningDns;
  const start = (opts: DnsOptions = {}) => startDns({ ...s.cfg, gatewayUrl: s.url }, silent, { address: '127.0.0.1', port: 0, healthPort: 0, ...opts });
  const a4 = async (name: string) => (await resolver(dns.port).resolve4(name)).sort();

  before(async () => {
    s = await startStack('dns');
    await created(s, `${NS}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { clusterIP: '127.10.200.7', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    await created(s, `${NS}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db' },
      spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] },
    });
    const target = (ip: string, name: string, hostname?: string) => ({
      ip,
      ...(hostname ? { hostname } : {}),
      nodeName: 'node-1',
      targetRef: { kind: 'Pod', name, namespace: 'default' },
    });
    await created(s, `${NS}/endpoints`, {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'db' },
      subsets: [
        {
          addresses: [target('127.1.0.5', 'db-0', 'db-0'), target('127.1.0.6', 'db-1', 'db-1')],
          notReadyAddresses: [target('127.1.0.7', 'db-2', 'db-2')],
          ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
        },
      ],
    });
    await podWithIp(s, 'p1', '127.1.0.5');
    dns = await start();
  });

  after(async () => {
    await dns?.close();
    await s?.close();
  });

  it('a service: its cluster IP, over UDP and TCP', async () => {
    assert.deepEqual(await a4(`web.default.svc.${ZONE}`), ['127.10.200.7']);
    assert.deepEqual(await a4(`WEB.Default.svc.${ZONE}.`), ['127.10.200.7'], 'case-insensitive, trailing dot');
    const tcp = await TCPClient({ dns: '127.0.0.1', port: dns.port })(`web.default.svc.${ZONE}`, 'A');
    assert.equal(tcp.header.rcode, 0);
    assert.equal(tcp.header.aa, 1, 'authoritative');
    assert.deepEqual(tcp.answers.map((r) => [r.address, r.ttl]), [['127.10.200.7', 5]]);
  });

  it('a headless service: the ready endpoints, each by its hostname too', async () => {
    assert.deepEqual(await a4(`db.default.svc.${ZONE}`), ['127.1.0.5', '127.1.0.6']);
    assert.deepEqual(await a4(`db-1.db.default.svc.${ZONE}`), ['127.1.0.6']);
    assert.equal(await codeOf(a4(`db-2.db.default.svc.${ZONE}`)), 'ENOTFOUND', 'not ready: not published');
  });

  it('SRV for a named port', async () => {
    const web = await resolver(dns.port).resolveSrv(`_http._tcp.web.default.svc.${ZONE}`);
    assert.deepEqual(web, [{ name: `web.default.svc.${ZONE}`, port: 80, priority: 0, weight: 100 }]);
    const db = await resolver(dns.port).resolveSrv(`_pg._tcp.db.default.svc.${ZONE}`);
    assert.deepEqual(db.map((r) => `${r.name}:${r.port}`).sort(), [`db-0.db.default.svc.${ZONE}:5432`, `db-1.db.default.svc.${ZONE}:5432`]);
  });

  it('a pod by its dashed IP, once its status has one', async () => {
    assert.deepEqual(await a4(`127-1-0-5.default.pod.${ZONE}`), ['127.1.0.5']);
    assert.equal(await codeOf(a4(`127-1-0-99.default.pod.${ZONE}`)), 'ENOTFOUND');
    await podWithIp(s, 'p2', '127.1.0.99');
    assert.deepEqual(await eventually('the new pod IP', async () => (await a4(`127-1-0-99.default.pod.${ZONE}`).catch(() => undefined))), ['127.1.0.99']);
  });

  it('NXDOMAIN for unknown names, NODATA for another type, REFUSED outside the zone', async () => {
    assert.equal(await codeOf(a4(`nope.default.svc.${ZONE}`)), 'ENOTFOUND');
    assert.equal(await codeOf(resolver(dns.port).resolve6(`web.default.svc.${ZONE}`)), 'ENODATA');
    assert.equal(await codeOf(a4('example.com')), 'EREFUSED');
  });

  it('changes are seen live: a new service, new endpoints, a deleted service', async () => {
    await created(s, `${NS}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'late' }, spec: { clusterIP: '127.10.200.9', ports: [{ port: 80 }] } });
    assert.deepEqual(await eventually('the new service', () => a4(`late.default.svc.${ZONE}`).catch(() => undefined)), ['127.10.200.9']);

    const ep = (await api(s.url, 'GET', `${NS}/endpoints/db`)).body;
    const subset = ep.subsets[0];
    const moved = { ...ep, subsets: [{ ...subset, addresses: [...subset.addresses, ...subset.notReadyAddresses], notReadyAddresses: [] }] };
    assert.equal((await api(s.url, 'PUT', `${NS}/endpoints/db`, moved)).status, 200);
    await eventually('db-2 ready', async () => (await a4(`db.default.svc.${ZONE}`)).length === 3);

    assert.equal((await api(s.url, 'DELETE', `${NS}/services/late`)).status, 200);
    await eventually('NXDOMAIN after the delete', async () => (await codeOf(a4(`late.default.svc.${ZONE}`))) === 'ENOTFOUND');
  });

  it('a StatefulSet-style pod (hostname web-0, subdomain nginx) behind a headless service nginx: web-0.nginx answers', async () => {
    // Its own stack: the Endpoints controller would otherwise manage the other tests' services.
    // It turns the pods into addresses, with hostnames since their subdomain is the service.
    const own = await startStack('dnssts');
    let cm: RunningControllerManager | undefined;
    let ownDns: RunningDns | undefined;
    try {
      cm = await startControllerManager({ ...own.cfg, gatewayUrl: own.url }, silent, { controllers: ['endpoints'], workers: 2, leaderElection: { enabled: false } });
      const running = await startDns({ ...own.cfg, gatewayUrl: own.url }, silent, { address: '127.0.0.1', port: 0, healthPort: 0 });
      ownDns = running;
      const a4 = async (name: string) => (await resolver(running.port).resolve4(name)).sort();
      await created(own, `${NS}/services`, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'nginx' },
        spec: { clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ name: 'web', port: 80, targetPort: 'web' }] },
      });
      const member = async (name: string, ip: string, isReady: boolean) => {
        const p = await created(own, `${NS}/pods`, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, labels: { app: 'nginx' } },
          spec: { hostname: name, subdomain: 'nginx', containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ name: 'web', containerPort: 80 }] }] },
        });
        const status = { ...p.status, phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: isReady ? 'True' : 'False' }] };
        const r = await api(own.url, 'PUT', `${NS}/pods/${name}/status`, { ...p, status });
        assert.equal(r.status, 200, `PUT status: ${JSON.stringify(r.body)}`);
      };
      await member('web-0', '127.1.3.1', true);
      await member('web-1', '127.1.3.2', false);

      const fqdn = `web-0.nginx.default.svc.${ZONE}`;
      assert.deepEqual(await eventually(fqdn, () => a4(fqdn).catch(() => undefined)), ['127.1.3.1']);
      const ep = (await api(own.url, 'GET', `${NS}/endpoints/nginx`)).body;
      assert.deepEqual(ep.subsets[0].addresses.map((a: { hostname?: string; ip: string }) => [a.hostname, a.ip]), [['web-0', '127.1.3.1']]);
      assert.deepEqual(await a4(`nginx.default.svc.${ZONE}`), ['127.1.3.1'], 'the service name: ready pods only');
      assert.equal(await codeOf(a4(`web-1.nginx.default.svc.${ZONE}`)), 'ENOTFOUND', 'not ready: not published');
    } finally {
      await ownDns?.close();
      await cm?.close();
      await own.close();
    }
  });

  it('undecodable datagrams are dropped and counted, a query without a question is FORMERR; the server keeps answering', async () => {
    const sock = createSocket('udp4');
    const send = (b: Buffer) => new Promise<void>((r, j) => sock.send(b, dns.port, '127.0.0.1', (e) => (e ? j(e) : r())));
    for (const junk of [Buffer.from([1, 2, 3]), Buffer.alloc(12, 0xff), Buffer.from('not a dns message at all')]) await send(junk);
    const reply = new Promise<Buffer>((r) => sock.on('message', (m: Buffer) => m.readUInt16BE(0) === 0x1234 && r(m)));
    await send(Buffer.from([0x12, 0x34, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0])); // id 0x1234, RD, no question
    const formerr = await reply;
    sock.close();
    assert.equal(formerr.readUInt16BE(0), 0x1234);
    assert.equal(formerr[3]! & 0x0f, 1, 'FORMERR');

    const tcp = connect(dns.port, '127.0.0.1');
    await once(tcp, 'connect');
    tcp.end(Buffer.from([0, 5, 1, 2, 3, 4, 5])); // a framed message that is no DNS message
    await once(tcp, 'close');
    assert.deepEqual(await a4(`web.default.svc.${ZONE}`), ['127.10.200.7']);
    const metrics = await (await fetch(`${dns.url}/metrics`)).text();
    assert.match(metrics, /jetkube_dns_malformed_requests_total [1-9]/);
    assert.match(metrics, /jetkube_dns_queries_total\{type="A",rcode="NOERROR"\} [1-9]/);
    assert.match(metrics, /jetkube_dns_queries_total\{type="A",rcode="NXDOMAIN"\} [1-9]/);
    assert.match(metrics, /jetkube_dns_query_duration_seconds_count\{type="A"\} [1-9]/);
    assert.equal((await fetch(`${dns.url}/readyz`)).status, 200);
  });

  it('names outside the zone go to DNS_UPSTREAM when one is set', async () => {
    const upstream: DnsServer = createServer({
      udp: true,
      handle: (req, send) => {
        const res = Packet.createResponseFromRequest(req);
        const q = req.questions[0]!;
        if (q.name === 'example.test') res.answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 60, address: '192.0.2.1' } as never);
        else res.header.rcode = Packet.RCODE.NXDOMAIN;
        void send(res);
      },
    });
    const addrs = await upstream.listen({ udp: { port: 0, address: '127.0.0.1' } });
    const fwd = await start({ upstream: { host: '127.0.0.1', port: addrs.udp!.port } });
    try {
      const r = resolver(fwd.port);
      assert.deepEqual(await r.resolve4('example.test'), ['192.0.2.1']);
      assert.equal(await codeOf(resolver(fwd.port).resolve4('missing.test')), 'ENOTFOUND');
      assert.deepEqual(await resolver(fwd.port).resolve4(`web.default.svc.${ZONE}`), ['127.10.200.7'], 'the zone is still ours');
    } finally {
      await fwd.close();
      await upstream.close();
    }
  });

  it('a restart on the same port answers from the log at once', async () => {
    const port = dns.port;
    await dns.close();
    const down = new Resolver({ timeout: 300, tries: 1 });
    down.setServers([`127.0.0.1:${port}`]);
    assert.notEqual(await codeOf(down.resolve4(`web.default.svc.${ZONE}`)), 'ok', 'nothing answers while it is down');
    dns = await start({ port });
    assert.equal(dns.port, port);
    assert.deepEqual(await a4(`web.default.svc.${ZONE}`), ['127.10.200.7']);
    assert.deepEqual(await a4(`db.default.svc.${ZONE}`), ['127.1.0.5', '127.1.0.6', '127.1.0.7']);
    assert.equal(await codeOf(a4(`late.default.svc.${ZONE}`)), 'ENOTFOUND');
  });
});
