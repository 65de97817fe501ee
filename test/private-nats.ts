/**
 * A private nats-server for tests that kill and restart it (the shared one must stay up for every
 * other test): Debian's binary on a free loopback port with its own JetStream store directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export const NATS_BIN = process.env.NATS_SERVER_BIN || '/usr/sbin/nats-server';
export const hasNatsServer = existsSync(NATS_BIN);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function startNats(port: number, dir: string): Promise<ChildProcess> {
  const p = spawn(NATS_BIN, ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${buf}`)), 10_000);
    p.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    p.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${code}: ${buf}`));
    });
  });
  return p;
}

export function kill(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });
}

