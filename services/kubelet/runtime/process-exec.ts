/**
 * kubectl exec for the process runtime: the command runs as a child of the kubelet, in the
 * container's environment and working directory (those the shim started the container with), in
 * its own process group (killed whole when the client goes away). With a tty the command runs under
 * util-linux `script`, which gives it a pseudo-terminal without any native module; terminal resizes
 * are not passed on (the terminal stays 80x24, or what the command sets itself).
 */
import { spawn, spawnSync } from 'node:child_process';
import { ExecUnsupportedError, type ExecSession, type ExecStreamOptions } from './types.js';

let scriptAvailable: boolean | undefined;
function hasScript(): boolean {
  scriptAvailable ??= spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
  return scriptAvailable;
}

/** Quote one argument for sh (pure). */
export const shQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The argv that runs `command` (pure): as is, or under `script` for a tty. */
export function execArgv(command: readonly string[], tty: boolean): string[] {
  if (!tty) return [...command];
  // -q quiet, -e the child's exit code, -f flush as written, -c the command; no typescript file.
  return ['script', '-qefc', command.map(shQuote).join(' '), '/dev/null'];
}

export function spawnExec(command: readonly string[], where: { cwd: string; env: Readonly<Record<string, string>> }, opts: ExecStreamOptions): Promise<ExecSession> {
  if (opts.tty && !hasScript()) throw new ExecUnsupportedError('a tty needs util-linux `script` on the node for the process runtime; run without -t');
  const [cmd, ...args] = execArgv(command, opts.tty);
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
        resize: () => undefined,
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
