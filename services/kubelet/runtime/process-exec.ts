/**
 * kubectl exec for the process runtime: the command runs as a child of the kubelet, in the
 * container's environment and working directory (those the shim started the container with), in
 * its own process group (killed whole when the client goes away). With a tty the command runs under
 * util-linux `script`, which gives it a pseudo-terminal without any native module: the first size
 * the client sent is set with `stty` before the command starts; later resizes find the terminal
 * through /proc (the fd 0 of script's child) and set it with `stty -F`, which signals SIGWINCH.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import { ExecUnsupportedError, type ExecSession, type ExecStreamOptions } from './types.js';

let scriptAvailable: boolean | undefined;
function hasScript(): boolean {
  scriptAvailable ??= spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
  return scriptAvailable;
}

/** Quote one argument for sh (pure). */
export const shQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The argv that runs `command` (pure): as is, or under `script` for a tty (sized first when a size is known). */
export function execArgv(command: readonly string[], tty: boolean, size?: { width: number; height: number }): string[] {
  if (!tty) return [...command];
  const cmd = command.map(shQuote).join(' ');
  const sized = size && size.width > 0 && size.height > 0 ? `stty cols ${size.width} rows ${size.height} 2>/dev/null; exec ${cmd}` : cmd;
  // -q quiet, -e the child's exit code, -f flush as written, -c the command; no typescript file.
  return ['script', '-qefc', sized, '/dev/null'];
}

/** The pseudo-terminal of script's child (its stdin), if it runs yet. */
async function ptyOf(scriptPid: number): Promise<string | undefined> {
  try {
    const children = (await readFile(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
    for (const c of children) {
      const dev = await readlink(`/proc/${c}/fd/0`).catch(() => '');
      if (dev.startsWith('/dev/pts/')) return dev;
    }
  } catch {
    /* gone, or no /proc */
  }
  return undefined;
}

export function resizer(scriptPid: number): (width: number, height: number) => void {
  let latest: { width: number; height: number } | undefined;
  let busy = false;
  const apply = async () => {
    busy = true;
    try {
      while (latest) {
        const { width, height } = latest;
        latest = undefined;
        let dev: string | undefined;
        for (let i = 0; i < 20 && !(dev = await ptyOf(scriptPid)); i++) await new Promise((r) => setTimeout(r, 25));
        if (!dev) return;
        await new Promise<void>((r) => {
          const p = spawn('stty', ['-F', dev!, 'cols', String(width), 'rows', String(height)], { stdio: 'ignore' });
          p.once('close', () => r());
          p.once('error', () => r());
        });
      }
    } finally {
      busy = false;
    }
  };
  return (width, height) => {
    if (width <= 0 || height <= 0) return;
    latest = { width, height };
    if (!busy) void apply();
  };
}

export function spawnExec(command: readonly string[], where: { cwd: string; env: Readonly<Record<string, string>> }, opts: ExecStreamOptions): Promise<ExecSession> {
  if (opts.tty && !hasScript()) throw new ExecUnsupportedError('a tty needs util-linux `script` on the node for the process runtime; run without -t');
  const [cmd, ...args] = execArgv(command, opts.tty, opts.size);
  if (!cmd) throw new ExecUnsupportedError('empty command');
  const env: Record<string, string> = { ...where.env, ...(opts.tty ? { TERM: where.env.TERM ?? 'xterm' } : {}) };
  return new Promise<ExecSession>((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: where.cwd,
      env,
      detached: true,
      stdio: [opts.stdin ? 'pipe' : 'ignore', opts.stdout ? 'pipe' : 'ignore', opts.stderr && !opts.tty ? 'pipe' : 'ignore'],
    });
    const exited = new Promise<number>((res) => {
      child.once('close', (code, signal) => res(code ?? (signal ? 128 + (signalNumber(signal) ?? 9) : 1)));
    });
    child.stdin?.on('error', () => undefined); // the command may exit before reading all of its input
    child.once('error', (e) => reject(Object.assign(new ExecUnsupportedError((e as NodeJS.ErrnoException).code === 'ENOENT' ? `exec: "${cmd}": executable file not found in $PATH` : e.message))));
    child.once('spawn', () =>
      resolve({
        ...(child.stdin ? { stdin: child.stdin } : {}),
        ...(child.stdout ? { stdout: child.stdout } : {}),
        ...(child.stderr ? { stderr: child.stderr } : {}),
        resize: opts.tty ? resizer(child.pid!) : () => undefined,
        exited,
        kill: () => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* gone */
          }
        },
      }),
    );
  });
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };
const signalNumber = (s: string): number | undefined => SIGNALS[s];
