/**
 * Who made a request: what the gateway's authenticators produce and its authorizer consumes
 * (Kubernetes' user.Info). The authenticators (shared/auth/authn/, services/gateway) attach one
 * to every request; the authorizer (shared/auth/rbac/) decides on it.
 */
export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** Kubernetes' well-known users and groups. */
export const ANONYMOUS_USER = 'system:anonymous';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
export const AUTHENTICATED_GROUP = 'system:authenticated';
export const MASTERS_GROUP = 'system:masters';

/**
 * What is asked of the authorizer (Kubernetes' authorizer.Attributes): a resource request
 * (verb on group/resource/subresource, namespace, name) or a non-resource request (verb on path).
 */
export interface RequestAttributes {
  readonly user: UserInfo;
  readonly verb: string;
  readonly resourceRequest: boolean;
  readonly apiGroup?: string;
  readonly apiVersion?: string;
  readonly resource?: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** Non-resource requests only. */
  readonly path?: string;
}

export interface Decision {
  readonly allowed: boolean;
  /** Why (for SubjectAccessReview status.reason and the 403 message). */
  readonly reason: string;
}
