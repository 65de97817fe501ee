/**
 * Kubeconfig files: the admin one `jetkube up` writes, and reading them as kubectl does
 * (KUBECONFIG's colon-separated files merged, the first to set a map entry or current-context
 * wins; a context picks a cluster (server, CA) and a user (token or client certificate); `*-data`
 * fields are base64, file fields relative to the kubeconfig's directory).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse, stringify } from 'yaml';

export interface KubeconfigCredentials {
  readonly server: string;
  readonly caPem?: string;
  readonly certPem?: string;
  readonly keyPem?: string;
  readonly token?: string;
}

export interface ResolvedKubeconfig extends KubeconfigCredentials {
  readonly context: string;
  readonly namespace?: string;
  readonly insecureSkipTLSVerify?: boolean;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A one-cluster, one-user kubeconfig with embedded data (what k3s writes to k3s.yaml). */
export function kubeconfigYaml(o: KubeconfigCredentials & { clusterName: string; userName: string }): string {
  const user: Record<string, string> = {};
  if (o.certPem) user['client-certificate-data'] = b64(o.certPem);
  if (o.keyPem) user['client-key-data'] = b64(o.keyPem);
  if (o.token) user.token = o.token;
  const context = `${o.userName}@${o.clusterName}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: o.clusterName, cluster: { server: o.server, ...(o.caPem ? { 'certificate-authority-data': b64(o.caPem) } : {}) } }],
    users: [{ name: o.userName, user }],
    contexts: [{ name: context, context: { cluster: o.clusterName, user: o.userName } }],
    'current-context': context,
    preferences: {},
  });
}

/** One entry of a kubeconfig list (clusters, users, contexts): its name and its inner map. */
interface Named<T> {
  readonly name: string;
  readonly value: T;
}

export interface ParsedFile {
  readonly dir: string;
  readonly currentContext?: string;
  readonly clusters: Named<Record<string, unknown>>[];
  readonly users: Named<Record<string, unknown>>[];
  readonly contexts: Named<Record<string, unknown>>[];
}

export function parseKubeconfig(text: string, dir = '.'): ParsedFile {
  const doc = (parse(text) ?? {}) as Record<string, unknown>;
  const entries = (key: string, field: string) =>
    ((doc[key] as unknown[] | undefined) ?? []).flatMap((e) => {
      const o = e as Record<string, unknown> | null;
      return o && typeof o.name === 'string' ? [{ name: o.name, value: (o[field] ?? {}) as Record<string, unknown> }] : [];
    });
  const cc = doc['current-context'];
  return {
    dir,
    ...(typeof cc === 'string' && cc ? { currentContext: cc } : {}),
    clusters: entries('clusters', 'cluster'),
    users: entries('users', 'user'),
    contexts: entries('contexts', 'context'),
  };
}

/** Read KUBECONFIG-style paths (missing files are skipped, as kubectl does) and resolve one context. */
export function loadKubeconfig(paths: readonly string[], context?: string): ResolvedKubeconfig | undefined {
  const files: ParsedFile[] = [];
  for (const p of paths) {
    let text: string;
    try {
      text = readFileSync(p, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    files.push(parseKubeconfig(text, dirname(p)));
  }
  return files.length ? resolveKubeconfig(files, context) : undefined;
}

/** The chosen context's server and credentials; throws with kubectl's wording when a name is missing. */
export function resolveKubeconfig(files: readonly ParsedFile[], context?: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): ResolvedKubeconfig | undefined {
  const first = <T>(pick: (f: ParsedFile) => Named<T>[], name: string) => {
    for (const f of files) {
      const hit = pick(f).find((e) => e.name === name);
      if (hit) return { value: hit.value, dir: f.dir };
    }
    return undefined;
  };
  const ctxName = context ?? files.find((f) => f.currentContext)?.currentContext;
  if (!ctxName) return undefined;
  const ctx = first((f) => f.contexts, ctxName);
  if (!ctx) throw new Error(`context was not found for specified context: ${ctxName}`);
  const clusterName = ctx.value.cluster as string | undefined;
  const userName = ctx.value.user as string | undefined;
  const cluster = clusterName ? first((f) => f.clusters, clusterName) : undefined;
  if (!cluster) throw new Error(`cluster "${clusterName ?? ''}" not found in the kubeconfig (context "${ctxName}")`);
  const user = userName ? first((f) => f.users, userName) : undefined;
  const c = cluster.value;
  const u = (user?.value ?? {}) as Record<string, unknown>;
  const rel = (dir: string, p: string) => (isAbsolute(p) ? p : join(dir, p));
  const dataOrFile = (v: Record<string, unknown>, dir: string, data: string, file: string) =>
    typeof v[data] === 'string' ? Buffer.from(v[data] as string, 'base64').toString('utf8') : typeof v[file] === 'string' ? read(rel(dir, v[file] as string)) : undefined;
  const server = c.server;
  if (typeof server !== 'string' || !server) throw new Error(`cluster "${clusterName}" has no server`);
  const caPem = dataOrFile(c, cluster.dir, 'certificate-authority-data', 'certificate-authority');
  const certPem = user ? dataOrFile(u, user.dir, 'client-certificate-data', 'client-certificate') : undefined;
  const keyPem = user ? dataOrFile(u, user.dir, 'client-key-data', 'client-key') : undefined;
  const token = typeof u.token === 'string' ? u.token : typeof u.tokenFile === 'string' && user ? read(rel(user.dir, u.tokenFile)).trim() : undefined;
  const ns = ctx.value.namespace;
  return {
    context: ctxName,
    server: server.replace(/\/+$/, ''),
    ...(caPem ? { caPem } : {}),
    ...(certPem ? { certPem } : {}),
    ...(keyPem ? { keyPem } : {}),
    ...(token ? { token } : {}),
    ...(typeof ns === 'string' && ns ? { namespace: ns } : {}),
    ...(c['insecure-skip-tls-verify'] === true ? { insecureSkipTLSVerify: true } : {}),
  };
}
