/**
 * Container stdin in the process runtime (services/kubelet/runtime/process.ts and its shim), with
 * real local processes: a container with `stdin: true` reads what attach clients write, across
 * clients; with `stdinOnce` the first client's end is its EOF and a second client is refused; a
 * container without stdin has none to attach to; a log follower started before the first line
 * sees it (what kubectl attach relies on). No NATS or Postgres involved.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessRuntime } from '../../services/kubelet/runtime/process.js';
import { LABELS, type ContainerConfig } from '../../services/kubelet/runtime/types.js';
import { eventually } from '../wait.js';

const root = mkdtempSync(join(tmpdir(), 'jk-stdin-'));
const runtime = new ProcessRuntime({ rootDir: root });
const started: string[] = [];

const config = (name: string, script: string, extra: Partial<ContainerConfig>): ContainerConfig => ({
  image: 'process',
  command: ['sh', '-c', script],
  args: [],
  env: {},
  labels: { [LABELS.node]: 'stdin-int', [LABELS.podUid]: `uid-${name}`, [LABELS.podName]: name, [LABELS.podNamespace]: 'default', [LABELS.container]: 'main', [LABELS.attempt]: '0', [LABELS.kind]: 'app' },
  ports: [],
  ...extra,
});

async function start(name: string, script: string, extra: Partial<ContainerConfig>): Promise<string> {
  const id = await runtime.start(config(name, script, extra));
  started.push(id);
  return id;
}

const write = (w: NodeJS.WritableStream, text: string) => new Promise<void>((r) => w.end(text, () => r()));

async function output(id: string): Promise<string> {
  let text = '';
  for await (const l of runtime.logs(id, {})) text += l;
  return text;
}

const state = async (id: string) => (await runtime.list({ [LABELS.node]: 'stdin-int' })).find((c) => c.id === id)?.state;

describe('process runtime: container stdin', () => {
  after(async () => {
    for (const id of started) await runtime.stop(id, 0).catch(() => undefined);
    for (const id of started) await runtime.remove(id).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps stdin open across clients (stdin: true)', async () => {
    const id = await start('open', 'while read l; do echo "got $l"; done; echo eof', { stdin: true });
    await write(await runtime.attachStdin(id), 'one\n');
    await eventually('the first line answered', async () => (await output(id)).includes('got one'), 10_000, 50);
    await write(await runtime.attachStdin(id), 'two\n');
    await eventually('the second line answered', async () => (await output(id)).includes('got two'), 10_000, 50);
    assert.equal(await state(id), 'running', 'no EOF after a client left');
    assert.doesNotMatch(await output(id), /eof/);
  });

  it('ends stdin with the first client (stdinOnce) and refuses the next', async () => {
    const id = await start('once', 'while read l; do echo "got $l"; done; echo eof', { stdin: true, stdinOnce: true });
    await write(await runtime.attachStdin(id), 'only\n');
    await eventually('the container ended on EOF', async () => (await state(id)) === 'exited', 10_000, 50);
    assert.equal(await output(id), 'got only\neof\n');
    await assert.rejects(runtime.attachStdin(id), /the container's stdin is closed/);
  });

  it('has no stdin to attach to without stdin: true', async () => {
    const id = await start('none', 'sleep 30', {});
    await assert.rejects(runtime.attachStdin(id), /was not started with stdin: true/);
  });

  it('a follower positioned before the first line sees it', async () => {
    const id = await start('follow', 'read l; echo "late $l"', { stdin: true, stdinOnce: true });
    const ac = new AbortController();
    let positioned = false;
    const seen: string[] = [];
    const following = (async () => {
      for await (const l of runtime.logs(id, { follow: true, tailLines: 0, signal: ac.signal, onPositioned: () => (positioned = true) })) seen.push(l);
    })();
    await eventually('the follower positioned', async () => positioned, 10_000, 20);
    await write(await runtime.attachStdin(id), 'x\n');
    await following; // ends with the container
    assert.deepEqual(seen, ['late x\n']);
  });
});
