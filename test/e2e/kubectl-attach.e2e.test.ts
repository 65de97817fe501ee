/**
 * kubectl attach -i and kubectl run -i --rm through the gateway to a process-runtime kubelet, with the
 * real kubectl 1.32 (WebSocket, v5.channel.k8s.io): the client's stdin reaches a container started
 * with `stdin: true` (and its end is the container's EOF with `stdinOnce`), the answer comes back,
 * and attaching stdin to a container without it is refused. `jetkube up --nodes 1 --runtime process`
 * on this run's own prefix, node name, ports and directories (cluster.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { api } from '../stack.js';
import { eventually } from '../wait.js';
import { run } from './cli.js';
import { startProcessCluster, type ProcessCluster } from './cluster.js';
import { KUBECTL_SKIP } from './kubectl-harness.js';

const NS = '/api/v1/namespaces/default';
const RUN = Math.random().toString(36).slice(2, 7);
const READER = `reader-${RUN}`;
const KEEPER = `keeper-${RUN}`;
const DEAF = `deaf-${RUN}`;

const pod = (name: string, command: string, extra: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', command], ...extra }] },
});

describe('kubectl attach -i and run -i, process runtime', { skip: KUBECTL_SKIP }, () => {
  let c: ProcessCluster;
  const env = { ...process.env, KUBECONFIG: '/dev/null', HOME: tmpdir() };
  const kubectl = (args: string[], input?: string) => run('kubectl', ['--server', c.base, '--request-timeout=60s', ...args], env, input);

  before(async () => {
    c = await startProcessCluster('katt', 1);
    for (const p of [
      pod(READER, 'while read l; do echo "got $l"; done; echo bye', { stdin: true, stdinOnce: true }),
      pod(KEEPER, 'while read l; do echo "kept $l"; done; echo eof', { stdin: true }),
      pod(DEAF, 'sleep 3600', {}),
    ]) {
      const r = await api(c.base, 'POST', `${NS}/pods`, p);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    await eventually('the pods running', async () => {
      for (const name of [READER, KEEPER, DEAF]) {
        const r = await api(c.base, 'GET', `${NS}/pods/${name}`);
        if (r.body?.status?.phase !== 'Running') return false;
      }
      return true;
    }, 60_000, 200);
  });
  after(async () => {
    await c?.close();
  });

  it('sends stdin to a stdinOnce container; its end is the EOF, and attach ends with the container', async () => {
    const r = await kubectl(['attach', '-i', READER], 'one\ntwo\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'got one\ngot two\nbye\n');
    await eventually('the container completed', async () => (await api(c.base, 'GET', `${NS}/pods/${READER}`)).body?.status?.phase === 'Succeeded', 30_000, 200);
  });

  it('keeps a stdin (not stdinOnce) open across clients', async () => {
    // The client's input ends but the container's stdin stays open: it answers each client and runs on.
    const first = kubectl(['attach', '-i', KEEPER], 'a\n');
    await eventually('the first answer', async () => {
      const logs = await api(c.base, 'GET', `${NS}/pods/${KEEPER}/log`);
      return typeof logs.body === 'string' && logs.body.includes('kept a');
    }, 30_000, 200);
    const second = kubectl(['attach', '-i', KEEPER], 'b\n');
    await eventually('the second answer', async () => {
      const logs = await api(c.base, 'GET', `${NS}/pods/${KEEPER}/log`);
      return typeof logs.body === 'string' && logs.body.includes('kept b');
    }, 30_000, 200);
    const p = await api(c.base, 'GET', `${NS}/pods/${KEEPER}`);
    assert.equal(p.body?.status?.phase, 'Running', 'stdin stayed open: no EOF');
    // Both clients are still attached (their input ended, the container runs): deleting the pod ends them.
    await api(c.base, 'DELETE', `${NS}/pods/${KEEPER}`);
    const [a, b] = await Promise.all([first, second]);
    assert.match(a.stdout, /kept a/);
    assert.match(b.stdout, /kept b/);
  });

  it('refuses stdin for a container that was not started with stdin: true', async () => {
    const r = await kubectl(['attach', '-i', DEAF], 'x\n');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /container main was not started with stdin: true, so there is no stdin to attach to/);
  });

  it('kubectl run -it --rm: a tty container (under script), typed input, the answer, the pod deleted', async () => {
    const name = `tty-${RUN}`;
    // kubectl wants a terminal for -t: util-linux script gives it one, fed from a pipe.
    const cmd = `kubectl --server ${c.base} run ${name} -it --rm --restart=Never --image=busybox:1.36 -- sh -c 'read l; echo "typed $l"; [ -t 0 ] && echo on-a-tty'`;
    const r = await run('script', ['-qefc', cmd, '/dev/null'], env, 'hello\n');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /typed hello/);
    assert.match(r.stdout, /on-a-tty/);
    await eventually('the pod deleted', async () => (await api(c.base, 'GET', `${NS}/pods/${name}`)).status === 404, 30_000, 200);
  });

  it('kubectl run -i --rm: runs, takes stdin, prints the answer and deletes the pod', async () => {
    const name = `runner-${RUN}`;
    const r = await kubectl(['run', name, '-i', '--rm', '--restart=Never', '--image=busybox:1.36', '--', 'sh', '-c', 'read l; echo "ran with $l"'], 'input\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ran with input/);
    await eventually('the pod deleted', async () => (await api(c.base, 'GET', `${NS}/pods/${name}`)).status === 404, 30_000, 200);
  });
});
