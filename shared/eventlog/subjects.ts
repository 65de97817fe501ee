/**
 * Subject layout (DESIGN.md, "The event log"):
 *
 *   <root>.res.<plural>.<namespace>.<name>    one object's whole history
 *   <root>.alloc.<pool>.<value>               unique reservations (cluster IPs, node ports)
 *
 * Cluster-scoped objects use the namespace token `_` (never a valid namespace). Names are encoded so
 * that a `.` in a DNS-1123 subdomain cannot split the subject: `.` becomes `_`, and any byte outside
 * [a-z0-9-] becomes `%HH` (so even a hostile name from a URL maps to one safe token and back).
 */

export const CLUSTER_NS_TOKEN = '_';

export function encodeToken(s: string): string {
  if (/^[a-z0-9-]+$/.test(s)) return s;
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[a-z0-9-]/.test(c)) out += c;
    else if (c === '.') out += '_';
    else out += `%${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

export function decodeToken(t: string): string {
  if (/^[a-z0-9-]+$/.test(t)) return t;
  const bytes: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (c === '_') bytes.push(0x2e);
    else if (c === '%') {
      bytes.push(parseInt(t.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

export function resourceSubject(root: string, plural: string, namespace: string | undefined, name: string): string {
  return `${root}.res.${plural}.${namespace ? encodeToken(namespace) : CLUSTER_NS_TOKEN}.${encodeToken(name)}`;
}

/** Filter subject for a watch/consumer: one resource type, optionally one namespace. */
export function resourceFilter(root: string, plural?: string, namespace?: string): string {
  if (!plural) return `${root}.res.>`;
  if (!namespace) return `${root}.res.${plural}.>`;
  return `${root}.res.${plural}.${encodeToken(namespace)}.*`;
}

export function allocSubject(root: string, pool: string, value: string): string {
  return `${root}.alloc.${pool}.${encodeToken(value)}`;
}

export interface ParsedSubject {
  readonly plural: string;
  /** '' for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
}

/** Parse a resource subject; undefined for anything else (allocations). */
export function parseResourceSubject(root: string, subject: string): ParsedSubject | undefined {
  const head = `${root}.res.`;
  if (!subject.startsWith(head)) return undefined;
  const parts = subject.slice(head.length).split('.');
  if (parts.length !== 3) return undefined;
  const [plural, ns, name] = parts as [string, string, string];
  return { plural, namespace: ns === CLUSTER_NS_TOKEN ? '' : decodeToken(ns), name: decodeToken(name) };
}
