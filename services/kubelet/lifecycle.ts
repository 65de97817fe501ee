/**
 * Container lifecycle hooks (Kubernetes' pkg/kubelet/lifecycle/handlers.go): `postStart` runs right
 * after the container starts (its failure kills the container, which then restarts as its pod's
 * restartPolicy says), `preStop` runs before the container is stopped, inside the termination grace
 * period. Handlers: exec (in the container), httpGet (any answer counts; only a failed request
 * fails the hook, as in Kubernetes) and sleep. tcpSocket is not a lifecycle handler (Kubernetes
 * keeps it for compatibility and fails the hook at run time): so does this.
 */
import type { Container, Pod } from '../../shared/resources/types.js';
import type { ContainerRuntime } from './runtime/types.js';
import { probePort } from './probes.js';
import { podRef } from './security-context.js';

export interface LifecycleHandler {
  readonly exec?: { readonly command?: readonly string[] };
  readonly httpGet?: {
    readonly path?: string;
    readonly port: number | string;
    readonly host?: string;
    readonly scheme?: string;
    readonly httpHeaders?: readonly { readonly name: string; readonly value: string }[];
  };
  readonly tcpSocket?: unknown;
  readonly sleep?: { readonly seconds: number };
}

export type HookType = 'postStart' | 'preStop';

/** The container's handler for the hook, if it has one. */
export function hookOf(c: Container, type: HookType): LifecycleHandler | undefined {
  const lc = c.lifecycle as { postStart?: LifecycleHandler; preStop?: LifecycleHandler } | undefined;
  return lc?.[type] ?? undefined;
}

/** Go's %v of a []string: `[sh -c exit 1]`. */
const goSlice = (xs: readonly string[]) => `[${xs.join(' ')}]`;

export interface HookTarget {
  readonly pod: Pod;
  readonly container: Container;
  readonly containerId: string;
  readonly podIp: string | undefined;
}

/**
 * Run one hook; resolves with the failure message (Kubernetes' words) or undefined on success.
 * `timeoutMs` bounds it (preStop: the grace period).
 */
export async function runHook(h: LifecycleHandler, t: HookTarget, runtime: ContainerRuntime, timeoutMs: number): Promise<string | undefined> {
  const who = `for Container "${t.container.name}" in Pod "${podRef(t.pod)}"`;
  if (h.exec) {
    const cmd = h.exec.command ?? [];
    try {
      const r = await runtime.exec(t.containerId, cmd, timeoutMs);
      if (r.exitCode === 0) return undefined;
      const out = r.output.trim();
      return `Exec lifecycle hook (${goSlice(cmd)}) ${who} failed - error: command '${cmd.join(' ')}' exited with ${r.exitCode}: ${out}, message: "${out}"`;
    } catch (e) {
      return `Exec lifecycle hook (${goSlice(cmd)}) ${who} failed - error: ${(e as Error).message}, message: ""`;
    }
  }
  if (h.httpGet) {
    const g = h.httpGet;
    const path = g.path ? (g.path.startsWith('/') ? g.path : `/${g.path}`) : '/';
    const port = probePort(g.port, t.container);
    if (port === undefined) return `HTTP lifecycle hook (${path}) ${who} failed - error: unknown port ${String(g.port)}`;
    const host = g.host || t.podIp || '127.0.0.1';
    const url = `${(g.scheme ?? 'HTTP').toLowerCase()}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
    const headers: Record<string, string> = { 'user-agent': 'kube-lifecycle/1.32' };
    for (const hd of g.httpHeaders ?? []) headers[hd.name.toLowerCase()] = hd.value;
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      await res.body?.cancel().catch(() => undefined);
      return undefined;
    } catch (e) {
      const err = e as Error;
      const msg = err.name === 'TimeoutError' ? 'context deadline exceeded' : err.cause instanceof Error ? err.cause.message : err.message;
      return `HTTP lifecycle hook (${path}) ${who} failed - error: Get "${url}": ${msg}`;
    }
  }
  if (h.sleep) {
    await new Promise((r) => setTimeout(r, Math.min(Math.max(0, h.sleep!.seconds) * 1000, timeoutMs)));
    return undefined;
  }
  return `Lifecycle hook ${who} failed - error: invalid handler: ${h.tcpSocket ? 'tcpSocket is not supported as a lifecycle handler' : 'no handler'}`;
}

/** How long a postStart hook may run (Kubernetes sets no bound; a hung hook must not hold the pod's sync forever). */
export const POST_START_TIMEOUT_MS = 120_000;
