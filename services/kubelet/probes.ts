/**
 * Liveness, readiness and startup probes (kubelet's prober manager): one worker per running
 * container and probe, each on its own timer. A result flips after successThreshold successes or
 * failureThreshold failures in a row; a flip calls `onChange(podKey)` so the pod is synced (a
 * failed liveness/startup probe gets the container killed, readiness goes into the status). Until
 * a startup probe succeeds, liveness and readiness do not run. Probes: httpGet, tcpSocket, exec.
 */
import { connect } from 'node:net';
import type { Container, ContainerStatus, Probe } from '../../shared/resources/types.js';
import type { Logger } from '../../shared/log.js';
import type { ProbeResults } from './pod-plan.js';
import type { ContainerRuntime } from './runtime/types.js';

type ProbeType = 'startup' | 'liveness' | 'readiness';

export interface ProbeOutcome {
  readonly ok: boolean;
  readonly message: string;
}

export interface ProbeTarget {
  readonly containerId: string;
  readonly container: Container;
  readonly podIp: string | undefined;
}

/** Resolve a probe port: a number, or the name of one of the container's ports. */
export function probePort(port: number | string, c: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

/** Run one probe once. */
export async function runProbe(probe: Probe, t: ProbeTarget, runtime: ContainerRuntime): Promise<ProbeOutcome> {
  const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
  try {
    if (probe.exec) {
      const r = await runtime.exec(t.containerId, probe.exec.command ?? [], timeoutMs);
      return r.exitCode === 0 ? { ok: true, message: '' } : { ok: false, message: `command failed with exit code ${r.exitCode}: ${r.output.trim()}`.trim() };
    }
    if (probe.httpGet) {
      const g = probe.httpGet;
      const port = probePort(g.port, t.container);
      if (port === undefined) return { ok: false, message: `unknown port ${String(g.port)}` };
      const host = g.host || t.podIp || '127.0.0.1';
      const scheme = (g.scheme ?? 'HTTP').toLowerCase();
      const path = g.path ? (g.path.startsWith('/') ? g.path : `/${g.path}`) : '/';
      const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
      const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.32' };
      for (const h of g.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value;
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      await res.body?.cancel().catch(() => undefined);
      return res.status >= 200 && res.status < 400 ? { ok: true, message: '' } : { ok: false, message: `HTTP probe failed with statuscode: ${res.status}` };
    }
    if (probe.tcpSocket) {
      const port = probePort(probe.tcpSocket.port, t.container);
      if (port === undefined) return { ok: false, message: `unknown port ${String(probe.tcpSocket.port)}` };
      const host = probe.tcpSocket.host || t.podIp || '127.0.0.1';
      await new Promise<void>((resolve, reject) => {
        const s = connect({ host, port, timeout: timeoutMs });
        s.once('connect', () => (s.destroy(), resolve()));
        s.once('timeout', () => (s.destroy(), reject(new Error(`dial tcp ${host}:${port}: i/o timeout`))));
        s.once('error', (e) => reject(new Error(`dial tcp ${host}:${port}: ${e.message}`)));
      });
      return { ok: true, message: '' };
    }
    if (probe.grpc) return { ok: false, message: 'grpc probes are not supported by this kubelet' };
    return { ok: true, message: '' };
  } catch (e) {
    const err = e as Error;
    const msg = err.name === 'TimeoutError' ? `timeout after ${timeoutMs / 1000}s` : err.cause instanceof Error ? err.cause.message : err.message;
    return { ok: false, message: `${probe.httpGet ? 'Get' : 'Probe'} failed: ${msg}` };
  }
}

interface Worker {
  readonly type: ProbeType;
  readonly probe: Probe;
  timer: NodeJS.Timeout | undefined;
  successes: number;
  failures: number;
  /** The current result. */
  ok: boolean;
  message: string;
  stopped: boolean;
}

interface ContainerProbes {
  readonly podKey: string;
  readonly target: ProbeTarget;
  readonly workers: Map<ProbeType, Worker>;
}

export class ProbeManager implements ProbeResults {
  private readonly byId = new Map<string, ContainerProbes>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly onChange: (podKey: string, type: ProbeType) => void,
    private readonly opts: { readonly enabled: boolean; readonly log?: Logger },
  ) {}

  ready(id: string): boolean {
    if (!this.opts.enabled) return true;
    const cp = this.byId.get(id);
    const w = cp?.workers.get('readiness');
    return w ? w.ok : this.started(id);
  }

  started(id: string): boolean {
    if (!this.opts.enabled) return true;
    const w = this.byId.get(id)?.workers.get('startup');
    return w ? w.ok : true;
  }

  failed(id: string): { probe: 'Liveness' | 'Startup'; message: string } | undefined {
    const cp = this.byId.get(id);
    if (!cp) return undefined;
    const s = cp.workers.get('startup');
    if (s && !s.ok && s.failures >= (s.probe.failureThreshold ?? 3)) return { probe: 'Startup', message: `Startup probe failed: ${s.message}` };
    const l = cp.workers.get('liveness');
    if (l && !l.ok) return { probe: 'Liveness', message: `Liveness probe failed: ${l.message}` };
    return undefined;
  }

  /**
   * Make the workers of one pod match its running containers. `previous` (the pod's last reported
   * container statuses) seeds readiness and startup for containers that were ready before a kubelet
   * restart, so a restart does not flap them to not-ready.
   */
  sync(podKey: string, running: readonly ProbeTarget[], previous: readonly ContainerStatus[] = []): void {
    if (!this.opts.enabled) return;
    const keep = new Set(running.map((t) => t.containerId));
    for (const [id, cp] of this.byId) if (cp.podKey === podKey && !keep.has(id)) this.drop(id);
    for (const t of running) {
      if (this.byId.has(t.containerId)) continue;
      const c = t.container;
      const prev = previous.find((s) => s.name === c.name && s.containerID?.endsWith(`://${t.containerId}`));
      const cp: ContainerProbes = { podKey, target: t, workers: new Map() };
      this.byId.set(t.containerId, cp);
      const add = (type: ProbeType, probe: Probe | undefined, initial: boolean) => {
        if (!probe) return;
        cp.workers.set(type, { type, probe, timer: undefined, successes: 0, failures: 0, ok: initial, message: '', stopped: false });
      };
      add('startup', c.startupProbe, prev?.started === true);
      add('liveness', c.livenessProbe, true);
      add('readiness', c.readinessProbe, prev?.ready === true);
      const startupDone = !c.startupProbe || prev?.started === true;
      for (const w of cp.workers.values()) if (w.type === 'startup' ? !startupDone : startupDone) this.schedule(cp, w, true);
    }
  }

  /** Forget every worker of a pod. */
  removePod(podKey: string): void {
    for (const [id, cp] of this.byId) if (cp.podKey === podKey) this.drop(id);
  }

  stop(): void {
    for (const id of [...this.byId.keys()]) this.drop(id);
  }

  private drop(id: string): void {
    const cp = this.byId.get(id);
    if (!cp) return;
    for (const w of cp.workers.values()) {
      w.stopped = true;
      if (w.timer) clearTimeout(w.timer);
    }
    this.byId.delete(id);
  }

  private schedule(cp: ContainerProbes, w: Worker, first: boolean): void {
    if (w.stopped) return;
    const delayS = first ? (w.probe.initialDelaySeconds ?? 0) : Math.max(1, w.probe.periodSeconds ?? 10);
    w.timer = setTimeout(() => void this.tick(cp, w), delayS * 1000);
    w.timer.unref();
  }

  private async tick(cp: ContainerProbes, w: Worker): Promise<void> {
    if (w.stopped) return;
    const r = await runProbe(w.probe, cp.target, this.runtime);
    if (w.stopped) return;
    const before = w.ok;
    if (r.ok) {
      w.failures = 0;
      w.successes++;
      if (!w.ok && w.successes >= (w.type === 'readiness' ? Math.max(1, w.probe.successThreshold ?? 1) : 1)) w.ok = true;
    } else {
      w.successes = 0;
      w.failures++;
      w.message = r.message;
      if (w.ok && w.failures >= Math.max(1, w.probe.failureThreshold ?? 3)) w.ok = false;
      else if (w.type === 'startup' && w.failures >= Math.max(1, w.probe.failureThreshold ?? 3)) w.ok = false;
    }
    if (w.type === 'startup' && w.ok) {
      // Startup is done for good: liveness and readiness begin.
      w.stopped = true;
      for (const o of cp.workers.values()) if (o.type !== 'startup') this.schedule(cp, o, true);
      this.onChange(cp.podKey, w.type);
      return;
    }
    const failedStartup = w.type === 'startup' && w.failures >= Math.max(1, w.probe.failureThreshold ?? 3);
    if (before !== w.ok || failedStartup) {
      this.opts.log?.debug({ pod: cp.podKey, container: cp.target.container.name, probe: w.type, ok: w.ok, message: w.message }, 'probe result changed');
      this.onChange(cp.podKey, w.type);
    }
    // A failed liveness probe stops here: the container is killed and a new one gets new workers.
    if (w.type === 'liveness' && !w.ok) return;
    if (failedStartup) return;
    this.schedule(cp, w, false);
  }
}
