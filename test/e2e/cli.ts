/** Run the real `jetkube` binary (dist/services/cli/main.js) as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../shared/config.js';
import { freeDnsPort } from '../harness.js';

export const JETKUBE = fileURLToPath(new URL('../../services/cli/main.js', import.meta.url));
export const JKCTL = fileURLToPath(new URL('../../services/jkctl/main.js', import.meta.url));

let dataDir: string | undefined;
/** A temporary directory for this test process' cluster data (the CA), removed when it exits. */
function testDataDir(): string {
  if (!dataDir) {
    const dir = mkdtempSync(join(tmpdir(), 'jetkube-test-data-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    dataDir = dir;
  }
  return dataDir;
}

export function envFor(cfg: Config): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NATS_URL: cfg.natsUrl,
    DATABASE_URL: cfg.databaseUrl,
    JETKUBE_PREFIX: cfg.prefix,
    // The cluster CA `up` makes on first start: in this test process' temp directory, one per prefix, not in ~.
    JETKUBE_DATA_DIR: process.env.JETKUBE_DATA_DIR || join(testDataDir(), cfg.prefix),
    PORT: String(cfg.port),
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
    // Every `up` runs a cluster DNS: on a random port unless the test picks one, so runs rarely clash.
    CLUSTER_DNS: process.env.CLUSTER_DNS || `127.0.0.1:${20000 + Math.floor(Math.random() * 30000)}`,
    // And an ingress controller: on ports the system picks, so parallel runs never clash.
    INGRESS_HTTP_ADDR: process.env.INGRESS_HTTP_ADDR || '127.0.0.1:0',
    INGRESS_HTTPS_ADDR: process.env.INGRESS_HTTPS_ADDR || '127.0.0.1:0',
  };
}

/** Start a long-running jetkube command; resolves once `readyUrl` answers 200. */
export async function startJetkube(args: string[], cfg: Config, readyUrl: string): Promise<ChildProcess> {
  const env = envFor(cfg);
  // The cluster DNS port: one the system just had free (UDP and TCP), unless the test chose one.
  if (!process.env.CLUSTER_DNS) env.CLUSTER_DNS = `127.0.0.1:${await freeDnsPort()}`;
  const child = spawn(process.execPath, [JETKUBE, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`jetkube ${args.join(' ')} exited ${child.exitCode}: ${out}`);
    try {
      if ((await fetch(readyUrl)).ok) {
        // Ready, and still ours: a readiness answer from another run's server on the same port
        // (or a child that died just after) must not pass for this one.
        await new Promise((r) => setTimeout(r, 300));
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`jetkube ${args.join(' ')} answered ready, then exited ${child.exitCode ?? child.signalCode}: ${out}`);
        }
        // Dying later, while the test runs, is said with the reason (the test then sees ECONNREFUSED).
        child.once('exit', (code) => {
          if (code !== null && code !== 0) process.stderr.write(`jetkube ${args.join(' ')} exited ${code} during the test:\n${out.slice(-4000)}\n`);
        });
        return child;
      }
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`jetkube ${args.join(' ')} not ready: ${out}`);
}

/** Run a command to completion; returns its exit code and output. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

export async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  return exited;
}

/**
 * Spawn a secure `jetkube up` (args after the binary, its whole environment) and wait for the admin
 * kubeconfig path it prints; onOutput gets all it writes. A child that exits or prints no path
 * within two minutes is killed and the error carries its output.
 */
export async function spawnSecureUp(args: string[], env: NodeJS.ProcessEnv, onOutput: (chunk: string) => void): Promise<{ child: ChildProcess; kubeconfig: string }> {
  const child = spawn(process.execPath, [JETKUBE, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const take = (d: Buffer) => {
    out += d;
    onOutput(String(d));
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    if (child.exitCode !== null) throw new Error(`jetkube ${args.join(' ')} exited ${child.exitCode}: ${out}`);
    const kubeconfig = /admin kubeconfig written to (\S+)/.exec(out)?.[1];
    if (kubeconfig) return { child, kubeconfig };
  }
  await stop(child);
  throw new Error(`jetkube ${args.join(' ')} printed no kubeconfig path in 120 s: ${out}`);
}

/**
 * A Secret `creds` (password s3cret), a ConfigMap `settings` (mode fast) and a Pod `configured`
 * using both: MODE from the ConfigMap, the Secret mounted at /etc/creds. With `printAndExit` it
 * prints "$MODE $password" and ends (restartPolicy Never); otherwise it runs on.
 */
export function configuredPodManifest(printAndExit: boolean): string {
  return [
    'apiVersion: v1', 'kind: Secret', 'metadata: {name: creds}', 'stringData: {password: s3cret}', '---',
    'apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: settings}', 'data: {mode: fast}', '---',
    'apiVersion: v1', 'kind: Pod', 'metadata: {name: configured}', 'spec:',
    ...(printAndExit ? ['  restartPolicy: Never'] : []),
    '  containers:',
    '  - name: c',
    '    image: busybox:1.36',
    ...(printAndExit ? ['    command: [sh, -c, \'echo "$MODE $(cat etc/creds/password)"\']'] : []),
    '    env: [{name: MODE, valueFrom: {configMapKeyRef: {name: settings, key: mode}}}]',
    '    volumeMounts: [{name: creds, mountPath: /etc/creds, readOnly: true}]',
    '  volumes: [{name: creds, secret: {secretName: creds}}]',
    '',
  ].join('\n');
}
