/**
 * Generated passwords kept in a JSON file (mode 0600) in the data directory: made on first use,
 * the same on every later start (a restarted `jetkube up` finds its NATS users and Postgres roles
 * as it left them).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function loadOrCreatePasswords<K extends string>(file: string, names: readonly K[]): Promise<Record<K, string>> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const existing = await readFile(file, 'utf8').then(
    (t) => JSON.parse(t) as Partial<Record<K, string>>,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return {} as Partial<Record<K, string>>;
      throw e;
    },
  );
  const out = Object.fromEntries(names.map((n) => [n, existing[n] ?? randomBytes(24).toString('base64url')])) as Record<K, string>;
  if (names.some((n) => existing[n] !== out[n])) {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ ...existing, ...out }, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, file);
  }
  return out;
}
