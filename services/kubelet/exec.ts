/**
 * The kubelet's `GET /exec/{namespace}/{pod}/{container}?command=...&stdin&stdout&stderr&tty`
 * (the real kubelet's path), WebSocket only (v5.channel.k8s.io or v4): what the gateway's
 * `pods/{name}/exec` tunnels to. The framing is shared/remotecommand.ts; this file only moves bytes
 * between the WebSocket and the runtime's exec session (runtime/types.ts StreamingRuntime).
 *
 * Errors before the upgrade (bad options, no such path, no protocol we speak) are HTTP Status
 * answers; once upgraded, every outcome is a Status on the error stream (3), then a normal close:
 * the exit code (Success or NonZeroExitCode) or an InternalError (container not running, runtime
 * without exec, command not found).
 */
import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex, Writable } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { ApiError, isApiError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import {
  decodeClientFrame,
  encodeFrame,
  ERROR,
  exitStatus,
  internalErrorStatus,
  negotiateProtocol,
  parseStreamOptions,
  PROTOCOL_V5,
  STDERR,
  STDIN,
  StreamOptionsError,
  STDOUT,
  type ExecStatus,
  type StreamOptions,
} from '../../shared/remotecommand.js';
import type { ContainerRuntime, ExecSession, RuntimeContainer } from './runtime/types.js';
import { isAttachableRuntime, isStreamingRuntime } from './runtime/types.js';
import { PORT_FORWARD_PATH } from './portforward.js';

export interface ExecTargetResolver {
  (ns: string, pod: string, container: string): Promise<{ runtime: ContainerRuntime; container?: RuntimeContainer; stdin?: boolean; tty?: boolean }>;
}

const PATH = /^\/(exec|attach)\/([^/]+)\/([^/]+)\/([^/]+)$/;

/** Write an HTTP answer on a socket that was not upgraded. */
export function rejectUpgrade(socket: Duplex, code: number, status: object): void {
  const body = JSON.stringify(status);
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Serve exec upgrades on the kubelet's HTTP server. */
export function attachExecServer(server: Server, resolve: ExecTargetResolver, log: Logger): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => negotiateProtocol([...offered]) ?? false });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    if (PORT_FORWARD_PATH.test(url.pathname)) return; // portforward.ts
    const m = PATH.exec(url.pathname);
    try {
      if (!m) throw new ApiError('NotFound', 'the server could not find the requested resource');
      const [, kind, ns, pod, container] = m.map((s) => decodeURIComponent(s)) as [string, 'exec' | 'attach', string, string, string];
      let opts: StreamOptions;
      try {
        opts = parseStreamOptions(url.searchParams, kind);
      } catch (e) {
        if (e instanceof StreamOptionsError) throw new ApiError('BadRequest', e.message);
        throw e;
      }
      if (!negotiateProtocol(req.headers['sec-websocket-protocol'])) {
        throw new ApiError('BadRequest', `unable to upgrade connection: none of the offered subprotocols is supported; use ${PROTOCOL_V5}`);
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const run = kind === 'attach' ? runAttach : runExec;
        void run(ws, resolve, { ns, pod, container }, opts, log).catch((e) => log.warn({ err: (e as Error).message, pod: `${ns}/${pod}` }, 'exec failed'));
      });
    } catch (e) {
      const err = isApiError(e) ? e : new ApiError('InternalError', (e as Error).message);
      rejectUpgrade(socket, err.code, err.toStatus());
    }
  };
  server.on('upgrade', onUpgrade);
  return {
    close() {
      server.off('upgrade', onUpgrade);
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
  };
}

/** Bytes the command's stdin may hold unread before the client's socket is paused. */
const STDIN_BUFFER = 1 << 20;

/** Pending sends above which the command's output is paused (the client reads slowly). */
const HIGH_WATER = 32;

async function runExec(
  ws: WebSocket,
  resolve: ExecTargetResolver,
  where: { ns: string; pod: string; container: string },
  opts: StreamOptions,
  log: Logger,
): Promise<void> {
  const v5 = ws.protocol === PROTOCOL_V5;
  // A paused socket would never read the client's close frame: resume before closing.
  const resume = () => ws.isPaused && ws.resume();
  const finish = (status: ExecStatus) => {
    resume();
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(encodeFrame(ERROR, JSON.stringify(status)));
    ws.close(1000);
  };
  // Client messages may arrive before the session exists: hold them until it does.
  const early: Buffer[] = [];
  let session: ExecSession | undefined;
  let ended = false;
  const onMessage = (raw: Buffer | ArrayBuffer | Buffer[]) => {
    const msg = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (!session) return void early.push(msg);
    const f = decodeClientFrame(msg, v5);
    switch (f.type) {
      case 'stdin':
        // The command reads slower than the client sends: stop reading the socket until it drains.
        // (Pausing at every full pipe buffer makes the socket crawl: only past STDIN_BUFFER bytes.)
        if (session.stdin && f.data.length && !session.stdin.write(f.data) && !ws.isPaused && (session.stdin as Writable).writableLength > STDIN_BUFFER) {
          ws.pause();
          session.stdin.once('drain', resume);
          session.stdin.once('close', resume);
        }
        break;
      case 'close':
        if (f.stream === STDIN) session.stdin?.end();
        break;
      case 'resize':
        session.resize(f.width, f.height);
        break;
      case 'invalid':
        log.warn({ pod: `${where.ns}/${where.pod}`, problem: f.message }, 'exec: bad client message');
        break;
    }
  };
  ws.on('message', onMessage);
  ws.once('close', () => {
    if (!ended) session?.kill();
  });
  ws.on('error', () => undefined);

  try {
    // With a tty, the client's first message is its terminal size: start the command with it.
    let size: { width: number; height: number } | undefined;
    if (opts.tty) size = await firstSize(early, ws, v5);
    const t = await resolve(where.ns, where.pod, where.container);
    if (!t.container) throw new Error(`container not found ("${where.container}")`);
    if (!isStreamingRuntime(t.runtime)) throw new Error(`the ${t.runtime.name} runtime runs no processes, so there is nothing to exec into`);
    session = await t.runtime.execStream(t.container.id, opts.command, {
      stdin: opts.stdin,
      stdout: opts.stdout,
      stderr: opts.stderr,
      tty: opts.tty,
      ...(size ? { size } : {}),
    });
  } catch (e) {
    return finish(internalErrorStatus((e as Error).message));
  }
  if (ws.readyState !== WebSocket.OPEN) {
    session.kill();
    return;
  }
  log.info({ pod: `${where.ns}/${where.pod}`, container: where.container, command: opts.command, tty: opts.tty }, 'exec started');
  for (const m of early.splice(0)) onMessage(m);

  let pending = 0;
  const paused = new Set<NodeJS.ReadableStream>();
  const forward = (stream: NodeJS.ReadableStream | undefined, id: number): Promise<void> =>
    new Promise((done) => {
      if (!stream) return done();
      stream.on('data', (d: Buffer | string) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        pending++;
        ws.send(encodeFrame(id, typeof d === 'string' ? Buffer.from(d) : d), () => {
          pending--;
          if (pending < HIGH_WATER / 2 && paused.size) {
            for (const s of paused) s.resume();
            paused.clear();
          }
        });
        if (pending >= HIGH_WATER) {
          stream.pause();
          paused.add(stream);
        }
      });
      stream.once('end', () => done());
      stream.once('close', () => done());
      stream.once('error', () => done());
    });
  const [code] = await Promise.all([session.exited, forward(session.stdout, STDOUT), forward(session.stderr, STDERR)]);
  ended = true;
  log.info({ pod: `${where.ns}/${where.pod}`, container: where.container, exitCode: code }, 'exec ended');
  finish(exitStatus(opts.command, code));
}

/** How long a tty session waits for the client's first terminal size before starting without one. */
const SIZE_WAIT_MS = 500;

/** The terminal size among the messages held so far, or the next to arrive (briefly). */
async function firstSize(early: Buffer[], ws: WebSocket, v5: boolean): Promise<{ width: number; height: number } | undefined> {
  const find = () => {
    for (const m of early) {
      const f = decodeClientFrame(m, v5);
      if (f.type === 'resize') return { width: f.width, height: f.height };
    }
    return undefined;
  };
  const now = find();
  if (now) return now;
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      ws.off('message', check);
      ws.off('close', done);
      resolve(find());
    };
    // Runs after the session's own listener has held the message.
    const check = () => setImmediate(() => find() && done());
    const timer = setTimeout(done, SIZE_WAIT_MS);
    ws.on('message', check);
    ws.once('close', done);
  });
}

/**
 * Attach: what the container writes from now on (its log followed from the end, stdout and stderr
 * together on stdout), until it stops or the client leaves; then Success. With -i the client's
 * stdin goes to the container's stdin, which the runtime kept open because the container has
 * `stdin: true` (runtime/types.ts AttachableRuntime); the client's end of input ends only its own
 * writer (a `stdinOnce` container then sees EOF). A tty container's terminal follows the client's
 * resizes.
 */
async function runAttach(
  ws: WebSocket,
  resolve: ExecTargetResolver,
  where: { ns: string; pod: string; container: string },
  opts: StreamOptions,
  log: Logger,
): Promise<void> {
  const v5 = ws.protocol === PROTOCOL_V5;
  const ac = new AbortController();
  let stdin: NodeJS.WritableStream | undefined;
  let onFrame: ((msg: Buffer) => void) | undefined;
  let firstLine: Promise<IteratorResult<string>> | undefined;
  const early: Buffer[] = [];
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
    const msg = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (onFrame) onFrame(msg);
    else early.push(msg);
  });
  ws.once('close', () => {
    ac.abort();
    stdin?.end();
  });
  ws.on('error', () => undefined);
  const finish = (status: ExecStatus) => {
    stdin?.end();
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(encodeFrame(ERROR, JSON.stringify(status)));
    ws.close(1000);
  };
  let id: string;
  let runtime: ContainerRuntime;
  let lines: AsyncIterator<string> | undefined;
  try {
    const t = await resolve(where.ns, where.pod, where.container);
    if (!t.container) throw new Error(`container not found ("${where.container}")`);
    id = t.container.id;
    runtime = t.runtime;
    if (opts.stdout || opts.stderr) {
      // Follow the output before any input goes in: what the container answers is not missed.
      let positioned!: () => void;
      const ready = new Promise<void>((r) => (positioned = r));
      lines = runtime.logs(id, { follow: true, tailLines: 0, signal: ac.signal, onPositioned: () => positioned() })[Symbol.asyncIterator]();
      firstLine = lines.next();
      firstLine.catch(() => undefined);
      await Promise.race([ready, firstLine]);
    }
    if (opts.stdin) {
      if (!t.stdin) throw new Error(`container ${where.container} was not started with stdin: true, so there is no stdin to attach to; attach without -i, or use exec -i`);
      if (!isAttachableRuntime(runtime)) throw new Error(`the ${runtime.name} runtime cannot attach to a container's stdin`);
      stdin = await runtime.attachStdin(id);
      if (ws.readyState !== WebSocket.OPEN) return void stdin.end();
    }
    const rt = runtime;
    const cid = id;
    onFrame = (msg) => {
      const f = decodeClientFrame(msg, v5);
      switch (f.type) {
        case 'stdin':
          if (stdin && f.data.length) stdin.write(f.data);
          break;
        case 'close':
          if (f.stream === STDIN) stdin?.end();
          break;
        case 'resize':
          if (t.tty && isAttachableRuntime(rt)) rt.resizeTty(cid, f.width, f.height);
          break;
        case 'invalid':
          log.warn({ pod: `${where.ns}/${where.pod}`, problem: f.message }, 'attach: bad client message');
          break;
      }
    };
    for (const m of early.splice(0)) onFrame(m);
  } catch (e) {
    return finish(internalErrorStatus((e as Error).message));
  }
  log.info({ pod: `${where.ns}/${where.pod}`, container: where.container, stdin: opts.stdin }, 'attach started');
  const stream = opts.stdout ? STDOUT : STDERR;
  try {
    if (lines && firstLine) {
      for (let r = await firstLine; !r.done; r = await lines.next()) {
        if (ws.readyState !== WebSocket.OPEN) break;
        ws.send(encodeFrame(stream, r.value));
      }
      await lines.return?.();
    } else {
      await new Promise<void>((r) => (ac.signal.aborted ? r() : ac.signal.addEventListener('abort', () => r())));
    }
  } catch (e) {
    if (!ac.signal.aborted) return finish(internalErrorStatus((e as Error).message));
  }
  log.info({ pod: `${where.ns}/${where.pod}`, container: where.container }, 'attach ended');
  finish({ metadata: {}, status: 'Success' });
}
