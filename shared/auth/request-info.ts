/**
 * What a request asks, from its method, path and query alone (Kubernetes' RequestInfoFactory):
 * `/api/v1/...` and `/apis/<group>/<version>/...` with at least a resource are resource requests
 * (verb from the method: get/list/watch, create, update, patch, delete/deletecollection;
 * namespace, resource, name, subresource from the path; a list or watch narrowed to one name by
 * `fieldSelector=metadata.name=x` names it; the deprecated `/watch/` and `/proxy/` prefixes are
 * their verbs), everything else (`/api`, `/apis/apps`, `/healthz`,
 * `/version`, `/openapi/v2`) is a non-resource request whose verb is the method in lower case.
 * The namespace object's own path `/api/v1/namespaces/<ns>` is the namespaces resource named
 * <ns>, in namespace <ns>.
 */
import type { RequestAttributes, UserInfo } from './user.js';

export type RequestInfo = Omit<RequestAttributes, 'user'>;

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
const VERBS: Readonly<Record<string, string>> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

function decode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

function nameFromFieldSelector(query: string): string | undefined {
  const params = new URLSearchParams(query);
  const fs = params.get('fieldSelector');
  if (!fs) return undefined;
  for (const term of fs.split(',')) {
    const m = /^metadata\.name(==?)(.*)$/.exec(term.trim());
    if (m) return m[2];
  }
  return undefined;
}

export function requestInfo(method: string, url: string): RequestInfo {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const nonResource: RequestInfo = { verb: method.toLowerCase(), resourceRequest: false, path };
  const parts = path.split('/').filter(Boolean).map(decode);
  let rest: string[];
  let apiGroup: string;
  let apiVersion: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    apiGroup = '';
    apiVersion = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    apiGroup = parts[1]!;
    apiVersion = parts[2]!;
    rest = parts.slice(3);
  } else return nonResource;

  // The deprecated special-verb prefixes: /api/v1/watch/..., /api/v1/proxy/...
  let special: string | undefined;
  if ((rest[0] === 'watch' || rest[0] === 'proxy') && rest.length >= 2) {
    special = rest[0];
    rest = rest.slice(1);
  }
  let verb = special ?? VERBS[method.toUpperCase()] ?? '';

  let namespace = '';
  if (rest[0] === 'namespaces') {
    if (rest.length > 1) {
      namespace = rest[1]!;
      if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
    }
  }
  const resource = rest[0] ?? '';
  let name = rest[1] ?? '';
  const subresource = rest.length >= 3 ? rest[2]! : '';

  if (!special && !name && verb === 'get') {
    const w = new URLSearchParams(query).get('watch');
    verb = w === 'true' || w === '1' ? 'watch' : 'list';
  }
  if (!name && (verb === 'list' || verb === 'watch')) {
    const byName = nameFromFieldSelector(query);
    if (byName !== undefined) name = byName;
  }
  if (!special && !name && verb === 'delete') verb = 'deletecollection';

  return {
    verb,
    resourceRequest: true,
    apiGroup,
    apiVersion,
    resource,
    ...(subresource ? { subresource } : {}),
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
  };
}

export function attributesFor(user: UserInfo, info: RequestInfo): RequestAttributes {
  return { user, ...info };
}

/** kube-apiserver's forbidden text (forbiddenMessage), without the `<resource> is forbidden: ` prefix. */
export function forbiddenMessage(a: RequestAttributes): string {
  const user = a.user.username;
  if (!a.resourceRequest) return `User ${JSON.stringify(user)} cannot ${a.verb} path ${JSON.stringify(a.path ?? '')}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
  const scope = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : 'at the cluster scope';
  return `User ${JSON.stringify(user)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup ?? '')} ${scope}`;
}

/** The whole 403 message: `pods "x" is forbidden: User "alice" cannot ...`, or `forbidden: User ...` for a path. */
export function forbiddenStatusMessage(a: RequestAttributes, reason = ''): string {
  const msg = forbiddenMessage(a) + (reason ? `: ${reason}` : '');
  if (!a.resourceRequest) return `forbidden: ${msg}`;
  const gr = a.apiGroup ? `${a.resource}.${a.apiGroup}` : (a.resource ?? '');
  return a.name ? `${gr} ${JSON.stringify(a.name)} is forbidden: ${msg}` : `${gr} is forbidden: ${msg}`;
}
