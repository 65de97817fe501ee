/**
 * The gateway's authorizer, by mode (kube-apiserver's --authorization-mode): `AlwaysAllow` allows
 * everything (jetkube's default until the secure mode turns RBAC on); `RBAC` decides from the
 * policy the informers keep (shared/auth/rbac), members of system:masters always allowed.
 * Each also answers what a user may do (SelfSubjectRulesReview).
 */
import type { Decision, RequestAttributes, UserInfo } from '../../../shared/auth/user.js';
import { authorize, isMaster, rulesFor, type PolicySource } from '../../../shared/auth/rbac/index.js';
import type { PolicyRule } from '../../../shared/resources/rbac.js';

export type AuthorizationMode = 'AlwaysAllow' | 'RBAC';
export const AUTHORIZATION_MODES: readonly AuthorizationMode[] = ['AlwaysAllow', 'RBAC'];

export function parseAuthorizationMode(v: string | undefined): AuthorizationMode {
  if (!v) return 'AlwaysAllow';
  if ((AUTHORIZATION_MODES as readonly string[]).includes(v)) return v as AuthorizationMode;
  throw new Error(`AUTHORIZATION_MODE must be one of ${AUTHORIZATION_MODES.join(', ')}, got "${v}"`);
}

export interface UserRules {
  readonly rules: readonly PolicyRule[];
  readonly incomplete: boolean;
  readonly errors: readonly string[];
}

export interface Authorizer {
  readonly mode: AuthorizationMode;
  authorize(a: RequestAttributes): Decision;
  rulesFor(user: UserInfo, namespace: string): UserRules;
  /** The RBAC policy (undefined in AlwaysAllow mode: nothing is checked). */
  readonly policy?: PolicySource;
}

const EVERYTHING: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

export function alwaysAllow(): Authorizer {
  return {
    mode: 'AlwaysAllow',
    authorize: () => ({ allowed: true, reason: '' }),
    rulesFor: () => ({ rules: EVERYTHING, incomplete: false, errors: [] }),
  };
}

export function rbacAuthorizer(policy: PolicySource): Authorizer {
  return {
    mode: 'RBAC',
    policy,
    authorize: (a) => authorize(policy, a),
    rulesFor(user, namespace) {
      const own = rulesFor(policy, user, namespace);
      const rules = isMaster(user) ? [...EVERYTHING, ...own.rules] : own.rules;
      return { rules, incomplete: own.errors.length > 0, errors: own.errors };
    },
  };
}
