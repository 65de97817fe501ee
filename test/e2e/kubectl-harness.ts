/**
 * The real kubectl against a test gateway: one control plane (test/stack.ts) and one scratch
 * folder per suite, kubectl with an empty kubeconfig pointed at the gateway. Suites skip when
 * kubectl is not installed, unless REQUIRE_KUBECTL=1.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startStack, type Stack } from '../stack.js';
import type { GatewayOptions } from '../../services/gateway/index.js';
import { JKCTL, envFor, run, startJetkube, stop } from './cli.js';
import { dropPrefix, testConfig, testPort } from '../harness.js';
import { eventually } from '../wait.js';
import type { Config } from '../../shared/config.js';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
/** The `skip` option of a kubectl suite. */
export const KUBECTL_SKIP: string | false = !hasKubectl && process.env.REQUIRE_KUBECTL !== '1' ? 'kubectl is not installed' : false;

export interface KubectlSuite {
  /** The control plane (set once the suite's `before` has run). */
  readonly stack: Stack;
  /** A scratch folder for manifests. */
  readonly dir: string;
  kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Call inside a `describe`: starts the stack before its tests and removes everything after. */
export function kubectlSuite(tag: string, gateway: GatewayOptions = {}): KubectlSuite {
  let stack: Stack | undefined;
  let dir: string | undefined;
  const env = { ...process.env, KUBECONFIG: '/dev/null', HOME: tmpdir() };
  before(async () => {
    stack = await startStack(tag, {}, gateway);
    dir = await mkdtemp(join(tmpdir(), `jk-${tag}-`));
  });
  after(async () => {
    await stack?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    get stack() {
      return stack!;
    },
    get dir() {
      return dir!;
    },
    kubectl: (...args: string[]) => run('kubectl', ['--server', stack!.url, '--request-timeout=20s', ...args], env),
  };
}

export interface KubectlUpSuite {
  /** Set once the suite's `before` has run. */
  readonly cfg: Config;
  /** The gateway's URL. */
  readonly base: string;
  /** A scratch folder for manifests. */
  readonly dir: string;
  /** The fake nodes' name prefix (nodes are `<node>-1` … with more than one). */
  readonly node: string;
  kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** kubectl that must exit 0: its stdout. */
  ok(...args: string[]): Promise<string>;
  /** jkctl against the same gateway. */
  jkctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

/**
 * Call inside a `describe`: `jetkube up --insecure --nodes N --runtime fake` (plain HTTP; every service, fake kubelets
 * whose pods become Running and Ready without processes; or `runtime` process) before its tests,
 * once N nodes are Ready; everything removed after.
 */
export function kubectlUpSuite(tag: string, nodes = 1, runtime: 'fake' | 'process' = 'fake'): KubectlUpSuite {
  const run5 = Math.random().toString(36).slice(2, 7);
  const node = `${tag}-${run5}`;
  let cfg: Config | undefined;
  let base = '';
  let dir: string | undefined;
  let up: ChildProcess | undefined;
  let env: NodeJS.ProcessEnv = {};
  const kubectl = (...args: string[]) => run('kubectl', ['--server', base, '--request-timeout=20s', ...args], env);
  before(async () => {
    cfg = await testConfig(tag, { port: await testPort() });
    base = `http://127.0.0.1:${cfg.port}`;
    dir = await mkdtemp(join(tmpdir(), `jk-${tag}-`));
    process.env.NODE_NAME = node;
    process.env.KUBELET_PORT = '0';
    up = await startJetkube(['up', '--insecure', '--nodes', String(nodes), '--runtime', runtime], cfg, `${base}/readyz`);
    env = { ...process.env, ...envFor(cfg), KUBECONFIG: '/dev/null', HOME: tmpdir() };
    await eventually(`${nodes} Ready node(s)`, async () => (await kubectl('get', 'nodes')).stdout.match(/\sReady\s/g)?.length === nodes, 120_000);
  });
  after(async () => {
    if (up) await stop(up);
    if (cfg) await dropPrefix(cfg);
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    get cfg() {
      return cfg!;
    },
    get base() {
      return base;
    },
    get dir() {
      return dir!;
    },
    node,
    kubectl,
    async ok(...args: string[]) {
      const r = await kubectl(...args);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
    jkctl: (...args: string[]) => run(process.execPath, [JKCTL, ...args], { ...envFor(cfg!), GATEWAY_URL: base }),
  };
}
