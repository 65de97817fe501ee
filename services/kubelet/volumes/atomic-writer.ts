/**
 * Writes a payload (the files of a configMap, secret, downwardAPI or projected volume) into a
 * directory the way the kubelet's AtomicWriter does, so a reader never sees half an update:
 *
 *   <dir>/..2026_12_06_16_20_01.123456789/<files>    the payload, written whole
 *   <dir>/..data -> ..2026_12_06_16_20_01.123456789   swapped by rename(2) in one step
 *   <dir>/<top-level name> -> ..data/<top-level name> stable, user-visible names
 *
 * An update writes a new timestamped directory, swaps `..data`, then removes the old directory and
 * the visible names no longer in the payload. A file bind-mounted by subPath keeps the old inode
 * (docker), which is why subPath mounts do not see updates, as in Kubernetes.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PayloadFile } from './plan.js';

const DATA = '..data';

/** A digest of the payload (paths, modes, bytes): equal payloads need no write. */
export function payloadDigest(files: readonly PayloadFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    h.update(`${f.path}\0${f.mode}\0${f.data.length}\0`);
    h.update(f.data);
  }
  return h.digest('hex');
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `..2026_12_06_16_20_01.` (the random suffix comes from mkdtemp). */
export function timestampPrefix(d: Date): string {
  return `..${d.getUTCFullYear()}_${pad(d.getUTCMonth() + 1)}_${pad(d.getUTCDate())}_${pad(d.getUTCHours())}_${pad(d.getUTCMinutes())}_${pad(d.getUTCSeconds())}.`;
}

export class AtomicWriter {
  /** Digest of what each directory holds, as written by this process (a restart rewrites once). */
  private readonly written = new Map<string, string>();

  /** Write `files` into `dir` if they differ from what it holds; true when something was written. */
  async write(dir: string, files: readonly PayloadFile[], now: Date = new Date()): Promise<boolean> {
    const digest = payloadDigest(files);
    const current = await readlink(join(dir, DATA)).catch(() => undefined);
    if (current !== undefined && this.written.get(dir) === digest) return false;
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const ts = await mkdtemp(join(dir, timestampPrefix(now)));
    await chmod(ts, 0o755);
    for (const f of files) {
      const target = join(ts, f.path);
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      await writeFile(target, f.data);
      await chmod(target, f.mode); // writeFile's mode is masked by the umask
    }
    const tmpLink = join(dir, `${DATA}_tmp`);
    await rm(tmpLink, { force: true });
    await symlink(ts.slice(dir.length + 1), tmpLink);
    await rename(tmpLink, join(dir, DATA));
    const top = new Set(files.map((f) => f.path.split('/')[0]!));
    for (const name of top) {
      const link = join(dir, name);
      const want = join(DATA, name);
      const have = await readlink(link).catch(() => undefined);
      if (have === want) continue;
      await rm(link, { force: true, recursive: true });
      await symlink(want, link);
    }
    for (const name of await readdir(dir)) {
      if (name === DATA) continue;
      const path = join(dir, name);
      if (name.startsWith('..')) {
        if (path !== ts) await rm(path, { recursive: true, force: true });
      } else if (!top.has(name)) await rm(path, { recursive: true, force: true });
    }
    this.written.set(dir, digest);
    return true;
  }

  /** Forget a directory (its pod is gone). */
  forget(prefix: string): void {
    for (const k of this.written.keys()) if (k.startsWith(prefix)) this.written.delete(k);
  }
}
