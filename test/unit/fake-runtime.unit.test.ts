/** The fake runtime: containers run until stopped, except `true` / `false`, which exit by themselves. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeRuntime } from '../../services/kubelet/runtime/fake.js';
import type { ContainerConfig } from '../../services/kubelet/runtime/types.js';

const cfg = (command: string[], args: string[] = [], name = 'c'): ContainerConfig => ({ image: 'busybox', command, args, env: {}, labels: { n: name }, ports: [] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fake runtime', () => {
  it('runs an ordinary container until it is stopped', async () => {
    const rt = new FakeRuntime({ exitAfterMs: 10 });
    await rt.start(cfg(['sleep', '3600']));
    await rt.start(cfg([]));
    await sleep(30);
    assert.deepEqual((await rt.list({})).map((c) => c.state), ['running', 'running']);
  });

  it('exits `true` with 0 and `false` with 1 after exitAfterMs', async () => {
    const rt = new FakeRuntime({ exitAfterMs: 20 });
    await rt.start(cfg(['true'], [], 'ok'));
    await rt.start(cfg([], ['false'], 'bad'));
    assert.deepEqual((await rt.list({})).map((c) => c.state), ['running', 'running']);
    await sleep(40);
    const [ok] = await rt.list({ n: 'ok' });
    const [bad] = await rt.list({ n: 'bad' });
    assert.equal(ok!.state, 'exited');
    assert.equal(ok!.exitCode, 0);
    assert.equal(ok!.reason, 'Completed');
    assert.equal(bad!.state, 'exited');
    assert.equal(bad!.exitCode, 1);
    assert.equal(bad!.reason, 'Error');
    assert.ok(Date.parse(ok!.finishedAt!) >= Date.parse(ok!.startedAt!));
  });

  it('a `true` container stopped before its time exits 0 once', async () => {
    const rt = new FakeRuntime({ exitAfterMs: 1000 });
    const id = await rt.start(cfg(['true']));
    await rt.stop(id);
    const [c] = await rt.list({});
    assert.equal(c!.state, 'exited');
    assert.equal(c!.exitCode, 0);
  });
});
