/**
 * authorization.k8s.io/v1 reviews: nothing is stored, the answer is computed and returned (201).
 * SelfSubjectAccessReview (may I?), SubjectAccessReview and LocalSubjectAccessReview (may they?),
 * SelfSubjectRulesReview (what may I do in a namespace?). Validation as Kubernetes'
 * (pkg/apis/authorization/validation).
 */
import type { RequestAttributes, UserInfo } from '../../../shared/auth/user.js';
import type { StatusCause } from '../../../shared/errors.js';
import { badRequest, invalid } from '../../../shared/errors.js';
import { isPlainObject } from '../../../shared/resources/json.js';
import { invalidValue } from '../../../shared/resources/field-errors.js';
import type { PolicyRule } from '../../../shared/resources/rbac.js';
import type { Authorizer } from './authorizer.js';

export const AUTHZ_GROUP = 'authorization.k8s.io';
const API_VERSION = `${AUTHZ_GROUP}/v1`;

export type ReviewKind = 'SelfSubjectAccessReview' | 'SubjectAccessReview' | 'LocalSubjectAccessReview' | 'SelfSubjectRulesReview';

const PLURALS: Readonly<Record<string, ReviewKind>> = {
  selfsubjectaccessreviews: 'SelfSubjectAccessReview',
  subjectaccessreviews: 'SubjectAccessReview',
  localsubjectaccessreviews: 'LocalSubjectAccessReview',
  selfsubjectrulesreviews: 'SelfSubjectRulesReview',
};

/** The review a POST to `path` creates, and the URL's namespace (LocalSubjectAccessReview). */
export function reviewOf(path: string): { kind: ReviewKind; namespace: string } | undefined {
  const m = /^\/apis\/authorization\.k8s\.io\/v1\/(?:namespaces\/([^/]+)\/)?([a-z]+)\/?$/.exec(path.split('?')[0]!);
  if (!m) return undefined;
  const kind = PLURALS[m[2]!];
  if (!kind) return undefined;
  if ((kind === 'LocalSubjectAccessReview') !== (m[1] !== undefined)) return undefined;
  return { kind, namespace: m[1] ? decodeURIComponent(m[1]) : '' };
}

type Spec = Record<string, unknown>;
const s = (v: unknown): string => (typeof v === 'string' ? v : '');
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function attributesOf(spec: Spec, user: UserInfo): RequestAttributes {
  const ra = spec.resourceAttributes as Spec | undefined;
  if (ra) {
    return {
      user,
      verb: s(ra.verb),
      resourceRequest: true,
      apiGroup: s(ra.group),
      apiVersion: s(ra.version),
      resource: s(ra.resource),
      ...(s(ra.subresource) ? { subresource: s(ra.subresource) } : {}),
      ...(s(ra.namespace) ? { namespace: s(ra.namespace) } : {}),
      ...(s(ra.name) ? { name: s(ra.name) } : {}),
    };
  }
  const nr = (spec.nonResourceAttributes ?? {}) as Spec;
  return { user, verb: s(nr.verb), resourceRequest: false, path: s(nr.path) };
}

function validateAttributes(spec: Spec): StatusCause[] {
  const causes: StatusCause[] = [];
  if (spec.resourceAttributes && spec.nonResourceAttributes) {
    causes.push(invalidValue('spec.nonResourceAttributes', spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes'));
  }
  if (!spec.resourceAttributes && !spec.nonResourceAttributes) {
    causes.push(invalidValue('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  }
  return causes;
}

function userOfSpec(spec: Spec): UserInfo {
  const extra = isPlainObject(spec.extra) ? Object.fromEntries(Object.entries(spec.extra).map(([k, v]) => [k, strs(v)])) : undefined;
  return { username: s(spec.user), groups: strs(spec.groups), ...(s(spec.uid) ? { uid: s(spec.uid) } : {}), ...(extra ? { extra } : {}) };
}

function resourceRule(r: PolicyRule) {
  return {
    verbs: r.verbs,
    ...(r.apiGroups?.length ? { apiGroups: r.apiGroups } : {}),
    ...(r.resources?.length ? { resources: r.resources } : {}),
    ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
  };
}

/** The answered review (the request's spec and a status), or a thrown 400/422. */
export function review(authz: Authorizer, kind: ReviewKind, urlNamespace: string, body: unknown, requester: UserInfo): Record<string, unknown> {
  if (!isPlainObject(body)) throw badRequest(`the body of the request must be a ${kind}`);
  if (body.kind !== undefined && body.kind !== kind) throw badRequest(`the object is a ${String(body.kind)}, but the URL is for ${kind}`);
  const spec = (isPlainObject(body.spec) ? body.spec : {}) as Spec;
  const answer = (status: Record<string, unknown>) => ({ kind, apiVersion: API_VERSION, metadata: { creationTimestamp: null }, spec, status });

  if (kind === 'SelfSubjectRulesReview') {
    const ns = s(spec.namespace);
    const r = authz.rulesFor(requester, ns);
    return answer({
      resourceRules: r.rules.filter((x) => !x.nonResourceURLs?.length).map(resourceRule),
      nonResourceRules: r.rules.filter((x) => x.nonResourceURLs?.length).map((x) => ({ verbs: x.verbs, nonResourceURLs: x.nonResourceURLs })),
      incomplete: r.incomplete,
      ...(r.errors.length ? { evaluationError: r.errors.join(', ') } : {}),
    });
  }

  const causes = validateAttributes(spec);
  let user = requester;
  if (kind !== 'SelfSubjectAccessReview') {
    user = userOfSpec(spec);
    if (!user.username && !user.groups.length) causes.push(invalidValue('spec.user', '', 'at least one of user or group must be specified'));
    if (kind === 'LocalSubjectAccessReview') {
      const ns = s((spec.resourceAttributes as Spec | undefined)?.namespace);
      if (spec.resourceAttributes && ns !== urlNamespace) {
        causes.push(invalidValue('spec.resourceAttributes.namespace', ns, 'must match metadata.namespace'));
      }
      if (spec.nonResourceAttributes) causes.push(invalidValue('spec.nonResourceAttributes', spec.nonResourceAttributes, 'disallowed on this kind of request'));
    }
  }
  if (causes.length) throw invalid(kind, AUTHZ_GROUP, '', causes);
  const d = authz.authorize(attributesOf(spec, user));
  return answer({ allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) });
}
