/**
 * authentication.k8s.io/v1 at the gateway:
 *   POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token   TokenRequest (`kubectl create token`)
 *   POST /apis/authentication.k8s.io/v1/selfsubjectreviews      SelfSubjectReview (`kubectl auth whoami`)
 *   POST /apis/authentication.k8s.io/v1/tokenreviews            TokenReview
 * None of them is stored: each answers 201 with the object and its status filled in, as
 * kube-apiserver does. The pure parts (the token request's checks and answer) are exported.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError, badRequest, conflict, invalid, type StatusCause } from '../../shared/errors.js';
import type { KObject } from '../../shared/resources/meta.js';
import { resourceByPlural } from '../../shared/resources/registry.js';
import { rfc3339 } from '../../shared/resources/time.js';
import {
  DEFAULT_EXPIRATION_SECONDS,
  MAX_EXPIRATION_SECONDS,
  MIN_EXPIRATION_SECONDS,
  signToken,
  tokenClaims,
} from '../../shared/auth/authn/index.js';
import type { UserInfo } from '../../shared/auth/user.js';
import type { GatewayAuthn } from './authn.js';
import type { ObjectStore } from './store.js';
import { actingUser } from './authz/index.js';
import { nodeTokenRequest } from './authz/node-restriction.js';

const GROUP = 'authentication.k8s.io';
const BOUND_PLURALS = { Pod: 'pods', Secret: 'secrets', Node: 'nodes' } as const;
const API_VERSION = `${GROUP}/v1`;

export interface TokenRequestSpec {
  readonly audiences: string[];
  readonly expirationSeconds: number;
  readonly boundObjectRef?: { kind: string; apiVersion?: string; name: string; uid?: string };
}

/** The spec a TokenRequest body asks for, defaulted (audiences: the gateway's; one hour), or 422 with Kubernetes' causes. */
export function tokenRequestSpec(body: unknown, defaultAudiences: readonly string[]): TokenRequestSpec {
  const b = (body ?? {}) as { kind?: unknown; apiVersion?: unknown; spec?: Record<string, unknown> };
  if (b.kind !== undefined && b.kind !== 'TokenRequest') throw badRequest(`expected a TokenRequest, got ${String(b.kind)}`);
  const spec = b.spec ?? {};
  const causes: StatusCause[] = [];
  const exp = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  if (typeof exp !== 'number' || !Number.isInteger(exp)) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${JSON.stringify(exp)}: must be an integer number of seconds` });
  } else if (exp < MIN_EXPIRATION_SECONDS) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${exp}: may not specify a duration less than 10 minutes` });
  } else if (exp > MAX_EXPIRATION_SECONDS) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${exp}: may not specify a duration larger than 2^32 seconds` });
  }
  const aud = spec.audiences;
  if (aud !== undefined && aud !== null && (!Array.isArray(aud) || aud.some((a) => typeof a !== 'string'))) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.audiences', message: 'Invalid value: must be a list of strings' });
  }
  const ref = spec.boundObjectRef as TokenRequestSpec['boundObjectRef'] | null | undefined;
  if (ref && (typeof ref.name !== 'string' || !ref.name)) causes.push({ reason: 'FieldValueRequired', field: 'spec.boundObjectRef.name', message: 'Required value' });
  // kube-apiserver names no object in this Invalid (TokenRequest "" is invalid).
  if (causes.length) throw invalid('TokenRequest', GROUP, '', causes);
  const audiences = Array.isArray(aud) && aud.length ? (aud as string[]) : [...defaultAudiences];
  return { audiences, expirationSeconds: exp as number, ...(ref ? { boundObjectRef: ref } : {}) };
}

export function selfSubjectReview(user: UserInfo): object {
  return {
    kind: 'SelfSubjectReview',
    apiVersion: API_VERSION,
    metadata: { creationTimestamp: null },
    status: { userInfo: userInfoJson(user) },
  };
}

function userInfoJson(u: UserInfo): object {
  return {
    username: u.username,
    ...(u.uid ? { uid: u.uid } : {}),
    groups: [...u.groups],
    ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}),
  };
}

/** `nodeRestriction`: NodeRestriction admission of TokenRequests from nodes (authz/node-restriction.ts). */
export function registerAuthenticationApi(app: FastifyInstance, authn: GatewayAuthn, store: ObjectStore, now: () => Date, nodeRestriction = true): void {
  const sas = resourceByPlural('serviceaccounts')!;

  /**
   * What a token is bound to (kube-apiserver's TokenREST): a Pod of this ServiceAccount (with its
   * node named in the claims), a Secret in the namespace, or a Node; the uid, when given, must be
   * the live object's.
   */
  async function boundObject(ref: NonNullable<TokenRequestSpec['boundObjectRef']>, ns: string, saName: string) {
    const apiVersion = ref.apiVersion ?? '';
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    const kind = group === '' && (ref.kind === 'Pod' || ref.kind === 'Secret' || ref.kind === 'Node') ? ref.kind : undefined;
    if (!kind) throw badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${ref.kind}`);
    const obj = await store.get(resourceByPlural(BOUND_PLURALS[kind])!, kind === 'Node' ? '' : ns, ref.name);
    if (kind === 'Pod' && ((obj as { spec?: { serviceAccountName?: string } }).spec?.serviceAccountName ?? 'default') !== saName) {
      throw badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
    }
    const uid = obj.metadata.uid!;
    if (ref.uid && ref.uid !== uid) {
      throw conflict(kind, '', ref.name, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    const self = { name: ref.name, uid };
    let claims: { pod?: typeof self; secret?: typeof self; node?: typeof self };
    if (kind === 'Pod') {
      const nodeName = (obj as { spec?: { nodeName?: string } }).spec?.nodeName;
      const node = nodeName ? await store.getLive(resourceByPlural('nodes')!, '', nodeName) : undefined;
      claims = { pod: self, ...(nodeName ? { node: { name: nodeName, uid: node?.object.metadata.uid ?? '' } } : {}) };
    } else claims = kind === 'Secret' ? { secret: self } : { node: self };
    return { ref: { kind, apiVersion: 'v1', name: ref.name, uid }, claims };
  }

  app.post('/api/v1/namespaces/:ns/serviceaccounts/:name/token', async (req, reply) => {
    const { ns, name } = req.params as { ns: string; name: string };
    (req as unknown as { jk: object }).jk = { verb: 'CREATE', resource: 'serviceaccounts/token' };
    const spec = tokenRequestSpec(req.body, authn.config.audiences);
    // NodeRestriction: a node asks only for tokens bound to its own pods.
    const ref = spec.boundObjectRef;
    const refused = nodeRestriction ? await nodeTokenRequest(actingUser(req), name, ref, () => store.get(resourceByPlural('pods')!, ns, ref!.name)) : undefined;
    if (refused) throw refused;
    const sa = await store.get(sas, ns, name);
    const bound = spec.boundObjectRef ? await boundObject(spec.boundObjectRef, ns, name) : undefined;
    const t = now();
    const claims = tokenClaims({
      namespace: ns,
      serviceAccount: { name, uid: sa.metadata.uid! },
      ...(bound?.claims ?? {}),
      audiences: spec.audiences,
      expirationSeconds: spec.expirationSeconds,
      issuer: authn.config.issuer,
      now: t,
    });
    const token = await signToken(await authn.signingKey(), claims);
    return reply.code(201).type('application/json').send({
      kind: 'TokenRequest',
      apiVersion: API_VERSION,
      metadata: { name, namespace: ns, creationTimestamp: null },
      spec: {
        audiences: spec.audiences,
        expirationSeconds: spec.expirationSeconds,
        boundObjectRef: bound ? bound.ref : null,
      },
      status: { token, expirationTimestamp: rfc3339(new Date(claims.exp * 1000)) },
    });
  });

  app.post('/apis/authentication.k8s.io/v1/selfsubjectreviews', async (req, reply) => {
    (req as unknown as { jk: object }).jk = { verb: 'CREATE', resource: 'selfsubjectreviews' };
    return reply.code(201).type('application/json').send(selfSubjectReview(req.user));
  });

  app.post('/apis/authentication.k8s.io/v1/tokenreviews', async (req, reply) => {
    (req as unknown as { jk: object }).jk = { verb: 'CREATE', resource: 'tokenreviews' };
    const body = (req.body ?? {}) as { spec?: { token?: unknown; audiences?: unknown } };
    const token = body.spec?.token;
    if (typeof token !== 'string' || !token) {
      throw invalid('TokenReview', GROUP, '', [{ reason: 'FieldValueRequired', field: 'spec.token', message: 'Required value' }]);
    }
    const audiences = Array.isArray(body.spec?.audiences) ? (body.spec!.audiences as string[]) : [];
    const base = { kind: 'TokenReview', apiVersion: API_VERSION, metadata: { creationTimestamp: null }, spec: { token, ...(audiences.length ? { audiences } : {}) } };
    if (!authn.authenticate) throw new ApiError('ServiceUnavailable', 'token review is available only when authentication is on (JETKUBE_AUTH=on)');
    // The token is checked for the audiences asked (default: the gateway's own), as kube-apiserver does.
    const r = await authn.authenticate({ bearerToken: token }, audiences);
    const status = r.ok ? { authenticated: true, user: userInfoJson(r.user), audiences: [...r.audiences] } : { user: {}, error: r.reason };
    return reply.code(201).type('application/json').send({ ...base, status });
  });
}
