/**
 * What every command gets: the gateway (`--server`, else GATEWAY_URL, else http://127.0.0.1:8080),
 * the namespace (`-n`, else `default`), where output goes, and the clock ages are measured with.
 */
import type { Command } from 'commander';
import { GatewayClient } from '../../shared/client/index.js';
import type { ResourceInfo } from '../../shared/resources/registry.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

export interface Output {
  write(s: string | Uint8Array): unknown;
}

export interface Ctx {
  readonly client: GatewayClient;
  readonly server: string;
  readonly namespace: string;
  /** True when `-n` was given (apply refuses objects of another namespace then). */
  readonly explicitNamespace: boolean;
  readonly out: Output;
  readonly err: Output;
  now(): Date;
}

export interface GlobalOptions {
  readonly server?: string;
  readonly namespace?: string;
}

export function serverOf(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  return (opts.server || env.GATEWAY_URL || DEFAULT_SERVER).replace(/\/+$/, '');
}

export function contextOf(cmd: Command): Ctx {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const server = serverOf(opts);
  return {
    client: new GatewayClient({ url: server, userAgent: 'jkctl', connections: 4 }),
    server,
    namespace: opts.namespace || 'default',
    explicitNamespace: Boolean(opts.namespace),
    out: process.stdout,
    err: process.stderr,
    now: () => new Date(),
  };
}

/** The namespace a request about `info` goes to: none for cluster-scoped kinds, or for `-A`. */
export function namespaceFor(ctx: Ctx, info: ResourceInfo, allNamespaces = false): string | undefined {
  return info.namespaced && !allNamespaces ? ctx.namespace : undefined;
}

type Action<A extends unknown[]> = (ctx: Ctx, ...args: A) => Promise<number | void>;

/**
 * A commander action that runs `fn` with a context and closes the client after; a number returned
 * is the exit code. Errors propagate to main, which prints them. `customKinds`: discover the
 * cluster's custom kinds before `fn` runs (for commands that name kinds).
 */
export function action<A extends unknown[]>(fn: Action<A>, opts: { readonly customKinds?: boolean } = {}): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const ctx = contextOf(cmd);
    try {
      // Commands that name kinds learn the cluster's custom ones first (discovery.ts).
      if (opts.customKinds) await (await import('./discovery.js')).discoverCustomKinds(ctx);
      const code = await fn(ctx, ...(args.slice(0, -1) as A));
      if (code) process.exitCode = code;
    } finally {
      await ctx.client.close().catch(() => undefined);
    }
  };
}
