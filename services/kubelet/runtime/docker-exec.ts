/**
 * kubectl exec for the docker runtime, through the engine: create an exec instance, start it
 * hijacked (one raw duplex connection), demultiplex stdout and stderr (without a tty the engine
 * frames them; with one it sends the terminal's bytes as they are), end the connection's write side
 * for stdin EOF, resize the exec's terminal, and read the exit code from the exec's inspect once the
 * output has ended. Docker cannot kill an exec'd process: a client that goes away closes the
 * connection, which ends the process's stdin (what the real kubelet with dockershim did too).
 */
import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import type { ExecSession, ExecStreamOptions } from './types.js';

export async function dockerExecStream(docker: Dockerode, id: string, command: readonly string[], opts: ExecStreamOptions): Promise<ExecSession> {
  const stderrWanted = opts.stderr && !opts.tty;
  const exec = await docker.getContainer(id).exec({
    Cmd: [...command],
    AttachStdin: opts.stdin,
    AttachStdout: opts.stdout,
    AttachStderr: stderrWanted,
    Tty: opts.tty,
    ...(opts.tty ? { Env: ['TERM=xterm'] } : {}),
    // API 1.42+: the terminal has its size from the start (older engines ignore it: resized below).
    ...(opts.tty && opts.size ? { ConsoleSize: [opts.size.height, opts.size.width] } : {}),
  } as Dockerode.ExecCreateOptions);
  const stream = await exec.start({ hijack: true, stdin: opts.stdin, Tty: opts.tty });
  if (opts.tty && opts.size && opts.size.width > 0 && opts.size.height > 0) await exec.resize({ w: opts.size.width, h: opts.size.height }).catch(() => undefined);
  stream.on('error', () => undefined);
  const stdout = opts.stdout ? new PassThrough() : undefined;
  const stderr = stderrWanted ? new PassThrough() : undefined;
  const sink = new PassThrough(); // what nobody asked for
  sink.resume();
  if (opts.tty) stream.pipe(stdout ?? sink);
  else docker.modem.demuxStream(stream, stdout ?? sink, stderr ?? sink);
  const outputEnded = new Promise<void>((resolve) => {
    const done = () => {
      stdout?.end();
      stderr?.end();
      resolve();
    };
    stream.once('end', done);
    stream.once('close', done);
  });
  const exited = (async () => {
    await outputEnded;
    // The stream ends with the process; the engine may record the exit code a moment later.
    for (let i = 0; i < 100; i++) {
      const info = await exec.inspect().catch(() => undefined);
      if (!info) return 1;
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
      await new Promise((r) => setTimeout(r, Math.min(10 * 2 ** i, 200)));
    }
    return 1;
  })();
  let stdin: PassThrough | undefined;
  if (opts.stdin) {
    stdin = new PassThrough();
    stdin.on('data', (d: Buffer) => stream.write(d));
    stdin.once('end', () => stream.end());
  }
  return {
    ...(stdin ? { stdin } : {}),
    ...(stdout ? { stdout } : {}),
    ...(stderr ? { stderr } : {}),
    resize: (width, height) => {
      if (opts.tty && width > 0 && height > 0) exec.resize({ w: width, h: height }).catch(() => undefined);
    },
    exited,
    kill: () => stream.destroy(),
  };
}
