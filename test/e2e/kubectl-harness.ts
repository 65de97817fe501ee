/**
 * The real kubectl against a test gateway: one control plane (test/stack.ts) and one scratch
 * folder per suite, kubectl with an empty kubeconfig pointed at the gateway. Suites skip when
 * kubectl is not installed, unless REQUIRE_KUBECTL=1.
 */
import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startStack, type Stack } from '../stack.js';
import { run } from './cli.js';

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
export function kubectlSuite(tag: string): KubectlSuite {
  let stack: Stack | undefined;
  let dir: string | undefined;
  const env = { ...process.env, KUBECONFIG: '/dev/null', HOME: tmpdir() };
  before(async () => {
    stack = await startStack(tag);
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
