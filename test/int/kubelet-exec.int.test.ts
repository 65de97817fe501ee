/**
 * The kubelet's /exec WebSocket endpoint on its own (services/kubelet/exec.ts), spoken to frame by
 * frame with `ws`: protocol negotiation (v5, v4, refused), the stream bytes, the v5 close signal
 * ending stdin, the exit code Status, a runtime with nothing to exec into (fake). Real local
 * processes (spawnExec, the process runtime's exec), no NATS or Postgres involved.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { WebSocket } from 'ws';
import { createLogger } from '../../shared/log.js';
import { attachExecServer } from '../../services/kubelet/exec.js';
import { FakeRuntime } from '../../services/kubelet/runtime/fake.js';
import { spawnExec } from '../../services/kubelet/runtime/process-exec.js';
import type { ContainerRuntime, RuntimeContainer, StreamingRuntime } from '../../services/kubelet/runtime/types.js';

const container: RuntimeContainer = { id: 'c1', labels: {}, image: 'x', state: 'running', createdAt: new Date().toISOString() };
const local = Object.assign(new FakeRuntime(), {
  execStream: ((_id, command, opts) => spawnExec(command, { cwd: tmpdir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MARK: 'int' } }, opts)) as StreamingRuntime['execStream'],
});

interface Outcome {
  protocol: string;
  streams: Record<number, string>;
  status: any;
}

describe('kubelet exec endpoint', () => {
  let server: Server;
  let base: string;
  let exec: { close(): void };

  before(async () => {
    server = createServer((_q, s) => s.end());
    exec = attachExecServer(
      server,
      async (_ns, pod) => {
        if (pod === 'fake') return { runtime: new FakeRuntime(), container };
        if (pod === 'stopped') return { runtime: local as ContainerRuntime };
        return { runtime: local as ContainerRuntime, container };
      },
      createLogger('kubelet-exec-int', 'silent'),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    exec.close();
    await new Promise((r) => server.close(r));
  });

  /** Open, send the given messages once open, collect every stream until the server closes. */
  const session = (path: string, protocols: string[], send: Buffer[] = []) =>
    new Promise<Outcome>((resolve, reject) => {
      const ws = new WebSocket(`${base}${path}`, protocols);
      const streams: Record<number, string> = {};
      ws.on('open', () => send.forEach((m) => ws.send(m)));
      ws.on('message', (m: Buffer) => (streams[m[0]!] = (streams[m[0]!] ?? '') + m.subarray(1).toString()));
      ws.on('close', () => resolve({ protocol: ws.protocol, streams, status: streams[3] ? JSON.parse(streams[3]) : undefined }));
      ws.on('error', reject);
    });
  const q = (...cmd: string[]) => cmd.map((c) => `command=${encodeURIComponent(c)}`).join('&');

  it('runs a command: stdout and stderr apart, Success', async () => {
    const r = await session(`/exec/default/p/c?${q('sh', '-c', 'echo $MARK; echo e >&2')}&stdout=true&stderr=true`, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    assert.equal(r.protocol, 'v5.channel.k8s.io');
    assert.equal(r.streams[1], 'int\n');
    assert.equal(r.streams[2], 'e\n');
    assert.deepEqual(r.status, { metadata: {}, status: 'Success' });
  });

  it('ends stdin on the v5 close signal; the exit code is in the Status', async () => {
    const r = await session(`/exec/default/p/c?${q('sh', '-c', 'cat; exit 5')}&stdin=true&stdout=true`, ['v5.channel.k8s.io'], [
      Buffer.from([0, ...Buffer.from('abc')]),
      Buffer.from([255, 0]),
    ]);
    assert.equal(r.streams[1], 'abc');
    assert.equal(r.status.reason, 'NonZeroExitCode');
    assert.deepEqual(r.status.details.causes, [{ reason: 'ExitCode', message: '5' }]);
    assert.equal(r.status.message, 'command terminated with non-zero exit code: error executing command [sh -c cat; exit 5], exit code 5');
  });

  it('speaks v4 (no close signal) when that is all the client offers', async () => {
    const r = await session(`/exec/default/p/c?${q('echo', 'v4')}&stdout=true`, ['v4.channel.k8s.io']);
    assert.equal(r.protocol, 'v4.channel.k8s.io');
    assert.equal(r.streams[1], 'v4\n');
  });

  it('refuses an unknown protocol and a request without streams before upgrading', async () => {
    for (const [path, protocols, message] of [
      [`/exec/default/p/c?${q('true')}&stdout=true`, ['base64.channel.k8s.io'], /none of the offered subprotocols is supported/],
      [`/exec/default/p/c?${q('true')}`, ['v5.channel.k8s.io'], /^you must specify at least 1 of stdin, stdout, stderr$/],
    ] as const) {
      const status = await new Promise<any>((resolve, reject) => {
        const ws = new WebSocket(`${base}${path}`, [...protocols]);
        ws.on('open', () => reject(new Error('upgraded')));
        ws.on('unexpected-response', (_req, res) => {
          let t = '';
          res.on('data', (d: Buffer) => (t += d));
          res.on('end', () => resolve({ code: res.statusCode, ...JSON.parse(t) }));
        });
        ws.on('error', () => undefined);
      });
      assert.equal(status.code, 400);
      assert.match(status.message, message);
    }
  });

  it('answers an InternalError Status for a stopped container, a missing command and the fake runtime', async () => {
    const stopped = await session(`/exec/default/stopped/c?${q('true')}&stdout=true`, ['v5.channel.k8s.io']);
    assert.equal(stopped.status.message, 'Internal error occurred: error executing command in container: container not found ("c")');
    const missing = await session(`/exec/default/p/c?${q('no-such-command-here')}&stdout=true`, ['v5.channel.k8s.io']);
    assert.match(missing.status.message, /executable file not found in \$PATH/);
    const fake = await session(`/exec/default/fake/c?${q('true')}&stdout=true`, ['v5.channel.k8s.io']);
    assert.equal(fake.status.reason, 'InternalError');
    assert.match(fake.status.message, /the fake runtime runs no processes/);
  });
});
