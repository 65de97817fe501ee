/**
 * Authorization at the gateway: who the request acts as (the authenticated user, or whom it
 * impersonates), and whether they may (kube-apiserver's WithImpersonation and WithAuthorization
 * filters), decided before the body is read; the authorization.k8s.io reviews; escalation checks
 * on the RBAC kinds' writes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MASTERS_GROUP, AUTHENTICATED_GROUP, type RequestAttributes, type UserInfo } from '../../../shared/auth/user.js';
import { attributesFor, forbiddenMessage, requestInfo } from '../../../shared/auth/request-info.js';
import { ApiError, forbiddenError } from '../../../shared/errors.js';
import type { ResourceInfo } from '../../../shared/resources/registry.js';
import type { KObject } from '../../../shared/resources/meta.js';
import type { Authorizer } from './authorizer.js';
import { impersonation } from './impersonation.js';
import { checkEscalation, RBAC_KINDS } from './escalation-admission.js';
import { review, reviewOf } from './reviews.js';

export { alwaysAllow, rbacAuthorizer, parseAuthorizationMode, type Authorizer, type AuthorizationMode } from './authorizer.js';
export { InformerPolicyCache } from './policy-cache.js';
export { reviewOf } from './reviews.js';

/** Who a request comes from until an authenticator says otherwise: the cluster's administrator. */
export const DEFAULT_USER: UserInfo = { username: 'system:admin', groups: [MASTERS_GROUP, AUTHENTICATED_GROUP] };

/** The authenticated user (the authenticators set `request.user`), else DEFAULT_USER. */
export function userOf(req: FastifyRequest): UserInfo {
  return (req as FastifyRequest & { user?: UserInfo }).user ?? DEFAULT_USER;
}

const acting = new WeakMap<FastifyRequest, UserInfo>();

/** Whom the request acts as: userOf(req), or the user it impersonates. */
export function actingUser(req: FastifyRequest): UserInfo {
  return acting.get(req) ?? userOf(req);
}

function forbidden(a: RequestAttributes, reason = ''): ApiError {
  const why = forbiddenMessage(a) + (reason ? `: ${reason}` : '');
  if (!a.resourceRequest) return forbiddenError('', '', '', why);
  return forbiddenError(a.resource ?? '', a.apiGroup ?? '', a.name ?? '', why);
}

/**
 * Impersonate, then authorize every request before its body is read; answer the reviews. Call
 * before the resource routes are added.
 */
export function installAuthorization(app: FastifyInstance, authz: Authorizer): void {
  app.addHook('onRequest', async (req) => {
    const requester = userOf(req);
    const imp = impersonation(req.headers);
    if (imp.type === 'invalid') throw new ApiError('InternalError', `Internal error occurred: ${imp.message}`);
    let user = requester;
    if (imp.type === 'impersonate') {
      for (const check of imp.checks) {
        const a = { user: requester, ...check };
        const d = authz.authorize(a);
        if (!d.allowed) throw forbidden(a, d.reason);
      }
      user = imp.user;
      acting.set(req, user);
    }
    const a = attributesFor(user, requestInfo(req.method, req.url));
    const d = authz.authorize(a);
    if (!d.allowed) throw forbidden(a, d.reason);
  });

  const answer = async (req: FastifyRequest, reply: FastifyReply) => {
    const r = reviewOf(req.url)!;
    const out = review(authz, r.kind, r.namespace, req.body, actingUser(req));
    return reply.code(201).type('application/json').send(out);
  };
  for (const plural of ['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'subjectaccessreviews']) {
    app.post(`/apis/authorization.k8s.io/v1/${plural}`, answer);
  }
  app.post('/apis/authorization.k8s.io/v1/namespaces/:namespace/localsubjectaccessreviews', answer);
}

/** The validating admission a write of `info` needs for this request (RBAC kinds in RBAC mode), or undefined. */
export function escalationAdmission(authz: Authorizer, req: FastifyRequest, info: ResourceInfo, ns: string): ((obj: KObject) => void) | undefined {
  if (!authz.policy || !RBAC_KINDS.has(info.kind)) return undefined;
  const user = actingUser(req);
  const policy = authz.policy;
  return (obj) => checkEscalation(authz, policy, user, info, ns, obj);
}
