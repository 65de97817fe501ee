/**
 * The console's routes (hash routing: `#/pods?ns=default`), parsed and formatted. Pure, so the
 * console (console/src) and the unit tests share it.
 */

export type Route =
  | { readonly page: 'nodes' | 'workloads' | 'pods' | 'services' | 'events' | 'resources' | 'timeline' | 'topology' | 'compare'; readonly kind?: string; readonly name?: string }
  | { readonly page: 'object'; readonly apiPath: string; readonly name: string; readonly namespace?: string };

export interface Location {
  readonly route: Route;
  /** The namespace selected; '' = all namespaces. */
  readonly namespace: string;
}

const LIST_PAGES = new Set(['nodes', 'workloads', 'pods', 'services', 'events', 'resources', 'timeline', 'topology', 'compare']);

export const DEFAULT_NAMESPACE = 'default';

/**
 * `#/pods?ns=x`, `#/resources/Deployment`, `#/timeline/Deployment/web`, and an object:
 * `#/object/<apiPath with / as ~>/<name>?ns=x`, apiPath being e.g. `apis/apps/v1/deployments` or `api/v1/nodes`.
 */
export function parseHash(hash: string): Location {
  const h = hash.replace(/^#/, '');
  const [pathPart, queryPart] = splitOnce(h, '?');
  const q = new URLSearchParams(queryPart ?? '');
  const namespace = q.has('ns') ? q.get('ns')! : DEFAULT_NAMESPACE;
  const segs = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  const page = segs[0] ?? 'pods';
  if (page === 'object' && segs.length >= 3) {
    const route: Route = { page: 'object', apiPath: segs[1]!.split('~').join('/'), name: segs[2]!, ...(q.get('ns') ? { namespace: q.get('ns')! } : {}) };
    return { route, namespace };
  }
  if (!LIST_PAGES.has(page)) return { route: { page: 'pods' }, namespace };
  const route = { page, ...(segs[1] ? { kind: segs[1] } : {}), ...(segs[2] ? { name: segs[2] } : {}) } as Route;
  return { route, namespace };
}

export function formatHash(loc: Location): string {
  const r = loc.route;
  const ns = `?ns=${encodeURIComponent(r.page === 'object' ? (r.namespace ?? loc.namespace) : loc.namespace)}`;
  if (r.page === 'object') return `#/object/${encodeURIComponent(r.apiPath.split('/').join('~'))}/${encodeURIComponent(r.name)}${ns}`;
  const rest = [r.kind, r.name].filter((x): x is string => !!x).map(encodeURIComponent);
  return `#/${[r.page, ...rest].join('/')}${ns}`;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}
