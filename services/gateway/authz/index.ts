/**
 * Authorization at the gateway: who the request acts as (the authenticated user, or whom it
 * impersonates), and whether they may (kube-apiserver's WithImpersonation and WithAuthorization
 * filters), decided before the body is read; the authorization.k8s.io reviews; escalation checks
 * on the RBAC kinds' writes.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { MASTERS_GROUP, AUTHENTICATED_GROUP, type RequestAttributes, type UserInfo } from '../../../shared/auth/user.js';
import { attributesFor, forbiddenMessage, requestInfo } from '../../../shared/auth/request-info.js';
import { ApiError, forbiddenError } from '../../../shared/errors.js';
import type { ResourceInfo } from '../../../shared/resources/registry.js';
import type { KObject } from '../../../shared/resources/meta.js';
import type { Authorizer } from './authorizer.js';
import { impersonation, type Headers } from './impersonation.js';
import { checkEscalation, onlyGarbageCollectorFields, RBAC_KINDS } from './escalation-admission.js';
import { review, reviewOf } from './reviews.js';
import { nodeNameOf, nodeRestriction, type NodeWrite } from './node-restriction.js';
import { nodeRead, nodeReadRefusal } from './node-authorizer.js';
import type { Pod } from '../../../shared/resources/types.js';
import { isConsolePath } from '../console.js';

export { alwaysAllow, rbacAuthorizer, parseAuthorizationMode, type Authorizer, type AuthorizationMode } from './authorizer.js';
export { InformerPolicyCache } from './policy-cache.js';
export { reviewOf } from './reviews.js';

/** Who a request comes from until an authenticator says otherwise: the cluster's administrator. */
export const DEFAULT_USER: UserInfo = { username: 'system:admin', groups: [MASTERS_GROUP, AUTHENTICATED_GROUP] };

/** The authenticated user (the authenticators set `request.user`), else DEFAULT_USER. */
export function userOf(req: FastifyRequest): UserInfo {
  return (req as FastifyRequest & { user?: UserInfo }).user ?? DEFAULT_USER;
}

/** The same for a raw request fastify never sees (a WebSocket upgrade): `req.user` if an authenticator set it. */
export function userOfRaw(req: IncomingMessage): UserInfo {
  return (req as IncomingMessage & { user?: UserInfo }).user ?? DEFAULT_USER;
}

/**
 * The gate the exec/attach upgrade path (exec.ts) calls before anything else: who the request is
 * (`authenticate`, else userOfRaw), then impersonation and authorization as for any request.
 */
export function upgradeGate(authz: Authorizer, authenticate?: (req: IncomingMessage) => Promise<UserInfo>): (req: IncomingMessage) => Promise<void> {
  return async (req) => {
    const requester = authenticate ? await authenticate(req) : userOfRaw(req);
    authorizeRequest(authz, requester, req.method ?? 'GET', req.url ?? '/', req.headers);
  };
}

const acting = new WeakMap<FastifyRequest, UserInfo>();

/** Whom the request acts as: userOf(req), or the user it impersonates. */
export function actingUser(req: FastifyRequest): UserInfo {
  return acting.get(req) ?? userOf(req);
}

export function forbidden(a: RequestAttributes, reason = ''): ApiError {
  const why = forbiddenMessage(a) + (reason ? `: ${reason}` : '');
  if (!a.resourceRequest) return forbiddenError('', '', '', why);
  return forbiddenError(a.resource ?? '', a.apiGroup ?? '', a.name ?? '', why);
}

/**
 * Impersonation, then authorization of one request from its method, URL and headers (throws a 403,
 * or a 500 for impersonation headers Kubernetes refuses); the user it acts as.
 */
export function authorizeRequest(authz: Authorizer, requester: UserInfo, method: string, url: string, headers: Headers): UserInfo {
  const imp = impersonation(headers);
  if (imp.type === 'invalid') throw new ApiError('InternalError', `Internal error occurred: ${imp.message}`);
  let user = requester;
  if (imp.type === 'impersonate') {
    for (const check of imp.checks) {
      const a = { user: requester, ...check };
      const d = authz.authorize(a);
      if (!d.allowed) throw forbidden(a, d.reason);
    }
    user = imp.user;
  }
  const a = attributesFor(user, requestInfo(method, url));
  const d = authz.authorize(a);
  if (!d.allowed) throw forbidden(a, d.reason);
  // A WebSocket exec/attach/portforward is a GET that acts: it needs `create` too, as in
  // Kubernetes 1.32 (AuthorizePodWebsocketUpgradeCreatePermission).
  if (a.resourceRequest && a.verb === 'get' && a.resource === 'pods' && ['exec', 'attach', 'portforward'].includes(a.subresource ?? '')) {
    const c = { ...a, verb: 'create' };
    const dc = authz.authorize(c);
    if (!dc.allowed) throw forbidden(c, dc.reason);
  }
  return user;
}

/**
 * Impersonate, then authorize every request before its body is read; answer the reviews. Call
 * before the resource routes are added.
 */
export function installAuthorization(app: FastifyInstance, authz: Authorizer, registry?: Registry): void {
  const decisions = registry
    ? new Counter({
        name: 'jetkube_gateway_authorization_decisions_total',
        help: 'Requests authorized (impersonation included), by decision and authorization mode',
        labelNames: ['decision', 'mode'] as const,
        registers: [registry],
      })
    : undefined;
  app.addHook('onRequest', async (req) => {
    // The console's static files: no API, nothing to authorize (its API calls are authorized as any other).
    if (isConsolePath(req.url)) return;
    let user: UserInfo;
    try {
      user = authorizeRequest(authz, userOf(req), req.method, req.url, req.headers);
    } catch (e) {
      decisions?.inc({ decision: 'denied', mode: authz.mode });
      throw e;
    }
    decisions?.inc({ decision: 'allowed', mode: authz.mode });
    if (user !== userOf(req)) acting.set(req, user);
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
export function escalationAdmission(authz: Authorizer, req: FastifyRequest, info: ResourceInfo, ns: string): ((obj: KObject, old?: KObject) => void) | undefined {
  if (!authz.policy || !RBAC_KINDS.has(info.kind)) return undefined;
  const user = actingUser(req);
  const policy = authz.policy;
  return (obj, old) => {
    if (old && onlyGarbageCollectorFields(obj, old)) return;
    checkEscalation(authz, policy, user, info, ns, obj, old);
  };
}

/**
 * NodeRestriction for a request (node-restriction.ts): undefined unless the acting user is a node;
 * else a check of one write (throws the 403).
 */
export function nodeRestrictionAdmission(req: FastifyRequest, info: ResourceInfo, ns: string, name: string | undefined, sub: string | undefined): NodeAdmission | undefined {
  const user = actingUser(req);
  if (nodeNameOf(user) === undefined) return undefined;
  return (operation, object, old) => {
    const refused = nodeRestriction(user, {
      operation,
      resource: info.plural,
      group: info.group,
      ...(sub ? { subresource: sub } : {}),
      namespace: ns,
      name: name ?? object?.metadata.name ?? '',
      ...(object ? { object } : {}),
      ...(old ? { old } : {}),
    });
    if (refused) throw refused;
  };
}

export type NodeAdmission = (operation: NodeWrite['operation'], object?: KObject, old?: KObject) => void;

/**
 * The Node authorizer's read side (node-authorizer.ts), after authorization: a node reads only the
 * Secrets, ConfigMaps and claims its pods refer to. `podsOf` lists the node's pods in a namespace.
 */
export function installNodeAuthorizer(app: FastifyInstance, podsOf: (node: string, namespace: string) => Promise<readonly Pod[]>): void {
  app.addHook('onRequest', async (req) => {
    const a = attributesFor(actingUser(req), requestInfo(req.method, req.url));
    const r = nodeRead(a);
    if (!r || !['get', 'list', 'watch'].includes(a.verb)) return;
    const reason = nodeReadRefusal(a, r.node && r.namespace && r.name && !a.subresource ? await podsOf(r.node, r.namespace) : []);
    if (reason) throw forbidden(a, reason);
  });
}
