/**
 * The author of an event, in its message headers: who made the change (the authenticated user, and
 * whom they impersonated, as Kubernetes' audit events record `user` and `impersonatedUser`), with
 * which field manager and user agent, in which request. The gateway writes these headers on every
 * event it publishes; the projector copies them into the `events` mirror; the history API reads
 * them back. The header names below are the contract (one constant for all three).
 */

export const AUTHOR_HEADERS = {
  user: 'Jetkube-User',
  groups: 'Jetkube-Groups',
  uid: 'Jetkube-Uid',
  impersonatedUser: 'Jetkube-Impersonated-User',
  impersonatedGroups: 'Jetkube-Impersonated-Groups',
  fieldManager: 'Jetkube-Field-Manager',
  userAgent: 'Jetkube-User-Agent',
  requestId: 'Jetkube-Request-Id',
} as const;

export interface Author {
  /** The authenticated user. */
  readonly user?: string;
  readonly groups?: readonly string[];
  readonly uid?: string;
  /** Whom the user impersonated (Impersonate-User), if anyone: the identity the change was made as. */
  readonly impersonatedUser?: string;
  readonly impersonatedGroups?: readonly string[];
  readonly fieldManager?: string;
  readonly userAgent?: string;
  /** The request's audit id (the gateway's `Audit-Id` response header). */
  readonly requestId?: string;
}

/** Header values longer than this are cut (a user agent can be anything). */
export const AUTHOR_HEADER_MAX = 1024;

/** A header value: no control characters (a NATS header line cannot hold them), bounded. */
function headerValue(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, AUTHOR_HEADER_MAX);
}

/** Groups as one header value: comma-separated, a comma or % inside a name percent-encoded. */
function joinGroups(groups: readonly string[]): string {
  return groups.map((g) => g.replace(/%/g, '%25').replace(/,/g, '%2C')).join(',');
}

function splitGroups(v: string): string[] {
  return v
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean)
    .map((g) => g.replace(/%2C/gi, ',').replace(/%25/g, '%'));
}

const GROUP_KEYS = new Set<keyof Author>(['groups', 'impersonatedGroups']);

/** The headers naming an author, in AUTHOR_HEADERS order; empty values are left out. */
export function authorHeaders(a: Author): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  for (const [k, name] of Object.entries(AUTHOR_HEADERS) as Array<[keyof Author, string]>) {
    const v = a[k];
    if (v === undefined) continue;
    const s = headerValue(GROUP_KEYS.has(k) ? joinGroups(v as readonly string[]) : (v as string));
    if (s) out.push([name, s]);
  }
  return out;
}

interface Headers {
  get(k: string): string;
}

/** The author named by a message's headers, or undefined when it names none. */
export function authorOf(h: Headers | undefined): Author | undefined {
  if (!h) return undefined;
  const out: Record<string, string | string[]> = {};
  for (const [k, name] of Object.entries(AUTHOR_HEADERS) as Array<[keyof Author, string]>) {
    const v = h.get(name);
    if (!v) continue;
    out[k] = GROUP_KEYS.has(k) ? splitGroups(v) : v;
  }
  return Object.keys(out).length ? (out as Author) : undefined;
}

/** Who the change was made as: the impersonated user, else the authenticated one. */
export function actingAuthor(a: Author | undefined): string | undefined {
  return a?.impersonatedUser ?? a?.user;
}

/**
 * One word for a table: the user, or whom they impersonated with the user after `via`
 * (`bob (via admin)`); `<unknown>` for an event published without author headers.
 */
export function authorLabel(a: Author | undefined): string {
  const acting = actingAuthor(a);
  if (!acting) return '<unknown>';
  return a?.impersonatedUser && a.user ? `${acting} (via ${a.user})` : acting;
}
