/**
 * kubectl exec and cp through the gateway to a process-runtime kubelet, with the real kubectl 1.32
 * (WebSocket, v5.channel.k8s.io) and @kubernetes/client-node's Exec: output, exit codes, stdin and
 * its EOF, cp both ways, the API server's refusals. `jetkube up --nodes 1 --runtime process` on this
 * run's own prefix, node name, ports and directories (cluster.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { api } from '../stack.js';
import { eventually } from '../wait.js';
import { run } from './cli.js';
import { startProcessCluster, type ProcessCluster } from './cluster.js';
import { KUBECTL_SKIP } from './kubectl-harness.js';

const NS = '/api/v1/namespaces/default';
const RUN = Math.random().toString(36).slice(2, 7);
const POD = `exec-${RUN}`;
const TWO = `exec2-${RUN}`;
const TICKER = `ticker-${RUN}`;

const sleeper = (name: string, containers: readonly string[]) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: containers.map((c) => ({
      name: c,
      image: 'busybox:1.36',
      command: ['sleep', '3600'],
      env: [{ name: 'EXEC_MARK', value: `mark-${c}` }],
    })),
  },
});

describe('kubectl exec and cp, process runtime', { skip: KUBECTL_SKIP }, () => {
  let c: ProcessCluster;
  let scratch: string;
  const env = { ...process.env, KUBECONFIG: '/dev/null', HOME: tmpdir(), KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'true' };
  const kubectl = (args: string[], input?: string) => run('kubectl', ['--server', c.base, '--request-timeout=30s', ...args], env, input);

  before(async () => {
    c = await startProcessCluster('kexec', 1);
    scratch = mkdtempSync(join(tmpdir(), 'jk-exec-'));
    const ticker = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: TICKER },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 't', image: 'busybox:1.36', command: ['sh', '-c', 'while [ ! -f stop ]; do echo tick; sleep 0.2; done; echo bye'] }],
      },
    };
    for (const p of [sleeper(POD, ['main']), sleeper(TWO, ['a', 'b']), ticker]) {
      const r = await api(c.base, 'POST', `${NS}/pods`, p);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    await eventually('the pods running', async () => {
      for (const name of [POD, TWO, TICKER]) {
        const r = await api(c.base, 'GET', `${NS}/pods/${name}`);
        if (r.body?.status?.phase !== 'Running') return false;
      }
      return true;
    }, 60_000, 200);
  });
  after(async () => {
    await c?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('runs a command and prints its output, over WebSocket v5', async () => {
    const r = await kubectl(['exec', POD, '-v=8', '--', 'echo', 'hi']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hi\n');
    assert.match(r.stderr, /v5\.channel\.k8s\.io/, 'kubectl offered the v5 protocol');
    assert.doesNotMatch(r.stderr, /SPDY\/3\.1|falling back/i, 'no SPDY fallback');
  });

  it('runs in the container environment, stderr apart', async () => {
    const r = await kubectl(['exec', POD, '--', 'sh', '-c', 'echo $EXEC_MARK; echo oops >&2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'mark-main\n');
    assert.equal(r.stderr, 'oops\n');
  });

  it('propagates a non-zero exit code', async () => {
    const r = await kubectl(['exec', POD, '--', 'sh', '-c', 'echo before; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'before\n');
    assert.match(r.stderr, /command terminated with exit code 3/);
  });

  it('passes stdin to the command and its end (the v5 close signal)', async () => {
    const r = await kubectl(['exec', '-i', POD, '--', 'sh', '-c', 'cat; echo done'], 'line one\nline two\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'line one\nline two\ndone\n');
  });

  it('copies files both ways with kubectl cp', async () => {
    const local = join(scratch, 'in.txt');
    const content = `hello from ${RUN}\n`.repeat(1000);
    writeFileSync(local, content);
    const up = await kubectl(['cp', local, `${POD}:copied.txt`]);
    assert.equal(up.code, 0, up.stderr);
    const cat = await kubectl(['exec', POD, '--', 'cat', 'copied.txt']);
    assert.equal(cat.stdout, content);
    const back = join(scratch, 'back.txt');
    const down = await kubectl(['cp', `${POD}:copied.txt`, back]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(readFileSync(back, 'utf8'), content);
  });

  it('copies a large binary file both ways (flow control through the gateway)', async () => {
    const big = randomBytes(6 << 20);
    const local = join(scratch, 'big.bin');
    writeFileSync(local, big);
    const up = await kubectl(['cp', local, `${POD}:big.bin`]);
    assert.equal(up.code, 0, up.stderr);
    const back = join(scratch, 'big-back.bin');
    const down = await kubectl(['cp', `${POD}:big.bin`, back]);
    assert.equal(down.code, 0, down.stderr);
    assert.ok(readFileSync(back).equals(big), 'the same bytes came back');
  });

  it('defaults to the first container and takes -c', async () => {
    const d = await kubectl(['exec', TWO, '--', 'sh', '-c', 'echo $EXEC_MARK']);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.stdout, 'mark-a\n');
    assert.match(d.stderr, /Defaulted container "a" out of: a, b/);
    const b = await kubectl(['exec', TWO, '-c', 'b', '--', 'sh', '-c', 'echo $EXEC_MARK']);
    assert.equal(b.stdout, 'mark-b\n');
  });

  it('refuses an unknown container and a missing pod as Kubernetes does', async () => {
    const r = await kubectl(['exec', POD, '-c', 'nope', '--', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /container nope is not valid for pod exec-/);
    const m = await kubectl(['exec', `missing-${RUN}`, '--', 'true']);
    assert.notEqual(m.code, 0);
    assert.match(m.stderr, /pods "missing-\w+" not found/);
  });

  it('answers the raw API: 400 for a plain request and for no stream', async () => {
    const plain = await api(c.base, 'POST', `${NS}/pods/${POD}/exec?command=true&stdout=true`);
    assert.equal(plain.status, 400);
    assert.equal(plain.body.message, 'Upgrade request required');
    const noStream = await wsRefusal(`${c.base.replace('http', 'ws')}${NS}/pods/${POD}/exec?command=true`);
    assert.equal(noStream.status, 400);
    assert.equal(noStream.body.message, 'you must specify at least 1 of stdin, stdout, stderr');
    const multi = await wsRefusal(`${c.base.replace('http', 'ws')}${NS}/pods/${TWO}/exec?command=true&stdout=true`);
    assert.equal(multi.body.message, `a container name must be specified for pod ${TWO}, choose one of: [a b]`);
    const v1 = await api(c.base, 'GET', '/api/v1');
    for (const sub of ['pods/exec', 'pods/attach']) {
      assert.deepEqual(v1.body.resources.find((r: any) => r.name === sub)?.verbs, ['create', 'get'], sub);
    }
  });

  it('kubectl attach streams the container output until it stops', async () => {
    const child = spawn('kubectl', ['--server', c.base, 'attach', TICKER], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    try {
      await eventually('ticks through attach', async () => out.includes('tick\n'), 30_000, 100);
      const stop = await kubectl(['exec', TICKER, '--', 'touch', 'stop']);
      assert.equal(stop.code, 0, stop.stderr);
      assert.equal(await exited, 0, err);
      assert.match(out, /^(tick\n)+bye\n$/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('kills the command when the client goes away', async () => {
    const child = spawn('kubectl', ['--server', c.base, 'exec', POD, '--', 'sh', '-c', 'echo $$ > exec-pid; echo started; exec sleep 300'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    try {
      await eventually('the command started', async () => out.includes('started'), 30_000, 50);
    } finally {
      child.kill('SIGKILL');
    }
    const pid = Number((await kubectl(['exec', POD, '--', 'cat', 'exec-pid'])).stdout.trim());
    assert.ok(pid > 1, 'the pid was recorded');
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await eventually('the command killed', async () => !alive(), 30_000, 100);
  });

  it("works with @kubernetes/client-node's Exec", async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromClusterAndUser({ name: 'c', server: c.base, skipTLSVerify: true }, { name: 'u' });
    const exec = new k8s.Exec(kc);
    const run1 = (cmd: string[], tty = false, size?: { columns: number; rows: number }) =>
      new Promise<{ out: string; status: k8s.V1Status }>((resolve, reject) => {
        const out = new PassThrough();
        if (size) Object.assign(out, size); // a terminal-like stdout: client-node sends its size
        let text = '';
        out.on('data', (d) => (text += d));
        exec
          .exec('default', POD, 'main', cmd, out, null, null, tty, (s) => setImmediate(() => resolve({ out: text, status: s })))
          .catch(reject);
      });
    const ok = await run1(['sh', '-c', 'echo client-node']);
    assert.equal(ok.out, 'client-node\n');
    assert.equal(ok.status.status, 'Success');
    const bad = await run1(['sh', '-c', 'exit 7']);
    assert.equal(bad.status.status, 'Failure');
    assert.equal(bad.status.reason, 'NonZeroExitCode');
    assert.deepEqual(bad.status.details?.causes, [{ reason: 'ExitCode', message: '7' }]);
    const tty = await run1(['sh', '-c', 'test -t 1 && echo terminal'], true);
    assert.equal(tty.out.trim(), 'terminal');
    const sized = await run1(['stty', 'size'], true, { columns: 101, rows: 33 });
    assert.equal(sized.out.trim(), '33 101');
  });

  it('kubectl exec -it gives the command a terminal of the client\'s size', async () => {
    // kubectl needs a terminal on its own stdin for -t: run it under util-linux script, sized 37x111.
    const cmd = `kubectl --server ${c.base} exec -it ${POD} -- sh -c 'test -t 0 && stty size && exit 4'`;
    const r = await run('script', ['-qefc', `stty cols 111 rows 37; ${cmd}`, '/dev/null'], env);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stdout, /37 111\r?\n/);
    assert.match(r.stdout, /command terminated with exit code 4/);
  });
});

/** Open a WebSocket that the server is expected to refuse; resolves with its HTTP answer. */
async function wsRefusal(url: string): Promise<{ status: number; body: any }> {
  const { WebSocket } = await import('ws');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['v5.channel.k8s.io']);
    ws.on('open', () => reject(new Error('upgraded')));
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    ws.on('error', () => undefined);
  });
}
