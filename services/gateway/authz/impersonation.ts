/**
 * Impersonation (kube-apiserver's WithImpersonation): `Impersonate-User`, `Impersonate-Group`
 * (repeatable), `Impersonate-Uid` and `Impersonate-Extra-<key>` headers make the request act as
 * another user, once the requester is allowed the `impersonate` verb on each: `users` (or the
 * `serviceaccounts` object for a service account's username), `groups`, and in
 * authentication.k8s.io `uids` and `userextras/<key>`. The impersonated user is in
 * system:authenticated (a service account without impersonated groups also in its own groups).
 * Pure: the caller authorizes each check and answers 403 or 500.
 */
import { ANONYMOUS_USER, AUTHENTICATED_GROUP, UNAUTHENTICATED_GROUP, type RequestAttributes, type UserInfo } from '../../../shared/auth/user.js';
import { SERVICE_ACCOUNT_PREFIX } from '../../../shared/auth/rbac/subjects.js';

export type Headers = Readonly<Record<string, string | string[] | undefined>>;

export type Impersonation =
  | { readonly type: 'none' }
  /** A header set Kubernetes refuses (groups without a user): a 500 as kube-apiserver answers. */
  | { readonly type: 'invalid'; readonly message: string }
  /** `checks` must all be allowed for `requester`; then the request acts as `user`. */
  | { readonly type: 'impersonate'; readonly user: UserInfo; readonly checks: readonly Omit<RequestAttributes, 'user'>[] };

/** Extra keys are percent-encoded in header names; a malformed escape is kept as written. */
function unescapeKey(k: string): string {
  try {
    return decodeURIComponent(k);
  } catch {
    return k;
  }
}

const all = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function impersonation(headers: Headers): Impersonation {
  const users = all(headers['impersonate-user']);
  const groups = all(headers['impersonate-group']);
  const uids = all(headers['impersonate-uid']);
  const extra: Record<string, string[]> = {};
  for (const [h, v] of Object.entries(headers)) {
    if (!h.startsWith('impersonate-extra-')) continue;
    const key = unescapeKey(h.slice('impersonate-extra-'.length));
    extra[key] = all(v).flatMap((x) => x.split(',').map((s) => s.trim()));
  }
  if (!users.length && !groups.length && !uids.length && !Object.keys(extra).length) return { type: 'none' };
  if (!users.length) {
    const asked = [...groups.map((g) => `group=${g}`), ...uids.map((u) => `uid=${u}`), ...Object.keys(extra).map((k) => `extra=${k}`)];
    return { type: 'invalid', message: `requested [${asked.join(' ')}] without impersonating a user` };
  }
  const username = users[0]!;
  const checks: Omit<RequestAttributes, 'user'>[] = [];
  const groupsOut = [...groups];
  if (username.startsWith(SERVICE_ACCOUNT_PREFIX)) {
    const [ns = '', name = ''] = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
    checks.push({ verb: 'impersonate', resourceRequest: true, apiGroup: '', resource: 'serviceaccounts', namespace: ns, name });
    if (!groups.length) groupsOut.push('system:serviceaccounts', `system:serviceaccounts:${ns}`);
  } else {
    checks.push({ verb: 'impersonate', resourceRequest: true, apiGroup: '', resource: 'users', name: username });
  }
  for (const g of groups) checks.push({ verb: 'impersonate', resourceRequest: true, apiGroup: '', resource: 'groups', name: g });
  for (const u of uids) checks.push({ verb: 'impersonate', resourceRequest: true, apiGroup: 'authentication.k8s.io', resource: 'uids', name: u });
  for (const [k, vs] of Object.entries(extra)) {
    for (const v of vs) checks.push({ verb: 'impersonate', resourceRequest: true, apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: k, name: v });
  }
  if (username === ANONYMOUS_USER) {
    if (!groupsOut.includes(UNAUTHENTICATED_GROUP)) groupsOut.push(UNAUTHENTICATED_GROUP);
  } else if (!groupsOut.includes(AUTHENTICATED_GROUP)) groupsOut.push(AUTHENTICATED_GROUP);
  const user: UserInfo = {
    username,
    groups: groupsOut,
    ...(uids[0] ? { uid: uids[0] } : {}),
    ...(Object.keys(extra).length ? { extra } : {}),
  };
  return { type: 'impersonate', user, checks };
}
