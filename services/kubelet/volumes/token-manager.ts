/**
 * The kubelet's ServiceAccount token manager (Kubernetes' pkg/kubelet/token): projected
 * `serviceAccountToken` sources get a pod-bound token from the gateway's TokenRequest API
 * (POST /api/v1/namespaces/{ns}/serviceaccounts/{sa}/token, boundObjectRef the pod), cached per
 * (namespace, service account, pod uid, audience, expirationSeconds) and asked again once 80% of
 * its lifetime has passed, or when it is older than 24 hours (Kubernetes' rules: `requiresRefresh`).
 *
 * Planning volumes is pure and synchronous, so the kubelet first calls `prepare(pod)` (the I/O),
 * then hands `lookup` to the planner; a failed request is remembered and planned as
 * `failed to fetch token: <the gateway's message>` (the FailedMount event Kubernetes gives).
 */
import type { GatewayClient } from '../../../shared/client/index.js';
import type { Pod } from '../../../shared/resources/types.js';

/** Kubernetes' maxTTL: a token older than this is refreshed whatever its expiry. */
export const MAX_TOKEN_AGE_MS = 24 * 3600_000;
/** The API's default for a projected token's expirationSeconds. */
export const DEFAULT_PROJECTED_EXPIRATION_SECONDS = 3600;

export interface IssuedToken {
  readonly token: string;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

export type TokenLookup = { readonly ok: true; readonly token: string } | { readonly ok: false; readonly message: string };

export interface TokenSource {
  readonly audience: string;
  readonly expirationSeconds: number;
}

/** When a token is due again: at 80% of its lifetime, or at 24 hours of age, whichever comes first. */
export function refreshAtMs(t: Pick<IssuedToken, 'issuedAtMs' | 'expiresAtMs'>): number {
  const ttl = t.expiresAtMs - t.issuedAtMs;
  return Math.min(t.issuedAtMs + Math.floor((ttl * 8) / 10), t.issuedAtMs + MAX_TOKEN_AGE_MS);
}

export function requiresRefresh(t: Pick<IssuedToken, 'issuedAtMs' | 'expiresAtMs'>, nowMs: number): boolean {
  return nowMs >= t.expiresAtMs || nowMs >= refreshAtMs(t);
}

/** The token sources a pod's projected volumes ask for (defaults filled in). */
export function podTokenSources(pod: Pod): TokenSource[] {
  const out: TokenSource[] = [];
  for (const v of pod.spec.volumes ?? []) {
    const sources = (v as { projected?: { sources?: { serviceAccountToken?: { audience?: string; expirationSeconds?: number } }[] } }).projected?.sources;
    for (const s of sources ?? []) {
      const t = s.serviceAccountToken;
      if (t) out.push({ audience: t.audience ?? '', expirationSeconds: t.expirationSeconds ?? DEFAULT_PROJECTED_EXPIRATION_SECONDS });
    }
  }
  return out;
}

export function tokenKey(pod: Pod, src: TokenSource): string {
  const sa = pod.spec.serviceAccountName || 'default';
  return `${pod.metadata.namespace}/${sa}/${pod.metadata.name}/${pod.metadata.uid}/${src.audience}/${src.expirationSeconds}`;
}

interface TokenRequestAnswer {
  status?: { token?: string; expirationTimestamp?: string };
}

export class TokenManager {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly errors = new Map<string, string>();

  constructor(
    private readonly client: GatewayClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Fetch every token the pod needs that is missing or due (errors are kept for `lookup`).
   * Returns the earliest time one of them is due again, for the kubelet to requeue the pod.
   */
  async prepare(pod: Pod): Promise<number | undefined> {
    let next: number | undefined;
    for (const src of podTokenSources(pod)) {
      const key = tokenKey(pod, src);
      const have = this.tokens.get(key);
      const nowMs = this.now().getTime();
      if (!have || requiresRefresh(have, nowMs)) {
        try {
          const t = await this.request(pod, src, nowMs);
          this.tokens.set(key, t);
          this.errors.delete(key);
        } catch (e) {
          // An expired token is no use; a current one is kept while the refresh keeps failing (Kubernetes does the same).
          if (have && nowMs >= have.expiresAtMs) this.tokens.delete(key);
          if (!this.tokens.has(key)) this.errors.set(key, (e as Error).message);
        }
      }
      const t = this.tokens.get(key);
      if (t) next = Math.min(next ?? Infinity, refreshAtMs(t));
    }
    return next;
  }

  lookup(pod: Pod, src: TokenSource): TokenLookup | undefined {
    const key = tokenKey(pod, src);
    const t = this.tokens.get(key);
    if (t) return { ok: true, token: t.token };
    const err = this.errors.get(key);
    return err !== undefined ? { ok: false, message: err } : undefined;
  }

  /** The pod is gone: its tokens go (keys carry the uid). */
  forget(uid: string): void {
    for (const m of [this.tokens, this.errors] as Map<string, unknown>[]) {
      for (const k of m.keys()) if (k.split('/')[3] === uid) m.delete(k);
    }
  }

  private async request(pod: Pod, src: TokenSource, nowMs: number): Promise<IssuedToken> {
    const ns = pod.metadata.namespace ?? 'default';
    const sa = pod.spec.serviceAccountName || 'default';
    const body = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        ...(src.audience ? { audiences: [src.audience] } : {}),
        expirationSeconds: src.expirationSeconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
      },
    };
    const r = await this.client.request<TokenRequestAnswer>('POST', `/api/v1/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(sa)}/token`, body);
    const token = r?.status?.token;
    const exp = r?.status?.expirationTimestamp ? Date.parse(r.status.expirationTimestamp) : NaN;
    if (!token || Number.isNaN(exp)) throw new Error('the TokenRequest answer has no token or expiration');
    return { token, issuedAtMs: nowMs, expiresAtMs: exp };
  }
}
