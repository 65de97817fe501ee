/**
 * The DNS wire: dns2's UDP and TCP servers on one address and port, answering from a lookup
 * function (records.ts) and, outside the cluster zone, forwarding to an upstream or refusing.
 * Anything a query does wrong (undecodable, several questions, an opcode other than QUERY) gets
 * an error answer or is dropped, never an exception: a malformed packet cannot stop the server.
 */
import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import { Counter, Histogram, type Registry } from 'prom-client';
import { Packet, createTCPServer, createUDPServer, type Resource, type TCPServer, type UDPServer } from 'dns2';
import type { Logger } from '../../shared/log.js';
import type { DnsAddress } from '../../shared/cluster-dns.js';
import { forwardUdp, rcodeOf } from './forward.js';
import type { DnsAnswer, DnsRecord } from './records.js';

export interface DnsServerOptions {
  readonly host: string;
  /** 0: any free port (the same one for UDP and TCP). */
  readonly port: number;
  /** The cluster zone's answer to one question; undefined: the name is not in the zone. */
  readonly lookup: (name: string, type: string) => DnsAnswer | undefined;
  /** Forward names outside the zone here (else REFUSED). */
  readonly upstream?: DnsAddress;
  readonly forwardTimeoutMs?: number;
  readonly registry: Registry;
  readonly log: Logger;
}

export interface DnsServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const RCODE = Packet.RCODE;
const RCODE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(RCODE)
    .filter(([, v]) => v <= 15)
    .map(([k, v]) => [v, k]),
);
/** Query types counted by name; the rest as `other` (a client cannot blow up the label set). */
const COUNTED_TYPES = new Set(['A', 'AAAA', 'SRV', 'SOA', 'ANY', 'PTR', 'TXT', 'NS', 'CNAME', 'MX']);

interface DnsMetrics {
  readonly queries: Counter<'type' | 'rcode'>;
  readonly seconds: Histogram<'type'>;
  readonly malformed: Counter;
}

/** The metrics, registered once per registry (a restarted server in the same process reuses them). */
function dnsMetrics(r: Registry): DnsMetrics {
  const get = <M>(name: string, make: () => M): M => (r.getSingleMetric(name) as M | undefined) ?? make();
  return {
    queries: get('jetkube_dns_queries_total', () =>
      new Counter({ name: 'jetkube_dns_queries_total', help: 'DNS queries answered, by query type and response code', labelNames: ['type', 'rcode'], registers: [r] }),
    ),
    seconds: get('jetkube_dns_query_duration_seconds', () =>
      new Histogram({
        name: 'jetkube_dns_query_duration_seconds',
        help: 'Time from a query arriving to its answer being sent',
        labelNames: ['type'],
        buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5],
        registers: [r],
      }),
    ),
    malformed: get('jetkube_dns_malformed_requests_total', () =>
      new Counter({ name: 'jetkube_dns_malformed_requests_total', help: 'Requests that could not be decoded (dropped)', registers: [r] }),
    ),
  };
}

/** A response to `req` with `rcode`, carrying an OPT record when the query did (EDNS). */
function reply(req: Packet, rcode: number, authoritative = false): Packet {
  const res = Packet.createErrorResponseFromRequest(req, rcode);
  res.header.aa = authoritative ? 1 : 0;
  return res;
}

/** Our record to dns2's resource (its encoder dispatches on the numeric type). */
function toResource(r: DnsRecord): Resource {
  return { ...r, type: Packet.TYPE[r.type], class: Packet.CLASS.IN } as unknown as Resource;
}

function fromAnswer(req: Packet, a: DnsAnswer, recursionAvailable: boolean): Packet {
  const res = reply(req, a.rcode, true);
  res.header.ra = recursionAvailable ? 1 : 0;
  res.answers.push(...a.answers.map(toResource));
  res.authorities.push(...a.authorities.map(toResource));
  // Keep any OPT record `reply` added last, as resolvers expect.
  res.additionals.unshift(...a.additionals.map(toResource));
  return res;
}

export async function startDnsServer(o: DnsServerOptions): Promise<DnsServer> {
  const metrics = dnsMetrics(o.registry);
  const log = o.log;
  const forwardTimeoutMs = o.forwardTimeoutMs ?? 2000;

  /** The answer to one decoded request: a packet, or the upstream's raw reply. */
  async function respond(req: Packet): Promise<Packet | Buffer> {
    if (req.header.opcode !== 0) return reply(req, RCODE.NOTIMP);
    const q = req.questions[0];
    if (req.questions.length !== 1 || !q || req.errors.length > 0) return reply(req, RCODE.FORMERR);
    if (q.class !== Packet.CLASS.IN && q.class !== Packet.CLASS.ANY) return reply(req, RCODE.REFUSED);
    const a = o.lookup(q.name, Packet.typeName(q.type));
    if (a) return fromAnswer(req, a, o.upstream !== undefined);
    if (!o.upstream) return reply(req, RCODE.REFUSED);
    try {
      return await forwardUdp(o.upstream, req.toBuffer(), forwardTimeoutMs);
    } catch (err) {
      log.warn({ err, name: q.name }, 'forwarding to the upstream failed');
      return reply(req, RCODE.SERVFAIL);
    }
  }

  const handle = async (req: Packet, send: (res: Packet | Buffer) => unknown): Promise<void> => {
    const started = performance.now();
    const typeName = req.questions[0] ? Packet.typeName(req.questions[0].type) : 'none';
    const type = COUNTED_TYPES.has(typeName) ? typeName : 'other';
    let res: Packet | Buffer;
    try {
      res = await respond(req);
    } catch (err) {
      log.error({ err }, 'answering a query failed');
      res = reply(req, RCODE.SERVFAIL);
    }
    try {
      await send(res);
    } catch (err) {
      log.debug({ err }, 'sending an answer failed');
    }
    const rcode = Buffer.isBuffer(res) ? rcodeOf(res) : res.header.rcode;
    metrics.queries.inc({ type, rcode: RCODE_NAMES[rcode] ?? String(rcode) });
    metrics.seconds.observe({ type }, (performance.now() - started) / 1000);
  };
  const onRequest = (req: Packet, send: (res: Packet | Buffer) => unknown) => void handle(req, send);
  const onRequestError = (err: Error) => {
    metrics.malformed.inc();
    log.debug({ err: err.message }, 'undecodable request dropped');
  };

  const { udp, tcp, port } = await listen(o.host, o.port);
  const connections = new Set<Socket>();
  for (const s of [udp, tcp] as const) {
    s.on('request', onRequest);
    s.on('requestError', onRequestError);
    s.on('error', (err: Error) => log.error({ err }, 'DNS socket error'));
  }
  tcp.on('connection', (c: Socket) => {
    connections.add(c);
    c.once('close', () => connections.delete(c));
  });
  let closed: Promise<void> | undefined;
  return {
    host: o.host,
    port,
    close() {
      closed ??= (async () => {
        const udpClosed = new Promise<void>((r) => udp.close(() => r()));
        const tcpClosed = new Promise<void>((r) => tcp.close(() => r()));
        for (const c of connections) c.destroy();
        await Promise.all([udpClosed, tcpClosed]);
      })();
      return closed;
    },
  };
}

/**
 * Bind UDP, then TCP on the port UDP got. With port 0 another process may hold that TCP port:
 * try again with a fresh one.
 */
async function listen(host: string, port: number): Promise<{ udp: UDPServer; tcp: TCPServer; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const udp = createUDPServer({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
    try {
      await bound(udp, (done) => udp.bind(port, host, done));
    } catch (err) {
      udp.close();
      throw err;
    }
    const actual = udp.address().port;
    const tcp = createTCPServer();
    try {
      await bound(tcp, (done) => tcp.listen(actual, host, done));
      return { udp, tcp, port: actual };
    } catch (err) {
      udp.close();
      tcp.close();
      if (port !== 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 10) throw err;
    }
  }
}

/** Run `start` and resolve once it calls back, or reject on the socket's first 'error'. */
function bound(s: UDPServer | TCPServer, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    s.once('error', onError);
    start(() => {
      s.off('error', onError);
      resolve();
    });
  });
}
