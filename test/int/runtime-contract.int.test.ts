/**
 * The ContainerRuntime contract: ONE suite, run against every runtime that can be built here.
 * Each entry is `contract(name, make)`; `make` builds the runtime and an image that has `sh` (with
 * `echo`, `trap`, `pwd`) and `sleep`, or throws SkipSuite to skip the whole suite with a reason.
 *
 * docker: needs a Docker Engine (DOCKER_HOST or /var/run/docker.sock). Without one the suite is
 * skipped, unless REQUIRE_DOCKER=1 (CI), where it fails. No registry is reachable, so the test
 * image is made locally and imported (the `docker import` API) as `jetkube-test/busybox:local`:
 * a rootfs holding the host's busybox (`apt-get install busybox-static`, or `busybox`) with its
 * applets linked, or, with no busybox on the host, the host's own `sh` (dash) and `sleep` — each
 * binary copied with the shared libraries and loader `ldd` lists, at the same paths, so the
 * dynamically linked Debian binaries run unchanged inside the image. Pull policies used: Never and
 * IfNotPresent only.
 */
import { after, afterEach, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type Dockerode from 'dockerode';
import { dockerForTests, TEST_IMAGE } from '../docker-image.js';
import { DockerRuntime } from '../../services/kubelet/runtime/docker.js';
import { ProcessRuntime } from '../../services/kubelet/runtime/process.js';
import {
  isImagePullError,
  isStatsRuntime,
  LABELS,
  type ContainerConfig,
  type ContainerLabels,
  type ContainerRuntime,
  type RuntimeContainer,
} from '../../services/kubelet/runtime/types.js';

/** Thrown by a `make` to skip its runtime's suite (the message says why). */
class SkipSuite extends Error {}

interface RuntimeUnderTest {
  readonly runtime: ContainerRuntime;
  /** An image with sh and sleep, present locally. */
  readonly image: string;
  cleanup(): Promise<void>;
}

const SKIP_HINT = '(set REQUIRE_DOCKER=1 to fail instead of skipping)';

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: last });
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(l);
  return out;
}

function contract(name: string, make: () => Promise<RuntimeUnderTest>): void {
  describe(`ContainerRuntime contract: ${name}`, { timeout: 180_000 }, () => {
    const node = `contract-${process.pid}-${randomBytes(3).toString('hex')}`;
    const otherNode = `${node}-other`;
    let env: RuntimeUnderTest | undefined;
    let skipped: string | undefined;

    const labels = (pod: string, container = 'main', onNode = node): ContainerLabels => ({
      [LABELS.node]: onNode,
      [LABELS.podUid]: `uid-${pod}`,
      [LABELS.podName]: pod,
      [LABELS.podNamespace]: 'contract',
      [LABELS.container]: container,
      [LABELS.attempt]: '0',
      [LABELS.kind]: 'app',
      [LABELS.backoff]: '0',
    });

    const config = (e: RuntimeUnderTest, pod: string, script: string, extra: Partial<ContainerConfig> = {}): ContainerConfig => ({
      image: e.image,
      command: ['sh', '-c'],
      args: [script],
      env: {},
      labels: labels(pod),
      ports: [],
      ...extra,
    });

    const find = async (rt: ContainerRuntime, id: string, onNode = node): Promise<RuntimeContainer | undefined> =>
      (await rt.list({ [LABELS.node]: onNode })).find((c) => c.id === id);

    const exited = (rt: ContainerRuntime, id: string): Promise<RuntimeContainer> =>
      eventually(`container ${id} to exit`, async () => {
        const c = await find(rt, id);
        return c?.state === 'exited' ? c : undefined;
      });

    async function removeAll(): Promise<void> {
      if (!env) return;
      for (const n of [node, otherNode]) {
        for (const c of await env.runtime.list({ [LABELS.node]: n })) await env.runtime.remove(c.id);
      }
    }

    before(async () => {
      try {
        env = await make();
      } catch (e) {
        if (e instanceof SkipSuite) skipped = e.message;
        else throw e;
      }
    });
    afterEach(removeAll);
    after(async () => {
      if (!env) return;
      await removeAll();
      await env.runtime.close();
      await env.runtime.close(); // idempotent
      await env.cleanup();
    });

    /** A test that is skipped (with the reason) when the runtime could not be built. */
    const test = (title: string, fn: (e: RuntimeUnderTest, t: TestContext) => Promise<void>): void => {
      it(title, { timeout: 60_000 }, async (t) => {
        if (!env) {
          t.skip(skipped ?? `${name} runtime unavailable`);
          return;
        }
        await fn(env, t);
      });
    };

    test('names itself and reports a version', async ({ runtime }) => {
      assert.equal(runtime.name, name);
      assert.match(await runtime.version(), new RegExp(`^${name}://\\S+$`));
    });

    test('ensureImage: a present image passes Never and IfNotPresent; a missing one fails Never', async ({ runtime, image }) => {
      await runtime.ensureImage(image, 'Never');
      await runtime.ensureImage(image, 'IfNotPresent');
      const missing = `jetkube-test/missing-${randomBytes(4).toString('hex')}:none`;
      await assert.rejects(runtime.ensureImage(missing, 'Never'), (e: unknown) => {
        assert.ok(isImagePullError(e), `an ImagePullError, not ${String(e)}`);
        assert.equal(e.reason, 'ErrImageNeverPull');
        assert.equal(e.image, missing);
        return true;
      });
    });

    test('start: command, args, env and workingDir; output in logs, with tailLines and timestamps', async (e) => {
      const { runtime, image } = e;
      const id = await runtime.start(
        config(e, 'hello', 'echo "to stderr" >&2; sleep 0.2; echo "one $GREETING"; echo two; pwd', {
          env: { GREETING: 'hello world' },
          workingDir: '/tmp',
        }),
      );
      const c = await exited(runtime, id);
      assert.equal(c.exitCode, 0);
      assert.equal(c.reason, 'Completed');
      assert.equal(c.image, image);
      assert.ok(c.createdAt && c.startedAt && c.finishedAt, 'created, started and finished times');
      for (const t of [c.createdAt, c.startedAt, c.finishedAt]) assert.ok(!Number.isNaN(Date.parse(t!)), `RFC 3339: ${t}`);

      const all = await collect(runtime.logs(id, {}));
      assert.deepEqual([...all].sort(), ['/tmp\n', 'one hello world\n', 'to stderr\n', 'two\n']);
      assert.deepEqual(await collect(runtime.logs(id, { tailLines: 2 })), ['two\n', '/tmp\n']);
      const stamped = await collect(runtime.logs(id, { tailLines: 1, timestamps: true }));
      assert.equal(stamped.length, 1);
      assert.match(stamped[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z \/tmp\n$/);
    });

    test('list: found by labels, running, then exited with its exit code', async (e) => {
      const { runtime } = e;
      const id = await runtime.start(config(e, 'exits', 'echo hi; sleep 2; exit 3'));
      const running = await find(runtime, id);
      assert.ok(running, 'listed by the node label');
      assert.equal(running.state, 'running');
      assert.equal(running.exitCode, undefined);
      assert.deepEqual(
        Object.fromEntries(Object.keys(labels('exits')).map((k) => [k, running.labels[k]])),
        labels('exits'),
        'labels come back as given',
      );
      const byPod = await runtime.list({ [LABELS.node]: node, [LABELS.podName]: 'exits' });
      assert.deepEqual(byPod.map((c) => c.id), [id], 'all given labels must match');

      // follow ends by itself when the container stops
      assert.deepEqual(await collect(runtime.logs(id, { follow: true })), ['hi\n']);
      const done = await exited(runtime, id);
      assert.equal(done.exitCode, 3);
      assert.equal(done.reason, 'Error');
      assert.ok(done.finishedAt);
    });

    test('stop: SIGTERM first (a trap runs), then the container is exited', async (e) => {
      const { runtime } = e;
      const id = await runtime.start(
        config(e, 'trap', `trap 'echo got TERM; exit 0' TERM; echo ready; while :; do sleep 1; done`),
      );
      await eventually('ready', async () => ((await collect(runtime.logs(id, {}))).includes('ready\n') ? true : undefined));
      const t0 = Date.now();
      await runtime.stop(id, 20);
      assert.ok(Date.now() - t0 < 15_000, 'ended by the trap, not by the SIGKILL after the grace period');
      const c = await exited(runtime, id);
      assert.equal(c.exitCode, 0);
      assert.ok((await collect(runtime.logs(id, {}))).includes('got TERM\n'), 'the trap echoed');
      await runtime.stop(id, 1); // stopping a stopped container is fine
    });

    test('exec: output and exit code; rejects after its timeout', async (e) => {
      const { runtime } = e;
      const id = await runtime.start(config(e, 'exec', 'while :; do sleep 1; done', { env: { WHO: 'probe' } }));
      const r = await runtime.exec(id, ['sh', '-c', 'echo "out $WHO"; echo err >&2; exit 7'], 10_000);
      assert.equal(r.exitCode, 7);
      assert.match(r.output, /out probe\n/);
      assert.match(r.output, /err\n/);
      const ok = await runtime.exec(id, ['sh', '-c', 'exit 0'], 10_000);
      assert.deepEqual(ok, { exitCode: 0, output: '' });
      await assert.rejects(runtime.exec(id, ['sleep', '5'], 300));
      await runtime.stop(id, 0);
    });

    test('logs: follow stops when the signal aborts', async (e) => {
      const { runtime } = e;
      const id = await runtime.start(config(e, 'follow', 'i=0; while :; do i=$((i+1)); echo "line $i"; sleep 1; done'));
      const ac = new AbortController();
      const seen: string[] = [];
      for await (const l of runtime.logs(id, { follow: true, signal: ac.signal })) {
        seen.push(l);
        ac.abort();
      }
      assert.equal(seen.length, 1, 'nothing after the abort');
      assert.match(seen[0]!, /^line \d+\n$/);
      assert.equal((await find(runtime, id))?.state, 'running', 'the container keeps running');
      await runtime.stop(id, 0);
    });

    test('remove: the container vanishes from list(); removing again is fine', async (e) => {
      const { runtime } = e;
      const id = await runtime.start(config(e, 'gone', 'exit 0'));
      await exited(runtime, id);
      await runtime.remove(id);
      assert.equal(await find(runtime, id), undefined);
      await runtime.remove(id);
      await runtime.stop(id, 0); // stopping a gone container is fine too
    });

    test('stats: a busy container\'s cpu time grows, its memory is measured; a stopped one is left out', async (e) => {
      const { runtime } = e;
      assert.ok(isStatsRuntime(runtime), `the ${name} runtime measures its containers`);
      const id = await runtime.start(config(e, 'busy', 'while :; do :; done'));
      const first = await eventually('a first measurement', async () => (await runtime.stats([id])).get(id));
      const later = await eventually('cpu time to grow', async () => {
        const s = (await runtime.stats([id])).get(id);
        return s && s.cpuUsageCoreNanoSeconds > first.cpuUsageCoreNanoSeconds && s.timestampMs > first.timestampMs ? s : undefined;
      });
      assert.ok(later.memoryWorkingSetBytes > 0, `working set ${later.memoryWorkingSetBytes}`);
      await runtime.stop(id, 0);
      assert.equal((await runtime.stats([id, 'no-such-container'])).size, 0);
    });

    test("list: another node's containers are not listed", async (e) => {
      const { runtime } = e;
      const mine = await runtime.start(config(e, 'mine', 'sleep 30'));
      const theirs = await runtime.start(config(e, 'theirs', 'sleep 30', { labels: labels('theirs', 'main', otherNode) }));
      const ids = (await runtime.list({ [LABELS.node]: node })).map((c) => c.id);
      assert.ok(ids.includes(mine));
      assert.ok(!ids.includes(theirs));
      assert.ok(await find(runtime, theirs, otherNode), 'listed under its own node');
      await Promise.all([runtime.stop(mine, 0), runtime.stop(theirs, 0)]);
    });
  });
}

// ---- docker ----------------------------------------------------------------------------------

async function makeDocker(rootDir?: string): Promise<RuntimeUnderTest> {
  const d = await dockerForTests();
  if ('skip' in d) throw new SkipSuite(d.skip);
  const { docker } = d;
  const runtime = new DockerRuntime({ docker, ...(rootDir ? { rootDir } : {}) });
  return { runtime, image: TEST_IMAGE, cleanup: async () => {} }; // the image stays for the next run
}

contract('docker', makeDocker);

// The process runtime measures its containers from /proc of their process group.
describe('process runtime: stats from /proc', { timeout: 60_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'jk-proc-stats-'));
  const runtime = new ProcessRuntime({ rootDir: root });
  const node = `proc-stats-${process.pid}`;
  after(async () => {
    for (const c of await runtime.list({ [LABELS.node]: node })) {
      await runtime.stop(c.id, 0);
      await runtime.remove(c.id);
    }
    await runtime.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('a busy shell loop (and the children it runs) is measured; cpu time grows', async () => {
    const labels = { [LABELS.node]: node, [LABELS.podUid]: 'uid-busy', [LABELS.podName]: 'busy', [LABELS.podNamespace]: 'contract', [LABELS.container]: 'main', [LABELS.attempt]: '0', [LABELS.kind]: 'app' };
    const id = await runtime.start({ image: 'busybox', command: ['sh', '-c'], args: ['while :; do true; done'], env: {}, labels, ports: [] });
    const first = await eventually('a first measurement', async () => (await runtime.stats([id])).get(id));
    const later = await eventually('cpu time to grow', async () => {
      const s = (await runtime.stats([id])).get(id);
      return s && s.cpuUsageCoreNanoSeconds > first.cpuUsageCoreNanoSeconds ? s : undefined;
    });
    assert.ok(later.memoryWorkingSetBytes > 0);
    assert.equal(later.memoryRssBytes, later.memoryWorkingSetBytes);
    await runtime.stop(id, 0);
    assert.equal((await runtime.stats([id])).size, 0);
  });
});

// The pod's resolver is docker-only (the process runtime gets it as env vars from the kubelet).
describe('docker runtime: the pod resolver at /etc/resolv.conf', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'jk-docker-dns-'));
  const uid = `uid-dns-${randomBytes(3).toString('hex')}`;
  const node = `contract-dns-${process.pid}`;
  let env: RuntimeUnderTest | undefined;
  let skipped: string | undefined;

  before(async () => {
    try {
      env = await makeDocker(root);
    } catch (e) {
      if (e instanceof SkipSuite) skipped = e.message;
      else throw e;
    }
  });
  after(async () => {
    if (env) {
      for (const c of await env.runtime.list({ [LABELS.node]: node })) await env.runtime.remove(c.id);
      await env.runtime.close();
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('a container started with dns reads it from /etc/resolv.conf (read-only); removePodDir cleans up', async (t) => {
    if (!env) return void t.skip(skipped ?? 'docker runtime unavailable');
    const { runtime, image } = env;
    const id = await runtime.start({
      image,
      command: ['sh', '-c'],
      args: ['cat /etc/resolv.conf; { echo x >> /etc/resolv.conf; } 2>/dev/null && echo writable || echo read-only'],
      env: {},
      labels: { [LABELS.node]: node, [LABELS.podUid]: uid, [LABELS.podName]: 'dns', [LABELS.podNamespace]: 'contract', [LABELS.container]: 'main', [LABELS.attempt]: '0', [LABELS.kind]: 'app' },
      ports: [],
      dns: { nameservers: ['127.0.0.10'], searches: ['contract.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] },
    });
    await eventually('the container to exit', async () => ((await runtime.list({ [LABELS.node]: node })).find((c) => c.id === id)?.state === 'exited' ? true : undefined));
    assert.deepEqual(await collect(runtime.logs(id, {})), [
      'nameserver 127.0.0.10\n',
      'search contract.svc.cluster.local svc.cluster.local cluster.local\n',
      'options ndots:5\n',
      'read-only\n',
    ]);
    const file = join(root, 'pods', uid, 'resolv.conf');
    assert.ok(existsSync(file), 'written into the pod directory under the root dir');
    await runtime.remove(id);
    await (runtime as DockerRuntime).removePodDir(uid);
    assert.ok(!existsSync(join(root, 'pods', uid)), 'the pod directory is gone');
  });
});
// contract('process', async () => ({ runtime: new ProcessRuntime({ root: mkdtempSync(join(tmpdir(), 'jk-proc-')) }), image: 'process', cleanup: async () => {} }));
