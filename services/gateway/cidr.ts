/**
 * IPv4 CIDR arithmetic for the pod-range allocator: parse, canonicalise, split a cluster range
 * into per-node blocks and order the candidate blocks for a node. Pure functions, no I/O.
 */

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly base: number;
  /** Prefix length, 0..32. */
  readonly bits: number;
}

export function parseIpv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

const maskOf = (bits: number): number => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);

/** `a.b.c.d/n` with its host bits as given (see canonicalCidr); undefined if it is not one. */
export function parseIpv4Cidr(s: string): Ipv4Cidr | undefined {
  const m = /^([0-9.]+)\/(0|[1-9][0-9]?)$/.exec(s);
  if (!m) return undefined;
  const base = parseIpv4(m[1]!);
  const bits = Number(m[2]);
  if (base === undefined || bits > 32) return undefined;
  return { base, bits };
}

/** The same prefix with the host bits cleared: 10.1.2.3/16 → 10.1.0.0/16. */
export function canonicalCidr(c: Ipv4Cidr): Ipv4Cidr {
  return { base: (c.base & maskOf(c.bits)) >>> 0, bits: c.bits };
}

export function formatCidr(c: Ipv4Cidr): string {
  return `${formatIpv4(c.base)}/${c.bits}`;
}

/** The number of addresses a prefix covers (2^(32-bits)). */
const sizeOf = (bits: number): number => 2 ** (32 - bits);

export function overlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  const ac = canonicalCidr(a);
  const bc = canonicalCidr(b);
  return ac.base < bc.base + sizeOf(bc.bits) && bc.base < ac.base + sizeOf(ac.bits);
}

/** A cluster pod range cut into equal per-node blocks (Kubernetes' --cluster-cidr and --node-cidr-mask-size). */
export interface BlockRange {
  readonly range: Ipv4Cidr;
  /** Prefix length of one node's block, e.g. 24. */
  readonly blockBits: number;
  /** How many blocks the range holds. */
  readonly count: number;
}

/**
 * Parse a cluster pod range; throws an Error naming `what` (the setting) on anything that is not a
 * canonical IPv4 CIDR large enough for at least one block.
 */
export function parseBlockRange(s: string, blockBits = 24, what = 'CLUSTER_POD_CIDR'): BlockRange {
  const c = parseIpv4Cidr(s.trim());
  if (!c) {
    throw new Error(`${what} must be an IPv4 CIDR such as 127.64.0.0/10, got "${s}"`);
  }
  const canon = canonicalCidr(c);
  if (canon.base !== c.base) {
    throw new Error(`${what} "${s}" has host bits set; did you mean ${formatCidr(canon)}?`);
  }
  if (c.bits > blockBits) {
    throw new Error(`${what} "${s}" is smaller than one node's /${blockBits} block; use a prefix of /${blockBits} or shorter`);
  }
  return { range: c, blockBits, count: 2 ** (blockBits - c.bits) };
}

/** Block `i` (0-based) of the range, formatted: 127.64.5.0/24. */
export function blockAt(r: BlockRange, i: number): string {
  return formatCidr({ base: r.range.base + i * sizeOf(r.blockBits), bits: r.blockBits });
}

/** FNV-1a, 32 bits: a small stable hash, so a name maps to the same start on every gateway. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Every block of the range in the order a node named `name` should try them: a start derived
 * from the name's hash, then sequentially, wrapping around. The same name always starts at the
 * same block, so a node that re-registers usually gets its old range back.
 */
export function* candidateBlocks(r: BlockRange, name: string): Generator<string> {
  const start = fnv1a32(name) % r.count;
  for (let k = 0; k < r.count; k++) yield blockAt(r, (start + k) % r.count);
}

/**
 * The blocks an explicit CIDR occupies inside the range: [] when it lies outside, the covering
 * blocks otherwise (one block for anything of /blockBits or smaller). More than `max` blocks is
 * refused with undefined (the caller says why).
 */
export function blocksCovering(r: BlockRange, c: Ipv4Cidr, max = 256): string[] | undefined {
  if (!overlaps(r.range, c)) return [];
  const canon = canonicalCidr(c);
  const lo = Math.max(canon.base, r.range.base);
  const hi = Math.min(canon.base + sizeOf(canon.bits), r.range.base + sizeOf(r.range.bits));
  const block = sizeOf(r.blockBits);
  const first = Math.floor((lo - r.range.base) / block);
  const last = Math.floor((hi - 1 - r.range.base) / block);
  if (last - first + 1 > max) return undefined;
  const out: string[] = [];
  for (let i = first; i <= last; i++) out.push(blockAt(r, i));
  return out;
}
