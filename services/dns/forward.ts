/**
 * Forwarding for names outside the cluster zone (DNS_UPSTREAM): the query as one UDP datagram to
 * the upstream, its reply relayed as is. One socket per query, so a reply can only come from the
 * upstream we asked, and is matched on the query id as well.
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import type { DnsAddress } from '../../shared/cluster-dns.js';

export class ForwardTimeoutError extends Error {
  constructor(upstream: DnsAddress, timeoutMs: number) {
    super(`upstream ${upstream.host}:${upstream.port} did not answer within ${timeoutMs}ms`);
    this.name = 'ForwardTimeoutError';
  }
}

/** Send `query` (a whole DNS message) to `upstream` and resolve with its reply. */
export function forwardUdp(upstream: DnsAddress, query: Buffer, timeoutMs: number): Promise<Buffer> {
  const socket = createSocket(isIP(upstream.host) === 6 ? 'udp6' : 'udp4');
  const id = query.readUInt16BE(0);
  return new Promise<Buffer>((resolve, reject) => {
    let settled = false;
    const done = (err: Error | undefined, reply?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners('message');
      socket.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => done(new ForwardTimeoutError(upstream, timeoutMs)), timeoutMs);
    socket.on('error', (err) => done(err));
    socket.on('message', (msg, rinfo) => {
      if (rinfo.port !== upstream.port || rinfo.address !== upstream.host) return;
      if (msg.length < 12 || msg.readUInt16BE(0) !== id) return;
      done(undefined, msg);
    });
    socket.send(query, upstream.port, upstream.host, (err) => {
      if (err) done(err);
    });
  });
}

/** The rcode of a raw DNS message (the low 4 bits of its fourth octet). */
export const rcodeOf = (msg: Buffer): number => (msg.length >= 4 ? msg[3]! & 0x0f : 2);
