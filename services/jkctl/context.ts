/**
 * What every command gets: the gateway (`--server`, else GATEWAY_URL, else the kubeconfig's
 * current context, else http://127.0.0.1:8080), the credentials (the kubeconfig's CA, client
 * certificate or token), the namespace (`-n`, else the context's, else `default`), where output
 * goes, and the clock ages are measured with. The kubeconfig is read as kubectl reads it:
 * `--kubeconfig`, else KUBECONFIG (colon-separated files, merged), else ~/.kube/config and the
 * admin kubeconfig a local `jetkube up` wrote (kubeconfigPaths); `--context`
 * picks another context. Its credentials are used when the server is the kubeconfig's (a
 * `--server`/GATEWAY_URL naming another server gets none).
 */
import type { Command } from 'commander';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { GatewayClient } from '../../shared/client/index.js';
import { adminKubeconfigPath, type GatewayCredentials } from '../../shared/config.js';
import { loadKubeconfig, type ResolvedKubeconfig } from '../../shared/auth/authn/index.js';
import { setStreamCredentials } from './stream.js';
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
  readonly kubeconfig?: string;
  readonly context?: string;
}

/**
 * The kubeconfig files kubectl would read, and then the admin kubeconfig of a local `jetkube up`
 * (`<data dir>/admin.kubeconfig`, JETKUBE_DATA_DIR / JETKUBE_PREFIX as `up` finds it), so jkctl
 * works with no setup next to a local cluster. Merged as kubectl merges: a ~/.kube/config that
 * names a current context keeps it.
 */
export function kubeconfigPaths(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string[] {
  if (opts.kubeconfig) return [opts.kubeconfig];
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter(Boolean);
  return [join(home, '.kube', 'config'), adminKubeconfigPath(env, home)];
}

export interface Target {
  readonly server: string;
  readonly credentials?: GatewayCredentials;
  readonly namespace?: string;
}

/** Where requests go and with what credentials (see the module comment). */
export function targetOf(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env, load: (paths: string[], ctx?: string) => ResolvedKubeconfig | undefined = loadKubeconfig): Target {
  const explicit = (opts.server || env.GATEWAY_URL || '').replace(/\/+$/, '');
  const kc = load(kubeconfigPaths(opts, env), opts.context);
  if (!kc) return { server: explicit || DEFAULT_SERVER };
  const server = explicit || kc.server;
  if (server !== kc.server) return { server };
  const credentials: GatewayCredentials = {
    ...(kc.caPem ? { caPem: kc.caPem } : {}),
    ...(kc.certPem ? { certPem: kc.certPem } : {}),
    ...(kc.keyPem ? { keyPem: kc.keyPem } : {}),
    ...(kc.token ? { token: kc.token } : {}),
  };
  return { server, credentials, ...(kc.namespace ? { namespace: kc.namespace } : {}) };
}

export function serverOf(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  try {
    return targetOf(opts, env).server;
  } catch {
    return (opts.server || env.GATEWAY_URL || DEFAULT_SERVER).replace(/\/+$/, '');
  }
}

export function contextOf(cmd: Command): Ctx {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const { server, credentials, namespace } = targetOf(opts);
  if (credentials) setStreamCredentials(credentials);
  return {
    client: new GatewayClient({ url: server, userAgent: 'jkctl', connections: 4, ...(credentials ? { credentials } : {}) }),
    server,
    namespace: opts.namespace || namespace || 'default',
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
