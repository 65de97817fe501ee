/**
 * A generated secret kept in a file: made on first use (24 random bytes, base64url), the same on
 * every later start, so a restarted cluster finds its NATS users and Postgres roles as it left them.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The secret in `file`, or a new one written there (`mode`: who may read it). */
export async function readOrCreateSecret(file: string, mode = 0o600): Promise<string> {
  const existing = (await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw e;
  })).trim();
  if (existing) return existing;
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const value = randomBytes(24).toString('base64url');
  // wx: two starts racing both read nothing; the loser's write fails and it reads the winner's.
  try {
    await writeFile(file, value + '\n', { mode, flag: 'wx' });
    return value;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return (await readFile(file, 'utf8')).trim();
  }
}
