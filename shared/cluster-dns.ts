/**
 * Where the cluster DNS lives, as the environment says it (pure, no dependencies): `CLUSTER_DNS`
 * is `ip` or `ip:port` (`[v6]:port` for IPv6), default 127.0.0.10:53, and `CLUSTER_DOMAIN` the
 * zone it serves, default cluster.local. The DNS service binds what these say and the kubelet
 * hands the same values to every pod, so both parse them here and can never disagree.
 */
import { isIP } from 'node:net';

export interface DnsAddress {
  readonly host: string;
  readonly port: number;
}

export const DEFAULT_CLUSTER_DNS: DnsAddress = { host: '127.0.0.10', port: 53 };
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/** `ip`, `ip:port`, `v6` or `[v6]:port` (port defaults to 53); empty/undefined: `dflt`. */
export function parseDnsAddress(s: string | undefined, name = 'CLUSTER_DNS', dflt: DnsAddress = DEFAULT_CLUSTER_DNS): DnsAddress {
  const v = s?.trim();
  if (!v) return dflt;
  const fail = (): never => {
    throw new Error(`${name} must be ip or ip:port (e.g. 127.0.0.10:53), got "${s}"`);
  };
  let host = v;
  let port = '53';
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(v);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2] ?? port;
  } else if (isIP(v) === 0) {
    const i = v.lastIndexOf(':');
    if (i <= 0) fail();
    host = v.slice(0, i);
    port = v.slice(i + 1);
  }
  const n = Number(port);
  if (isIP(host) === 0 || !/^\d+$/.test(port) || n < 1 || n > 65535) fail();
  return { host, port: n };
}

/** Parse `CLUSTER_DNS` (default 127.0.0.10:53). */
export function parseClusterDns(s: string | undefined): DnsAddress {
  return parseDnsAddress(s, 'CLUSTER_DNS');
}

/** `ip:port`, with brackets around an IPv6 address. */
export function formatDnsAddress(a: DnsAddress): string {
  return `${isIP(a.host) === 6 ? `[${a.host}]` : a.host}:${a.port}`;
}

const LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** `CLUSTER_DOMAIN` lower-cased without a trailing dot; every label a DNS-1123 label. */
export function parseClusterDomain(s: string | undefined): string {
  const v = (s?.trim() || DEFAULT_CLUSTER_DOMAIN).toLowerCase().replace(/\.$/, '');
  if (!v.split('.').every((l) => LABEL_RE.test(l))) throw new Error(`CLUSTER_DOMAIN must be a DNS domain (e.g. cluster.local), got "${s}"`);
  return v;
}
