/**
 * `jetkube up` in secure mode runs its own nats-server, locked (config.ts): its configuration and
 * JetStream store are kept in the data directory (`<dataDir>/nats/`), so a restart finds its log
 * again (the passwords are the caller's: services/cli/locked.ts keeps them). The server listens on
 * a loopback port it picks itself (no race for a free port); the URL is written to
 * `<dataDir>/nats/url`, its log to `<dataDir>/nats/nats.log`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatsUserCredentials } from '../config.js';
import { NATS_ROLES, natsServerConfig, natsUserName, type NatsRole } from './config.js';

export type RoleCredentials = Readonly<Record<NatsRole, NatsUserCredentials>>;

export interface LockedNats {
  readonly url: string;
  readonly credentials: RoleCredentials;
  readonly configFile: string;
  close(): Promise<void>;
}

const natsServerBin = () => process.env.NATS_SERVER_BIN || 'nats-server';

/** Start a locked nats-server for `prefix`, its users' passwords given, with its files under `dir`. */
export async function startLockedNats(dir: string, prefix: string, passwords: Readonly<Record<NatsRole, string>>, opts: { host?: string; bin?: string } = {}): Promise<LockedNats> {
  const credentials = Object.fromEntries(NATS_ROLES.map((r) => [r, { user: natsUserName(r), password: passwords[r] }])) as unknown as RoleCredentials;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const configFile = join(dir, 'nats.conf');
  const text = natsServerConfig({
    prefix,
    listen: `${opts.host ?? '127.0.0.1'}:-1`,
    storeDir: join(dir, 'jetstream'),
    users: NATS_ROLES.map((role) => ({ role, user: credentials[role].user, password: credentials[role].password })),
  });
  await writeFile(configFile, text, { mode: 0o600 });
  await stopStale(join(dir, 'pid'), configFile);
  // Debian installs it in /usr/sbin, which a normal user's PATH lacks.
  const PATH = [process.env.PATH, '/usr/local/sbin', '/usr/sbin'].filter(Boolean).join(':');
  const child = spawn(opts.bin ?? natsServerBin(), ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PATH } });
  const { url, startup } = await readyUrl(child);
  // Its log (permission violations included) goes on into <dir>/nats.log.
  const logFile = createWriteStream(join(dir, 'nats.log'), { flags: 'a', mode: 0o600 });
  logFile.write(startup);
  child.stderr!.pipe(logFile);
  await writeFile(join(dir, 'url'), url + '\n');
  await writeFile(join(dir, 'pid'), `${child.pid}\n`);
  // A forced exit of `up` (its 10 s stop deadline, an uncaught error) takes the server with it.
  const onExit = () => child.kill('SIGTERM');
  process.once('exit', onExit);
  return {
    url,
    credentials,
    configFile,
    close: async () => {
      process.off('exit', onExit);
      await stop(child);
    },
  };
}

/** The client URL the server prints once it listens ("Listening for client connections on h:p"). */
function readyUrl(child: ChildProcess): Promise<{ url: string; startup: string }> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let url: string | undefined;
    const timer = setTimeout(() => fail(new Error(`nats-server did not start within 20 s: ${buf.slice(-2000)}`)), 20_000);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    child.once('error', (e) => fail(new Error(`cannot run nats-server (${e.message}); install it or set NATS_SERVER_BIN`)));
    child.once('exit', (code) => fail(new Error(`nats-server exited with ${code}: ${buf.slice(-2000)}`)));
    child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /Listening for client connections on (\S+):(\d+)/.exec(buf);
      if (m && !url) url = `nats://${m[1]!.replace(/^0\.0\.0\.0$/, '127.0.0.1')}:${m[2]}`;
      if (url && buf.includes('Server is ready')) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stderr!.removeAllListeners('data');
        resolve({ url, startup: buf });
      }
    });
  });
}

/**
 * A server left running by an `up` that was killed outright (SIGKILL) still holds the store: stop
 * it if the pid file names a process running this configuration (Linux' /proc; elsewhere nothing).
 */
async function stopStale(pidFile: string, configFile: string): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.split('\0').includes(configFile)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')); i++) await new Promise((r) => setTimeout(r, 50));
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
