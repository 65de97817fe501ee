/**
 * A private PostgreSQL for tests that kill and restart it (the shared one on 5432 must stay up for
 * every other test): Debian's binaries (/usr/lib/postgresql/<version>/bin, or PG_BIN) on a free
 * loopback port, a fresh cluster in its own directory, trust authentication, user `postgres`.
 * Postgres refuses to run as root: when the test runs as root, initdb and the server run as the
 * `postgres` system user (the directory is chowned to it).
 *
 * The server is its own process group, so `crash()` kills the postmaster and every backend at once
 * with SIGKILL (what a machine crash or the OOM killer does); the next `start()` on the same
 * directory runs crash recovery.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'node:net';

function findBin(): string | undefined {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

export const PG_BIN = findBin();
export const hasPostgres = PG_BIN !== undefined;

/** uid/gid to run Postgres as: ours unless we are root, then the `postgres` user's. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

export interface PrivatePostgres {
  readonly port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly dataDir: string;
  /** Start the server (again) on the same directory and port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** SIGKILL the whole server (postmaster and backends). */
  crash(): Promise<void>;
  /** Fast shutdown (SIGINT), for the end of a test. */
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port, timeout: 500 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

/** initdb a cluster in `<dir>/pgdata` (dir must exist) and start it on `port`. */
export async function startPostgres(port: number, dir: string): Promise<PrivatePostgres> {
  if (!PG_BIN) throw new Error('no PostgreSQL binaries (set PG_BIN)');
  const user = runAs();
  const dataDir = join(dir, 'pgdata');
  const sockDir = join(dir, 'pgsock');
  mkdirSync(dataDir, { mode: 0o700 });
  mkdirSync(sockDir, { mode: 0o700 });
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(dataDir, user.uid, user.gid);
    chownSync(sockDir, user.uid, user.gid);
  }
  execFileSync(join(PG_BIN, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
    stdio: 'pipe',
    cwd: dir,
    ...(user ?? {}),
  });
  let child: ChildProcess | undefined;
  let log = '';
  const pg: PrivatePostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) throw new Error('postgres is already running');
      log = '';
      const args = ['-D', dataDir, '-p', String(port), '-k', sockDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'];
      const p = spawn(join(PG_BIN!, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true, cwd: dir, ...(user ?? {}) });
      child = p;
      p.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (p.exitCode !== null || p.signalCode !== null) throw new Error(`postgres exited (${p.exitCode ?? p.signalCode}): ${log}`);
        if (log.includes('ready to accept connections') && (await accepts(port))) return;
        if (Date.now() > deadline) {
          await pg.crash(); // leave nothing running
          throw new Error(`postgres did not start: ${log}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async crash() {
      const p = child;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
      await exited;
      // The backends are in the group too; wait until none holds the port.
      for (let i = 0; i < 50 && (await accepts(port)); i++) await new Promise((r) => setTimeout(r, 100));
    },
    async stop() {
      const p = child;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGINT');
      const t = setTimeout(() => {
        try {
          process.kill(-p.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 10_000);
      await exited;
      clearTimeout(t);
    },
  };
  await pg.start();
  return pg;
}
