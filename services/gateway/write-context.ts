/**
 * Who is writing: the author every event the gateway publishes carries in its headers
 * (shared/eventlog/author.ts). A request's author is set once, around the request's handler
 * (`runAs`), and read where the store publishes (`currentAuthor`), so every write path (create,
 * update, patch, apply, delete, subresources, a tombstone after the last finalizer) is one code
 * path. Writes outside any request (bootstrap policy, system namespaces, the CRD handler) are the
 * gateway's own: GATEWAY_AUTHOR, as kube-apiserver's loopback client is system:apiserver.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Author } from '../../shared/eventlog/author.js';
import type { UserInfo } from '../../shared/auth/user.js';
import { MASTERS_GROUP } from '../../shared/auth/user.js';
import { managerOrUserAgent } from '../../shared/apply/index.js';

export const GATEWAY_USER = 'system:apiserver';

/** The gateway's own identity, for writes no request made. */
export const GATEWAY_AUTHOR: Author = { user: GATEWAY_USER, groups: [MASTERS_GROUP] };

/** kube-apiserver's response header naming a request's audit id. */
export const AUDIT_ID_HEADER = 'Audit-Id';

const MAX_AUDIT_ID = 128;

/**
 * A request's audit id: the client's own `Audit-ID` header when it sent a usable one (kube-apiserver
 * keeps it), else a fresh UUID.
 */
export function auditId(sent: string | string[] | undefined): string {
  const v = Array.isArray(sent) ? sent[0] : sent;
  // eslint-disable-next-line no-control-regex
  if (v && v.length <= MAX_AUDIT_ID && !/[\u0000-\u001f\u007f,]/.test(v)) return v.trim() || randomUUID();
  return randomUUID();
}

export interface RequestAuthorInput {
  /** The authenticated user. */
  readonly requester: UserInfo;
  /** The user the request acts as (impersonation), or the requester. */
  readonly acting: UserInfo;
  readonly fieldManager?: string;
  readonly userAgent?: string;
  readonly requestId: string;
}

/** The author of a request's writes (pure). */
export function requestAuthor(r: RequestAuthorInput): Author {
  const impersonated = r.acting !== r.requester && (r.acting.username !== r.requester.username || !sameGroups(r.acting, r.requester));
  const manager = managerOrUserAgent(r.fieldManager, r.userAgent);
  return {
    user: r.requester.username,
    groups: [...r.requester.groups],
    ...(r.requester.uid ? { uid: r.requester.uid } : {}),
    ...(impersonated ? { impersonatedUser: r.acting.username, impersonatedGroups: [...r.acting.groups] } : {}),
    ...(manager ? { fieldManager: manager } : {}),
    ...(r.userAgent ? { userAgent: r.userAgent } : {}),
    requestId: r.requestId,
  };
}

function sameGroups(a: UserInfo, b: UserInfo): boolean {
  return a.groups.length === b.groups.length && a.groups.every((g, i) => g === b.groups[i]);
}

const current = new AsyncLocalStorage<Author>();

/** Run `fn` (a request's handler) with `author` as the author of every write it makes. */
export function runAs<T>(author: Author, fn: () => T): T {
  return current.run(author, fn);
}

/**
 * The author of a write made now: the request's, else the gateway's own (with the field manager
 * the internal write names, if any).
 */
export function currentAuthor(manager?: string): Author {
  return current.getStore() ?? (manager ? { ...GATEWAY_AUTHOR, fieldManager: manager } : GATEWAY_AUTHOR);
}
