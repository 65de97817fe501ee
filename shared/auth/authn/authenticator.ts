/**
 * The gateway's authenticators, in kube-apiserver's order: client certificate, static token file,
 * ServiceAccount token, then anonymous. The first that recognises the request's credential
 * decides; a credential that is presented and fails (a certificate the CA did not sign, an
 * unknown or expired token) is a 401, even with anonymous on, as in Kubernetes. Every
 * authenticated user is in `system:authenticated`; anonymous is `system:anonymous` in
 * `system:unauthenticated`. I/O (the ServiceAccount and Pod lookups) behind ports.
 */
import { ANONYMOUS_USER, AUTHENTICATED_GROUP, UNAUTHENTICATED_GROUP, type UserInfo } from '../user.js';
import type { TokenTable } from './token-file.js';
import { looksLikeJwt, userFromClaims, verifyToken, type BoundKind, type SigningKey } from './service-account-token.js';

/** What a request presents (from its TLS session and Authorization header). */
export interface Credentials {
  /** The client certificate, when one was sent. */
  readonly clientCert?: {
    /** Chain verified against the cluster CA by TLS. */
    readonly verified: boolean;
    readonly verifyError?: string;
    readonly commonName: string;
    readonly organizations: readonly string[];
    /** Extended key usage OIDs (clientAuth must be among them when the extension is present). */
    readonly extKeyUsage?: readonly string[];
  };
  /** The `Authorization: Bearer` token, when one was sent. */
  readonly bearerToken?: string;
}

export type LiveUid = (kind: 'ServiceAccount' | BoundKind, namespace: string, name: string) => Promise<string | undefined>;

export interface AuthenticatorOptions {
  readonly tokens?: TokenTable;
  readonly serviceAccounts?: {
    readonly key: SigningKey;
    readonly issuer: string;
    readonly audiences: readonly string[];
    /**
     * The uid of a live object a token names (its ServiceAccount, or what it is bound to), or
     * undefined when it is gone; a Pod being deleted counts as gone. `namespace` is '' for a Node.
     */
    readonly liveUid: LiveUid;
  };
  readonly anonymous: boolean;
  readonly now: () => Date;
}

export type AuthnResult =
  | { readonly ok: true; readonly user: UserInfo; readonly method: AuthMethod; /** The audiences the credential is good for, of those asked. */ readonly audiences: readonly string[] }
  | { readonly ok: false; readonly reason: string };
export type AuthMethod = 'x509' | 'token-file' | 'serviceaccount' | 'anonymous';

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';
const ANY_EKU_OID = '2.5.29.37.0';

export const ANONYMOUS: UserInfo = { username: ANONYMOUS_USER, groups: [UNAUTHENTICATED_GROUP] };

/** Add system:authenticated (once). */
export function withAuthenticated(u: UserInfo): UserInfo {
  return u.groups.includes(AUTHENTICATED_GROUP) ? u : { ...u, groups: [...u.groups, AUTHENTICATED_GROUP] };
}

/**
 * `audiences` (a TokenReview's spec.audiences; default the gateway's own): a ServiceAccount token
 * must be for one of them; the other credentials know no audience and are good for the gateway's
 * own only (Kubernetes' audience-agnostic wrapper), so asking for others fails them.
 */
export function createAuthenticator(opts: AuthenticatorOptions): (c: Credentials, audiences?: readonly string[]) => Promise<AuthnResult> {
  const own = opts.serviceAccounts?.audiences ?? [];
  return async (c, asked) => {
    const audiences = asked?.length ? asked : own;
    const agnostic = asked?.length ? asked.filter((a) => own.includes(a)) : own;
    if (asked?.length && !agnostic.length && (c.clientCert || (c.bearerToken !== undefined && opts.tokens?.has(c.bearerToken)))) {
      return { ok: false, reason: 'token audiences is invalid for the target audiences' };
    }
    const cert = c.clientCert;
    if (cert) {
      if (!cert.verified) return { ok: false, reason: `x509: certificate signed by unknown authority (${cert.verifyError ?? 'unverified'})` };
      if (cert.extKeyUsage && !cert.extKeyUsage.some((o) => o === CLIENT_AUTH_OID || o === ANY_EKU_OID)) {
        return { ok: false, reason: 'x509: certificate specifies an incompatible key usage' };
      }
      if (!cert.commonName) return { ok: false, reason: 'x509: certificate has no common name' };
      return { ok: true, method: 'x509', audiences: agnostic, user: withAuthenticated({ username: cert.commonName, groups: [...cert.organizations] }) };
    }
    const token = c.bearerToken;
    if (token !== undefined) {
      const fromFile = opts.tokens?.get(token);
      if (fromFile) return { ok: true, method: 'token-file', audiences: agnostic, user: withAuthenticated(fromFile) };
      const sa = opts.serviceAccounts;
      if (sa && looksLikeJwt(token)) {
        const v = await verifyToken(sa.key, token, { issuer: sa.issuer, audiences, now: opts.now() });
        if (!v.ok) return v;
        const k = v.claims['kubernetes.io'];
        const uid = await sa.liveUid('ServiceAccount', k.namespace, k.serviceaccount.name);
        if (uid === undefined) return { ok: false, reason: `service account ${k.namespace}/${k.serviceaccount.name} has been deleted` };
        if (uid !== k.serviceaccount.uid) return { ok: false, reason: `service account UID (${uid}) does not match claim (${k.serviceaccount.uid})` };
        // The bound object must still be there, the same one (a Pod's node is informational only).
        const bound: [BoundKind, string, { name: string; uid: string }] | undefined = k.pod
          ? ['Pod', k.namespace, k.pod]
          : k.secret
            ? ['Secret', k.namespace, k.secret]
            : k.node
              ? ['Node', '', k.node]
              : undefined;
        if (bound) {
          const [kind, ns, ref] = bound;
          const got = await sa.liveUid(kind, ns, ref.name);
          const what = `${kind.toLowerCase()} ${ns ? `${ns}/` : ''}${ref.name}`;
          if (got === undefined) return { ok: false, reason: `${what} has been deleted${kind === 'Pod' ? ' or is being deleted' : ''}` };
          if (got !== ref.uid) return { ok: false, reason: `${what}: UID (${got}) does not match claim (${ref.uid})` };
        }
        return { ok: true, method: 'serviceaccount', audiences: audiences.filter((a) => v.claims.aud.includes(a)), user: withAuthenticated(userFromClaims(v.claims)) };
      }
      return { ok: false, reason: 'invalid bearer token' };
    }
    if (opts.anonymous) return { ok: true, method: 'anonymous', audiences: agnostic, user: ANONYMOUS };
    return { ok: false, reason: 'no credentials' };
  };
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive); undefined otherwise. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1] : undefined;
}
