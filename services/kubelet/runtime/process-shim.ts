#!/usr/bin/env node
/**
 * The process runtime's shim (containerd-shim's job, for one local process): started detached by
 * the kubelet, it outlives kubelet restarts. It runs the container's argv in its own process group,
 * stamps every output line into a CRI log file, and records the state (pid, start, exit code) in
 * `state.json`, so a restarted kubelet adopts the process and never loses an exit code.
 *
 *   node process-shim.js <container dir>     (reads <dir>/config.json)
 */
import { spawn } from 'node:child_process';
import { accessSync, appendFileSync, constants as fsConstants, createReadStream, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { constants } from 'node:os';
import { formatLogLine, nanoTime } from './cri-log.js';
import { execArgv } from './process-exec.js';

export interface ShimConfig {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /**
   * Container.stdin: the process reads what clients write into the FIFO `fifo` (kubectl attach -i).
   * It stays open across clients, unless `once` (stdinOnce): then the first client's end is its EOF.
   */
  readonly stdin?: { readonly fifo: string; readonly once: boolean };
  /** Container.tty: run on a pseudo-terminal (util-linux `script`, as exec -t does). */
  readonly tty?: boolean;
  /** The setpriv prefix already at the head of argv, kept for exec into the container. */
  readonly wrap?: readonly string[];
}


export interface ShimState {
  readonly state: 'running' | 'exited';
  readonly shimPid: number;
  readonly pid?: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly exitCode?: number;
  readonly signal?: string;
  readonly reason?: string;
  readonly message?: string;
}

export function writeState(dir: string, s: ShimState): void {
  const tmp = join(dir, `state.json.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(s));
  renameSync(tmp, join(dir, 'state.json'));
}

const rfc3339 = (ms: number) => new Date(ms).toISOString();

/** What execvp would run for `cmd` (a path as given, else the first executable file on PATH). */
function findExecutable(cmd: string, path: string, cwd: string): boolean {
  const ok = (p: string) => {
    try {
      accessSync(p, fsConstants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (cmd.includes('/')) return ok(isAbsolute(cmd) ? cmd : join(cwd, cmd));
  return path.split(':').some((d) => d !== '' && ok(join(d, cmd)));
}

function main(dir: string): void {
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as ShimConfig;
  const logPath = join(dir, 'container.log');
  const [cmd, ...args] = cfg.tty && cfg.argv.length ? execArgv(cfg.argv, true) : cfg.argv;
  let finished = false;
  const exit = (s: Omit<ShimState, 'state' | 'shimPid'>) => {
    if (finished) return;
    finished = true;
    writeState(dir, { state: 'exited', shimPid: process.pid, ...s, finishedAt: rfc3339(Date.now()) });
    // A stdin container's FIFO may have an open() for reading pending in libuv's thread pool (it
    // waits for a writer), and process.exit waits for that thread at shutdown: forever. The state
    // is on disk (written synchronously, as is the log): end without the shutdown.
    if (cfg.stdin) process.kill(process.pid, 'SIGKILL');
    process.exit(0);
  };
  const own = cfg.argv[cfg.wrap?.length ?? 0];
  if (!cmd || !own) {
    exit({ exitCode: 128, reason: 'StartError', message: 'no command: the process runtime needs spec.containers[].command' });
    return;
  }
  // Behind setpriv, a command that isn't there must still be a StartError, not setpriv's exit 127.
  if (cfg.wrap?.length && !findExecutable(own, cfg.env.PATH ?? '', cfg.cwd)) {
    exit({ startedAt: rfc3339(Date.now()), exitCode: 128, reason: 'StartError', message: `failed to start ${own}: spawn ${own} ENOENT` });
    return;
  }
  const started = Date.now();
  const env = cfg.tty ? { TERM: 'xterm', ...cfg.env } : cfg.env;
  const child = spawn(cmd, args, { cwd: cfg.cwd, env, detached: true, stdio: [cfg.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  if (cfg.stdin && child.stdin) feedStdin(cfg.stdin.fifo, child.stdin, cfg.stdin.once);
  child.once('error', (err) => {
    exit({ startedAt: rfc3339(started), exitCode: 128, reason: 'StartError', message: `failed to start ${cmd}: ${err.message}` });
  });
  child.once('spawn', () => {
    writeState(dir, { state: 'running', shimPid: process.pid, pid: child.pid!, startedAt: rfc3339(started) });
  });
  let seq = 0;
  const pump = (stream: 'stdout' | 'stderr', src: NodeJS.ReadableStream) => {
    let partial = '';
    src.setEncoding('utf8');
    src.on('data', (chunk: string) => {
      const text = partial + chunk;
      const parts = text.split('\n');
      partial = parts.pop()!;
      if (parts.length === 0) return;
      const now = Date.now();
      appendFileSync(logPath, parts.map((t) => formatLogLine({ time: nanoTime(now, seq++ % 1_000_000), stream, tag: 'F', text: t })).join(''));
    });
    return new Promise<void>((resolve) =>
      src.once('end', () => {
        if (partial) appendFileSync(logPath, formatLogLine({ time: nanoTime(Date.now()), stream, tag: 'F', text: partial }));
        resolve();
      }),
    );
  };
  const drained = Promise.all([pump('stdout', child.stdout!), pump('stderr', child.stderr!)]);
  child.once('exit', (code, signal) => {
    const signum = signal ? (constants.signals as Record<string, number>)[signal] ?? 9 : 0;
    const exitCode = code ?? 128 + signum;
    // The output may still be in the pipes; the exit is recorded once both are drained (or after 2 s:
    // a grandchild holding the pipe open must not keep the container "running").
    const timeout = new Promise((r) => setTimeout(r, 2000).unref());
    void Promise.race([drained, timeout]).then(() =>
      exit({ startedAt: rfc3339(started), exitCode, ...(signal ? { signal } : {}), reason: exitCode === 0 ? 'Completed' : 'Error' }),
    );
  });
  // The kubelet signals the process group directly; a signal to the shim is passed on.
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(sig, () => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        /* already gone */
      }
    });
  }
}

/**
 * Copy each client's writes from the FIFO into the process' stdin. Opening the FIFO for reading
 * waits for a writer; a writer closing ends that read: the FIFO is opened again for the next
 * client, unless stdin closes with the first one (stdinOnce).
 */
function feedStdin(fifo: string, stdin: NodeJS.WritableStream, once: boolean): void {
  stdin.on('error', () => undefined); // the process may exit without reading
  const next = () => {
    const rs = createReadStream(fifo);
    rs.on('error', () => stdin.end());
    rs.pipe(stdin, { end: false });
    rs.once('end', () => (once ? stdin.end() : next()));
  };
  next();
}

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: process-shim <container dir>\n');
  process.exit(2);
}
main(dir);
