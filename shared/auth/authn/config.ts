/**
 * How the gateway authenticates, from the environment. Secure mode (JETKUBE_AUTH=on) serves HTTPS
 * with a certificate from the cluster CA and authenticates every request. The `jetkube` binary
 * turns it on unless told otherwise (security-mode.ts: `--insecure`, JETKUBE_AUTH=off); read here,
 * an unset JETKUBE_AUTH is off, so the library and the in-process test stack stay plain HTTP
 * (every request `system:admin` in system:masters) unless they ask.
 */
import { boolFromEnv } from '../../config.js';
import { DEFAULT_ISSUER } from './service-account-token.js';

export interface AuthConfig {
  /** JETKUBE_AUTH=on: HTTPS and authentication. */
  readonly secure: boolean;
  /** TOKEN_AUTH_FILE: kube-apiserver's --token-auth-file (CSV). */
  readonly tokenAuthFile?: string;
  /** ANONYMOUS_AUTH=true: requests without credentials are system:anonymous (off by default). */
  readonly anonymous: boolean;
  /** SERVICE_ACCOUNT_ISSUER (kube-apiserver's --service-account-issuer). */
  readonly issuer: string;
  /** API_AUDIENCES, comma separated (default: the issuer), kube-apiserver's --api-audiences. */
  readonly audiences: readonly string[];
  /** TLS_SAN, comma separated: extra names for the serving certificate (k3s' --tls-san). */
  readonly extraSANs: readonly string[];
}


const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

export function authConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const issuer = env.SERVICE_ACCOUNT_ISSUER || DEFAULT_ISSUER;
  const audiences = list(env.API_AUDIENCES);
  return {
    secure: boolFromEnv(env.JETKUBE_AUTH, 'JETKUBE_AUTH', false),
    ...(env.TOKEN_AUTH_FILE ? { tokenAuthFile: env.TOKEN_AUTH_FILE } : {}),
    anonymous: boolFromEnv(env.ANONYMOUS_AUTH, 'ANONYMOUS_AUTH', false),
    issuer,
    audiences: audiences.length ? audiences : [issuer],
    extraSANs: list(env.TLS_SAN),
  };
}
