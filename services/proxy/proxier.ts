/**
 * The proxier makes the sockets of this process match a plan (kube-proxy's userspace mode, in
 * Node): one `net.Server` per planned listener, each with its own balancer.
 *
 *  - A changed backend set is swapped into the balancer in place: new connections use it at once,
 *    nothing is re-bound, established connections keep their upstream.
 *  - A listener with no ready backend does not listen at all, so clients get ECONNREFUSED at once
 *    instead of a connection that hangs; it listens again when backends come back. A connection
 *    accepted in the window before the close is reset.
 *  - Listen and close of one listener are serialized on its own promise chain, and each step acts
 *    on the listener's latest desired state (level-based), so flapping backends coalesce safely.
 *  - A removed listener stops accepting; its established connections end on their own. Nothing
 *    one service does touches another's sockets.
 *  - A bind failure (EADDRINUSE, EACCES, EADDRNOTAVAIL) is logged, counted and retried with
 *    per-listener exponential backoff; it never throws.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../../shared/log.js';
import { ExponentialBackoff } from '../../shared/informer/rate-limiter.js';
import { Balancer } from './balancer.js';
import { forward, type Forwarding } from './connection.js';
import { proxyMetrics, type ProxyMetrics, type ServiceLabels } from './metrics.js';
import { backendKey, type PlannedListener } from './plan.js';

export interface ProxierOptions {
  readonly log: Logger;
  readonly registry: Registry;
  /** The balancers' clock (session affinity timeouts). */
  readonly now?: () => number;
  /** How long a backend may take to accept before the next one is tried (default 3 s). */
  readonly connectTimeoutMs?: number;
  /** First retry of a listener that failed to bind (default 1 s), doubling up to bindRetryCapMs (30 s). */
  readonly bindRetryMs?: number;
  readonly bindRetryCapMs?: number;
}

export interface ProxierStatus {
  /** Listening now. */
  readonly listening: number;
  /** Planned, but with no ready backend (not listening on purpose). */
  readonly idle: number;
  /** Planned with backends, but the last bind failed (retrying). */
  readonly failing: number;
  readonly connections: number;
}

interface Listener {
  readonly key: string;
  spec: PlannedListener;
  labels: ServiceLabels;
  readonly balancer: Balancer;
  /** In the current plan. */
  wanted: boolean;
  server: Server | undefined;
  /** Listen/close steps of this listener, one at a time. */
  chain: Promise<void>;
  /** A sync step is waiting on the chain (later kicks join it). */
  queued: boolean;
  bindError: string | undefined;
  retry: NodeJS.Timeout | undefined;
}

interface Conn {
  readonly client: Socket;
  readonly labels: ServiceLabels;
  readonly fwd: Forwarding;
  bytesIn: number;
  bytesOut: number;
}

const AFFINITY_PRUNE_MS = 60_000;

export class Proxier {
  private readonly log: Logger;
  private readonly metrics: ProxyMetrics;
  private readonly now: () => number;
  private readonly connectTimeoutMs: number;
  private readonly bindBackoff: ExponentialBackoff;
  private readonly listeners = new Map<string, Listener>();
  private readonly conns = new Set<Conn>();
  private readonly unhook: () => void;
  private readonly pruner: NodeJS.Timeout;
  private closed = false;

  constructor(opts: ProxierOptions) {
    this.log = opts.log;
    this.metrics = proxyMetrics(opts.registry);
    this.now = opts.now ?? Date.now;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 3000;
    this.bindBackoff = new ExponentialBackoff({ baseMs: opts.bindRetryMs ?? 1000, capMs: opts.bindRetryCapMs ?? 30_000 });
    this.unhook = this.metrics.beforeScrape(() => this.flushAll());
    this.pruner = setInterval(() => this.pruneAffinity(), AFFINITY_PRUNE_MS).unref();
  }

  /**
   * Adopt a plan. Resolves once every listener it touched has listened or closed (a failed bind
   * resolves too: it is retried in the background).
   */
  async apply(plan: readonly PlannedListener[]): Promise<void> {
    if (this.closed) return;
    const keys = new Set<string>();
    const steps: Promise<void>[] = [];
    for (const spec of plan) {
      keys.add(spec.key);
      const l = this.listeners.get(spec.key) ?? this.create(spec);
      l.spec = spec;
      l.labels = labelsOf(spec);
      l.wanted = true;
      if (l.balancer.update(spec.backends, spec.affinity)) this.log.debug({ listener: l.key, backends: spec.backends.map(backendKey) }, 'backends changed');
      steps.push(this.kick(l));
    }
    for (const l of this.listeners.values()) {
      if (keys.has(l.key) || !l.wanted) continue;
      l.wanted = false;
      steps.push(this.kick(l));
    }
    await Promise.all(steps);
  }

  /** Keys (`address:port`) listening now, sorted. */
  listening(): string[] {
    return [...this.listeners.values()].filter((l) => l.server).map((l) => l.key).sort();
  }

  status(): ProxierStatus {
    let listening = 0;
    let idle = 0;
    let failing = 0;
    for (const l of this.listeners.values()) {
      if (!l.wanted) continue;
      if (l.server) listening++;
      else if (l.balancer.size === 0) idle++;
      else if (l.bindError) failing++;
    }
    return { listening, idle, failing, connections: this.conns.size };
  }

  /** Stop listening and tear down every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pruner);
    const steps: Promise<void>[] = [];
    for (const l of this.listeners.values()) {
      clearTimeout(l.retry);
      l.wanted = false;
      steps.push(this.kick(l));
    }
    await Promise.all(steps);
    for (const c of [...this.conns]) c.fwd.destroy();
    this.flushAll();
    this.unhook();
  }

  // ------------------------------------------------------------------ listeners

  private create(spec: PlannedListener): Listener {
    const l: Listener = {
      key: spec.key,
      spec,
      labels: labelsOf(spec),
      balancer: new Balancer(this.now),
      wanted: true,
      server: undefined,
      chain: Promise.resolve(),
      queued: false,
      bindError: undefined,
      retry: undefined,
    };
    this.listeners.set(spec.key, l);
    return l;
  }

  /** Queue one sync step for the listener (joining one already waiting); resolves when it ran. */
  private kick(l: Listener): Promise<void> {
    if (!l.queued) {
      l.queued = true;
      l.chain = l.chain.then(() => {
        l.queued = false;
        return this.sync(l);
      });
    }
    return l.chain;
  }

  /** One step towards the listener's desired state: listen, close, or forget it. */
  private async sync(l: Listener): Promise<void> {
    const want = l.wanted && !this.closed && l.balancer.size > 0;
    if (want && !l.server) await this.listen(l);
    else if (!want && l.server) this.unlisten(l);
    if (!l.wanted && !l.server && !l.queued && this.listeners.get(l.key) === l) {
      clearTimeout(l.retry);
      this.bindBackoff.forget(l.key);
      this.listeners.delete(l.key);
    }
  }

  private async listen(l: Listener): Promise<void> {
    clearTimeout(l.retry);
    l.retry = undefined;
    const { address, port } = l.spec;
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (s) => this.accept(l, s));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: address, port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      server.close();
      this.bindFailed(l, err as NodeJS.ErrnoException);
      return;
    }
    server.on('error', (err) => this.log.warn({ err, listener: l.key }, 'listener error'));
    l.server = server;
    l.bindError = undefined;
    this.bindBackoff.forget(l.key);
    this.metrics.listeners.inc();
    this.log.info({ listener: l.key, service: l.spec.service, port: l.labels.port, backends: l.balancer.size }, 'listening');
  }

  private bindFailed(l: Listener, err: NodeJS.ErrnoException): void {
    const delay = this.bindBackoff.when(l.key);
    l.bindError = err.code ?? err.message;
    this.metrics.errors.inc({ ...l.labels, reason: 'bind' });
    this.log.warn({ listener: l.key, service: l.spec.service, code: l.bindError, retryMs: delay }, 'cannot listen; retrying');
    l.retry = setTimeout(() => {
      l.retry = undefined;
      void this.kick(l);
    }, delay).unref();
  }

  /** Stop accepting (the port is released at once); accepted connections live on. */
  private unlisten(l: Listener): void {
    l.server!.close();
    l.server = undefined;
    this.metrics.listeners.dec();
    const why = l.wanted ? 'no ready endpoints' : 'removed';
    this.log.info({ listener: l.key, service: l.spec.service, why }, 'stopped listening');
  }

  // ------------------------------------------------------------------ connections

  private accept(l: Listener, client: Socket): void {
    const labels = l.labels;
    if (l.balancer.size === 0 || this.closed) {
      // Accepted in the moment before the close: refuse it as if nothing listened.
      this.metrics.errors.inc({ ...labels, reason: 'no_endpoints' });
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    this.metrics.connections.inc(labels);
    this.metrics.active.inc(labels);
    const conn: Conn = {
      client,
      labels,
      bytesIn: 0,
      bytesOut: 0,
      fwd: forward(client, l.balancer, this.connectTimeoutMs, {
        connectFailed: (b, err) => {
          this.metrics.errors.inc({ ...labels, reason: 'connect' });
          this.log.debug({ listener: l.key, backend: backendKey(b), code: (err as NodeJS.ErrnoException).code }, 'backend connect failed');
        },
        closed: () => {
          this.flush(conn);
          this.conns.delete(conn);
          this.metrics.active.dec(labels);
        },
      }),
    };
    this.conns.add(conn);
  }

  /** Add what the connection moved since the last flush to the byte counters. */
  private flush(c: Conn): void {
    const read = c.client.bytesRead;
    const written = c.client.bytesWritten;
    if (read > c.bytesIn) this.metrics.bytesIn.inc(c.labels, read - c.bytesIn);
    if (written > c.bytesOut) this.metrics.bytesOut.inc(c.labels, written - c.bytesOut);
    c.bytesIn = read;
    c.bytesOut = written;
  }

  private flushAll(): void {
    for (const c of this.conns) this.flush(c);
  }

  private pruneAffinity(): void {
    for (const l of this.listeners.values()) l.balancer.prune();
  }
}

/** Metric labels of a listener: the service port's name, or its number when unnamed. */
export function labelsOf(spec: PlannedListener): ServiceLabels {
  return { namespace: spec.namespace, name: spec.name, port: spec.portName || String(spec.servicePort) };
}
