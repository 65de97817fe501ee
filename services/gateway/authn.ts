/**
 * Authentication at the gateway: every request gets `request.user` (a UserInfo, the contract in
 * shared/auth/user.ts) from an onRequest hook, before its body is read. The authorizer's hooks run
 * after this one and read `request.user`.
 *
 * Secure mode (JETKUBE_AUTH=on): the server is HTTPS with a serving certificate from the cluster
 * CA and asks for (but does not require) a client certificate; the authenticators of
 * shared/auth/authn decide, and a missing or bad credential is Kubernetes' 401 Status
 * `Unauthorized`. Health and version paths without any credential are answered as
 * system:anonymous (Kubernetes serves them to anonymous through system:public-info-viewer).
 * Default mode: plain HTTP, every request is `system:admin` in `system:masters`.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { isConsolePath } from './console.js';
import { AUTHENTICATED_GROUP, MASTERS_GROUP, type UserInfo } from '../../shared/auth/user.js';
import {
  ANONYMOUS,
  bearerToken,
  createAuthenticator,
  isWebSocketRequest,
  protocolBearer,
  ensureSigningKey,
  parseTokenFile,
  type AuthConfig,
  type LiveUid,
  type AuthnResult,
  type Credentials,
  type SigningKey,
} from '../../shared/auth/authn/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who made the request (set by the authentication hook before anything else runs). */
    user: UserInfo;
  }
}

/** Who every request is in insecure mode (JETKUBE_AUTH=off). */
export const INSECURE_USER: UserInfo = { username: 'system:admin', groups: [MASTERS_GROUP, AUTHENTICATED_GROUP] };

/** Paths answered to a request without credentials (kube-apiserver's system:public-info-viewer). */
const PUBLIC_INFO = /^\/(healthz|livez|readyz)(\/|$)|^\/version\/?$/;

export type Authenticate = (c: Credentials, audiences?: readonly string[]) => Promise<AuthnResult>;

export interface GatewayAuthn {
  readonly config: AuthConfig;
  /** Undefined in insecure mode (JETKUBE_AUTH=off). */
  readonly authenticate?: Authenticate;
  /** The ServiceAccount token signing key, made on first use (TokenRequest). */
  signingKey(): Promise<SigningKey>;
}

/** The credentials a raw request presents: its TLS client certificate and Authorization header. */
export function credentialsOf(req: IncomingMessage): Credentials {
  const sock = req.socket as TLSSocket;
  let clientCert: Credentials['clientCert'];
  if (typeof sock.getPeerCertificate === 'function') {
    const peer = sock.getPeerCertificate();
    if (peer && Object.keys(peer).length) {
      const o = peer.subject?.O as string | string[] | undefined;
      const cn = peer.subject?.CN as string | string[] | undefined;
      clientCert = {
        verified: sock.authorized,
        ...(sock.authorizationError ? { verifyError: String(sock.authorizationError) } : {}),
        commonName: Array.isArray(cn) ? (cn[0] ?? '') : (cn ?? ''),
        organizations: o === undefined ? [] : Array.isArray(o) ? o : [o],
        ...(peer.ext_key_usage ? { extKeyUsage: peer.ext_key_usage } : {}),
      };
    }
  }
  const token = bearerToken(req.headers.authorization) ?? webSocketToken(req);
  return { ...(clientCert ? { clientCert } : {}), ...(token !== undefined ? { bearerToken: token } : {}) };
}

/**
 * The token a WebSocket upgrade carries in its subprotocols (a browser's way), which then leaves the
 * offered protocols, as in Kubernetes; a malformed one is a 401.
 */
function webSocketToken(req: IncomingMessage): string | undefined {
  if (!isWebSocketRequest(req.headers)) return undefined;
  const b = protocolBearer(req.headers['sec-websocket-protocol']);
  if (b.type === 'none') return undefined;
  if (b.type === 'invalid') throw unauthorized();
  req.headers['sec-websocket-protocol'] = b.others.join(', ');
  return b.token;
}

export function unauthorized(): ApiError {
  return new ApiError('Unauthorized', 'Unauthorized');
}

/** The user of a raw request (also for WebSocket upgrades, which bypass fastify's hooks); 401 when none. */
export async function authenticateRequest(authn: GatewayAuthn, req: IncomingMessage, log?: Logger): Promise<UserInfo> {
  if (!authn.authenticate) return INSECURE_USER;
  const creds = credentialsOf(req);
  const r = await authn.authenticate(creds);
  if (r.ok) return r.user;
  if (!creds.clientCert && creds.bearerToken === undefined && PUBLIC_INFO.test((req.url ?? '/').split('?')[0]!)) return ANONYMOUS;
  // The console's static files (console.ts) are no API: a browser loads them before it has a credential.
  if (isConsolePath(req.url ?? '/')) return ANONYMOUS;
  log?.info({ reason: r.reason, url: req.url, method: req.method }, 'unable to authenticate the request');
  throw unauthorized();
}

/** Decorate requests with `user` and authenticate each in an onRequest hook (register it first). */
export function installAuthentication(app: FastifyInstance, authn: GatewayAuthn, log?: Logger): void {
  app.decorateRequest('user', null as unknown as UserInfo);
  app.addHook('onRequest', async (req: FastifyRequest) => {
    req.user = await authenticateRequest(authn, req.raw, log);
  });
}

export interface AuthnPorts {
  readonly liveUid: LiveUid;
  readonly now: () => Date;
}

/** The gateway's authentication from its config: the token file read and the signing key loaded at start in secure mode. */
export async function gatewayAuthn(config: AuthConfig, dataDir: string, ports: AuthnPorts): Promise<GatewayAuthn> {
  let key: Promise<SigningKey> | undefined;
  const signingKey = () => (key ??= ensureSigningKey(dataDir));
  if (!config.secure) return { config, signingKey };
  const tokens = config.tokenAuthFile ? parseTokenFile(await readFile(config.tokenAuthFile, 'utf8'), config.tokenAuthFile) : undefined;
  const authenticate = createAuthenticator({
    ...(tokens ? { tokens } : {}),
    serviceAccounts: { key: await signingKey(), issuer: config.issuer, audiences: config.audiences, liveUid: ports.liveUid },
    anonymous: config.anonymous,
    now: ports.now,
  });
  return { config, authenticate, signingKey };
}
