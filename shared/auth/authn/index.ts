export { createAuthenticator, bearerToken, withAuthenticated, ANONYMOUS, type AuthenticatorOptions, type AuthnResult, type AuthMethod, type Credentials, type LiveUid } from './authenticator.js';
export { authConfigFromEnv, type AuthConfig } from './config.js';
export { applySecurityMode, securityMode, standaloneClientProblem, INSECURE_WARNING, type SecurityFlags, type SecurityMode } from './security-mode.js';
export { parseTokenFile, type TokenTable } from './token-file.js';
export {
  DEFAULT_ISSUER,
  DEFAULT_EXPIRATION_SECONDS,
  MIN_EXPIRATION_SECONDS,
  MAX_EXPIRATION_SECONDS,
  SA_KEY_FILE,
  ensureSigningKey,
  signingKeyFromPem,
  signToken,
  tokenClaims,
  verifyToken,
  userFromClaims,
  looksLikeJwt,
  type SigningKey,
  type BoundKind,
  type ServiceAccountClaims,
} from './service-account-token.js';
export { kubeconfigYaml, parseKubeconfig, resolveKubeconfig, loadKubeconfig, type KubeconfigCredentials, type ResolvedKubeconfig } from './kubeconfig.js';
export { BEARER_PROTOCOL_PREFIX, isWebSocketRequest, notBearerProtocol, protocolBearer, type ProtocolBearer } from './websocket-protocol.js';
