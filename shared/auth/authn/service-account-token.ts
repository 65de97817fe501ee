/**
 * ServiceAccount tokens: JWTs (ES256) signed with the cluster's key, with the claims Kubernetes'
 * TokenRequest issues (iss, aud, exp/iat/nbf, jti, sub `system:serviceaccount:<ns>:<name>` and the
 * private `kubernetes.io` claim naming the namespace, the ServiceAccount and an optional bound Pod),
 * and their validation (signature, issuer, audience, time). Whether the ServiceAccount (and bound
 * Pod) still exist with the token's uids is the caller's check (it needs the API). Signing with
 * `jose`; the clock is passed in.
 */
import { createHash, createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { SignJWT, jwtVerify, errors as joseErrors, generateKeyPair, exportPKCS8 } from 'jose';
import { writeOnce } from '../../pki/files.js';
import type { UserInfo } from '../user.js';

/** kube-apiserver's default --service-account-issuer and --api-audiences. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** TokenRequest's default expirationSeconds (one hour) and its bounds (10 minutes, 2^32 s). */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
export const MIN_EXPIRATION_SECONDS = 600;
export const MAX_EXPIRATION_SECONDS = 2 ** 32;
export const SA_KEY_FILE = 'sa.key';
/** Leeway for iat/nbf/exp, as Kubernetes' validator allows (60 s). */
const LEEWAY_SECONDS = 60;

export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** base64url SHA-256 of the DER public key, as Kubernetes derives its `kid`. */
  readonly kid: string;
}

export function signingKeyFromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const kid = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
  return { privateKey, publicKey, kid };
}

/** The cluster's signing key, `<dataDir>/sa.key`, made on first need. */
export async function ensureSigningKey(dataDir: string): Promise<SigningKey> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const pem = await writeOnce(join(dataDir, SA_KEY_FILE), await exportPKCS8(privateKey), 0o600);
  return signingKeyFromPem(pem);
}

export interface ObjectRef {
  readonly name: string;
  readonly uid: string;
}

/** What a token can be bound to (TokenRequest's boundObjectRef kinds); a Pod-bound token also names the Pod's node. */
export type BoundKind = 'Pod' | 'Secret' | 'Node';

export interface TokenParams {
  readonly namespace: string;
  readonly serviceAccount: ObjectRef;
  readonly pod?: ObjectRef;
  readonly secret?: ObjectRef;
  /** The bound Node, or the bound Pod's node (uid empty when that Node is not found). */
  readonly node?: ObjectRef;
  readonly audiences: readonly string[];
  readonly expirationSeconds: number;
  readonly issuer: string;
  readonly now: Date;
  readonly jti?: string;
}

export interface KubernetesClaim {
  readonly namespace: string;
  readonly serviceaccount: ObjectRef;
  readonly pod?: ObjectRef;
  readonly secret?: ObjectRef;
  readonly node?: ObjectRef;
}

export interface ServiceAccountClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string[];
  readonly exp: number;
  readonly iat: number;
  readonly nbf: number;
  readonly jti: string;
  readonly 'kubernetes.io': KubernetesClaim;
}

/** The claims of a new token (pure). */
export function tokenClaims(p: TokenParams): ServiceAccountClaims {
  const iat = Math.floor(p.now.getTime() / 1000);
  return {
    iss: p.issuer,
    sub: `${SERVICE_ACCOUNT_PREFIX}${p.namespace}:${p.serviceAccount.name}`,
    aud: [...p.audiences],
    exp: iat + p.expirationSeconds,
    iat,
    nbf: iat,
    jti: p.jti ?? randomUUID(),
    'kubernetes.io': {
      namespace: p.namespace,
      serviceaccount: { name: p.serviceAccount.name, uid: p.serviceAccount.uid },
      ...(p.pod ? { pod: { name: p.pod.name, uid: p.pod.uid } } : {}),
      ...(p.secret ? { secret: { name: p.secret.name, uid: p.secret.uid } } : {}),
      ...(p.node ? { node: { name: p.node.name, ...(p.node.uid ? { uid: p.node.uid } : {}) } as ObjectRef } : {}),
    },
  };
}

export async function signToken(key: SigningKey, claims: ServiceAccountClaims): Promise<string> {
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(key.privateKey);
}

export type VerifyResult = { readonly ok: true; readonly claims: ServiceAccountClaims } | { readonly ok: false; readonly reason: string };

/** True when a bearer token looks like a JWT (three base64url parts): only those go to this authenticator. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/**
 * Check a token's signature, issuer, audience (one of `audiences`), expiry and the shape of its
 * claims. A token of another issuer is `ok: false` too (there is no other authenticator for it).
 */
export async function verifyToken(key: SigningKey, token: string, opts: { issuer: string; audiences: readonly string[]; now: Date }): Promise<VerifyResult> {
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: ['ES256'],
      issuer: opts.issuer,
      audience: [...opts.audiences],
      currentDate: opts.now,
      clockTolerance: LEEWAY_SECONDS,
      requiredClaims: ['exp', 'sub'],
    });
    const k8s = payload['kubernetes.io'] as KubernetesClaim | undefined;
    if (!k8s || typeof k8s.namespace !== 'string' || typeof k8s.serviceaccount?.name !== 'string' || typeof k8s.serviceaccount?.uid !== 'string') {
      return { ok: false, reason: 'service account token claims are malformed' };
    }
    if (payload.sub !== `${SERVICE_ACCOUNT_PREFIX}${k8s.namespace}:${k8s.serviceaccount.name}`) return { ok: false, reason: 'sub does not match the kubernetes.io claim' };
    return { ok: true, claims: payload as unknown as ServiceAccountClaims };
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) return { ok: false, reason: 'service account token has expired' };
    if (e instanceof joseErrors.JWTClaimValidationFailed) return { ok: false, reason: `token ${e.claim} claim is invalid: ${e.reason}` };
    if (e instanceof joseErrors.JOSEError) return { ok: false, reason: `invalid bearer token: ${e.message}` };
    throw e;
  }
}

/** The user a valid token stands for (Kubernetes' serviceaccount.UserInfo). */
export function userFromClaims(c: ServiceAccountClaims): UserInfo {
  const k = c['kubernetes.io'];
  const extra: Record<string, string[]> = { 'authentication.kubernetes.io/credential-id': [`JTI=${c.jti}`] };
  if (k.pod) {
    extra['authentication.kubernetes.io/pod-name'] = [k.pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [k.pod.uid];
  }
  if (k.node) {
    extra['authentication.kubernetes.io/node-name'] = [k.node.name];
    if (k.node.uid) extra['authentication.kubernetes.io/node-uid'] = [k.node.uid];
  }
  return {
    username: c.sub,
    uid: k.serviceaccount.uid,
    groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${k.namespace}`],
    extra,
  };
}
