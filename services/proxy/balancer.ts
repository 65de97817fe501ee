/**
 * Backend choice for one listener (kube-proxy userspace's LoadBalancerRR): round robin over the
 * ready backends, and with ClientIP affinity the backend a client last used, as long as it is still
 * a backend and the client came back within the timeout (measured from its last connection).
 *
 * Backends change under live traffic, so an update keeps the rotation where it was: the next pick
 * follows the backend picked last if it survived, and a client's affinity only ends when its own
 * backend goes. Pure apart from the injected clock.
 */
import { backendKey, type Affinity, type Backend } from './plan.js';

const NO_AFFINITY: Affinity = { kind: 'None' };

interface Sticky {
  readonly backend: string;
  at: number;
}

export class Balancer {
  private backends: readonly Backend[] = [];
  private keys: readonly string[] = [];
  private byKey = new Map<string, Backend>();
  /** Index of the next round-robin pick. */
  private next = 0;
  private last: string | undefined;
  private affinity: Affinity = NO_AFFINITY;
  private readonly sticky = new Map<string, Sticky>();

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.backends.length;
  }

  list(): readonly Backend[] {
    return this.backends;
  }

  /** Adopt a new backend set and affinity; returns false when nothing changed. */
  update(backends: readonly Backend[], affinity: Affinity = NO_AFFINITY): boolean {
    const affinityChanged = !sameAffinity(affinity, this.affinity);
    if (affinityChanged) {
      this.affinity = affinity;
      if (affinity.kind === 'None') this.sticky.clear();
    }
    const keys = backends.map(backendKey);
    if (sameKeys(keys, this.keys)) return affinityChanged;
    this.backends = backends;
    this.keys = keys;
    this.byKey = new Map(keys.map((k, i) => [k, backends[i]!]));
    const at = this.last === undefined ? -1 : keys.indexOf(this.last);
    this.next = keys.length === 0 ? 0 : at >= 0 ? (at + 1) % keys.length : this.next % keys.length;
    for (const [client, s] of this.sticky) if (!this.byKey.has(s.backend)) this.sticky.delete(client);
    return true;
  }

  /**
   * The backend for a new connection from `clientIp`, skipping the ones already `tried` for it
   * (a failed connect); undefined when none is left.
   */
  pick(clientIp: string | undefined, tried?: ReadonlySet<string>): Backend | undefined {
    if (this.keys.length === 0) return undefined;
    const affine = this.affinity.kind === 'ClientIP' && clientIp !== undefined;
    const now = affine ? this.now() : 0;
    if (affine) {
      const s = this.sticky.get(clientIp);
      if (s && this.fresh(s, now) && !tried?.has(s.backend)) {
        s.at = now;
        return this.byKey.get(s.backend);
      }
    }
    const key = this.roundRobin(tried);
    if (key === undefined) return undefined;
    if (affine) this.sticky.set(clientIp, { backend: key, at: now });
    return this.byKey.get(key);
  }

  /** Forget affinities that timed out; returns how many are left. */
  prune(): number {
    if (this.sticky.size === 0) return 0;
    const now = this.now();
    for (const [client, s] of this.sticky) if (!this.fresh(s, now)) this.sticky.delete(client);
    return this.sticky.size;
  }

  private roundRobin(tried: ReadonlySet<string> | undefined): string | undefined {
    const n = this.keys.length;
    for (let i = 0; i < n; i++) {
      const idx = (this.next + i) % n;
      const key = this.keys[idx]!;
      if (tried?.has(key)) continue;
      this.next = (idx + 1) % n;
      this.last = key;
      return key;
    }
    return undefined;
  }

  private fresh(s: Sticky, now: number): boolean {
    return this.affinity.kind === 'ClientIP' && now - s.at < this.affinity.timeoutSeconds * 1000;
  }
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

function sameAffinity(a: Affinity, b: Affinity): boolean {
  return a.kind === b.kind && (a.kind === 'None' || a.timeoutSeconds === (b as typeof a).timeoutSeconds);
}
