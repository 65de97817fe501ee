/**
 * A whole cluster for end-to-end tests, as a user runs it: `jetkube up --insecure --nodes N --runtime
 * process` (plain HTTP, asked for: these tests are not about security; test/e2e/secure-default runs
 * the default; every service in one process, N kubelets whose containers are local processes) on a fresh
 * prefix, with this run's own node names, kubelet directory, service range and DNS port, so runs
 * in parallel on one machine never meet. `close()` stops it, kills whatever containers the process
 * runtime left (they outlive their kubelet by design) and drops the prefix.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../shared/config.js';
import { dropPrefix, freeDnsPort, testConfig, testPort } from '../harness.js';
import { envFor, JETKUBE, startJetkube, stop } from './cli.js';
import { eventually } from '../wait.js';

const rand = (lo: number, n: number) => lo + Math.floor(Math.random() * n);

export interface ProcessCluster {
  readonly cfg: Config;
  /** The gateway's URL. */
  readonly base: string;
  readonly up: ChildProcess;
  /** Where each node's kubelet keeps its containers (`<work>/<node>`). */
  readonly work: string;
  readonly nodeNames: readonly string[];
  /** The service cluster IP range and DNS address this run uses. */
  readonly serviceRange: string;
  readonly dnsPort: number;
  close(): Promise<void>;
}

/** Kill every process a process-runtime kubelet left under `root` (shims and their process groups). */
export function killContainers(root: string): void {
  const dir = join(root, 'containers');
  if (!existsSync(dir)) return;
  for (const id of readdirSync(dir)) {
    try {
      const st = JSON.parse(readFileSync(join(dir, id, 'state.json'), 'utf8')) as { pid?: number; shimPid?: number };
      for (const pid of [st.pid && -st.pid, st.shimPid]) if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    } catch {
      /* no state */
    }
  }
}

/** GET / on its own connection (no keep-alive); resolves with the body of a 200, rejects otherwise. */
export function httpGet(host: string, port: number, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host, port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** `runtime`: process (default) or fake (no containers at all: pods run, nothing is executed, no logs). */
export async function startProcessCluster(tag: string, nodes = 2, env: Record<string, string> = {}, runtime: 'process' | 'fake' = 'process'): Promise<ProcessCluster> {
  const run = Math.random().toString(36).slice(2, 7);
  const cfg = await testConfig(tag, { port: await testPort() });
  const base = `http://127.0.0.1:${cfg.port}`;
  const work = mkdtempSync(join(tmpdir(), `jetkube-${tag}-`));
  const serviceRange = `127.12.${rand(1, 250)}.0/24`;
  const dnsPort = await freeDnsPort();
  const nodeName = `${tag}-${run}`;
  Object.assign(process.env, {
    NODE_NAME: nodeName,
    // Each node's root is <dirname>/<node name>: inside this run's directory.
    KUBELET_ROOT_DIR: join(work, 'node'),
    // Each kubelet on a port the system picks (its Node's daemonEndpoints say which): a random port
    // in a fixed range could be taken meanwhile, and a kubelet that cannot listen stops `up`.
    KUBELET_PORT: '0',
    KUBELET_RELIST_MS: '200',
    SERVICE_CLUSTER_IP_RANGE: serviceRange,
    CLUSTER_DNS: `127.0.0.1:${dnsPort}`,
    NODEPORT_ADDRESSES: '127.0.0.1',
    ...env,
  });
  let up: ChildProcess;
  try {
    up = await startJetkube(['up', '--insecure', '--nodes', String(nodes), '--runtime', runtime], cfg, `${base}/readyz`);
  } catch (e) {
    // The suite's after() has no cluster to close: leave no stream, schema or directory behind.
    await dropPrefix(cfg).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
  const nodeNames = nodes === 1 ? [nodeName] : Array.from({ length: nodes }, (_, i) => `${nodeName}-${i + 1}`);
  return {
    cfg,
    base,
    up,
    work,
    nodeNames,
    serviceRange,
    dnsPort,
    async close() {
      await stop(up);
      for (const d of existsSync(work) ? readdirSync(work) : []) killContainers(join(work, d));
      await dropPrefix(cfg);
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/**
 * One kubelet run alone, `jetkube kubelet --runtime process --node-name <name>`, against the
 * plain-HTTP gateway at base (JETKUBE_AUTH=off: no kubeconfig), its root directory given (quick
 * relists and status updates for tests); resolves once its /readyz answers on a port the system
 * picked.
 */
export async function startProcessKubelet(cfg: Config, base: string, nodeName: string, root: string): Promise<ChildProcess> {
  const port = await testPort();
  const env = { ...envFor(cfg), JETKUBE_AUTH: 'off', GATEWAY_URL: base, KUBELET_ROOT_DIR: root, KUBELET_PORT: String(port), KUBELET_RELIST_MS: '200', NODE_STATUS_UPDATE_FREQUENCY: '2', KUBELET_SYNC_FREQUENCY: '2' };
  const child = spawn(process.execPath, [JETKUBE, 'kubelet', '--runtime', 'process', '--node-name', nodeName], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  await eventually('kubelet ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 90_000);
  return child;
}
