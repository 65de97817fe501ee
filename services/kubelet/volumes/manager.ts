/**
 * The kubelet's volume I/O (thin; the decisions are plan.ts, mounts.ts, host-path.ts): sets a pod's
 * planned volumes up under its directory, Kubernetes' layout,
 *
 *   <root>/pods/<uid>/volumes/kubernetes.io~configmap/<volume>/    (atomic writer: ..data swap)
 *   <root>/pods/<uid>/volumes/kubernetes.io~secret/<volume>/       (memoryTmpfs: on a tmpfs, as projected)
 *   <root>/pods/<uid>/volumes/kubernetes.io~downward-api/<volume>/
 *   <root>/pods/<uid>/volumes/kubernetes.io~projected/<volume>/
 *   <root>/pods/<uid>/volumes/kubernetes.io~empty-dir/<volume>/     (0777; `medium: Memory`
 *                                      with memoryTmpfs: a tmpfs of sizeLimit mounted there)
 *
 * re-run on every sync, so ConfigMap and Secret updates reach the files (only when they changed);
 * checks hostPath types (creating DirectoryOrCreate / FileOrCreate); and resolves each container's
 * mounts to host paths for the runtime (a subPath must stay inside its volume, following symlinks).
 * The pod's directory, volumes included, goes with the pod (runtime.removePodDir).
 */
import { execFile } from 'node:child_process';
import { lstat, mkdir, chmod, readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join, sep } from 'node:path';
import type { Stats } from 'node:fs';
import { AtomicWriter } from './atomic-writer.js';
import { hostPathCheck, type FileKind } from './host-path.js';
import type { PlannedMount } from './mounts.js';
import type { VolumeSetup } from './plan.js';
import type { RuntimeMount } from '../runtime/types.js';

export type SetUpResult = { readonly ok: true; readonly dirs: ReadonlyMap<string, string> } | { readonly ok: false; readonly volume: string; readonly message: string };

const PLUGIN_DIR = {
  configmap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  'downward-api': 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
  emptyDir: 'kubernetes.io~empty-dir',
} as const;

function kindOf(s: Stats | undefined): FileKind {
  if (!s) return 'missing';
  if (s.isDirectory()) return 'directory';
  if (s.isFile()) return 'file';
  if (s.isSocket()) return 'socket';
  if (s.isCharacterDevice()) return 'char';
  if (s.isBlockDevice()) return 'block';
  return 'other';
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;
const run = promisify(execFile);

/** Mount points from /proc/mounts (octal escapes such as \040 undone). */
async function mountPoints(): Promise<string[]> {
  const text = await readFile('/proc/mounts', 'utf8').catch(() => '');
  return text
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((m): m is string => !!m)
    .map((m) => m.replace(/\\([0-7]{3})/g, (_x, o: string) => String.fromCharCode(parseInt(o, 8))));
}

export interface VolumeManagerOptions {
  /**
   * Back `medium: Memory` emptyDirs, secret and projected volumes with a tmpfs mounted by the
   * kubelet (needs root / CAP_SYS_ADMIN; a failed mount is FailedMount). Off: plain directories
   * (the process runtime).
   */
  readonly memoryTmpfs?: boolean;
}

export class VolumeManager {
  private readonly writer = new AtomicWriter();

  constructor(private readonly opts: VolumeManagerOptions = {}) {}

  /** The directory a volume of the pod lives in (hostPath: the host path itself). */
  volumeDir(podDir: string, v: VolumeSetup): string {
    switch (v.kind) {
      case 'payload':
        return join(podDir, 'volumes', PLUGIN_DIR[v.plugin], v.name);
      case 'emptyDir':
        return join(podDir, 'volumes', PLUGIN_DIR.emptyDir, v.name);
      case 'hostPath':
        return v.path;
    }
  }

  /** Make every volume present and current; stops at the first that cannot be set up. */
  async setUp(podDir: string, volumes: readonly VolumeSetup[], now?: Date): Promise<SetUpResult> {
    const dirs = new Map<string, string>();
    for (const v of volumes) {
      const dir = this.volumeDir(podDir, v);
      try {
        if (v.kind === 'payload') {
          // Kubernetes keeps secret and projected volumes in memory (never on disk): a tmpfs first.
          if ((v.plugin === 'secret' || v.plugin === 'projected') && this.opts.memoryTmpfs) {
            await mkdir(dir, { recursive: true, mode: 0o755 });
            await this.mountTmpfs(dir, undefined, '0755');
          }
          await this.writer.write(dir, v.files, now);
        }
        else if (v.kind === 'emptyDir') {
          await mkdir(dir, { recursive: true });
          if (v.medium === 'Memory' && this.opts.memoryTmpfs) await this.mountTmpfs(dir, v.sizeLimitBytes);
          await chmod(dir, 0o777);
        } else {
          const found = kindOf(await stat(dir).catch(() => undefined));
          const d = hostPathCheck(dir, v.type, found);
          if (d.action === 'fail') return { ok: false, volume: v.name, message: `MountVolume.SetUp failed for volume "${v.name}" : ${d.message}` };
          if (d.action === 'create-directory') await mkdir(dir, { recursive: true, mode: 0o755 });
          if (d.action === 'create-file') {
            try {
              await writeFile(dir, '', { flag: 'wx', mode: 0o644 });
            } catch (e) {
              if (errno(e) !== 'EEXIST') throw e;
            }
          }
        }
      } catch (e) {
        return { ok: false, volume: v.name, message: `MountVolume.SetUp failed for volume "${v.name}" : ${(e as Error).message}` };
      }
      dirs.set(v.name, dir);
    }
    return { ok: true, dirs };
  }

  /**
   * The container's mounts as host paths. A subPath is created as a directory when missing
   * (emptyDir, hostPath: Kubernetes does the same) and must resolve inside its volume.
   */
  async resolve(mounts: readonly PlannedMount[], dirs: ReadonlyMap<string, string>, sharedBy: ReadonlyMap<string, number>, files: boolean): Promise<RuntimeMount[]> {
    const out: RuntimeMount[] = [];
    for (const m of mounts) {
      const dir = dirs.get(m.volume);
      if (dir === undefined) throw new Error(`volume "${m.volume}" was not set up`);
      let hostPath = m.subPath ? join(dir, m.subPath) : dir;
      if (files && m.subPath) {
        const exists = await lstat(hostPath).then(() => true, () => false);
        if (!exists && m.kind !== 'payload') await mkdir(hostPath, { recursive: true, mode: 0o755 });
        // The real path pins a payload subPath to the current `..<timestamp>` directory: a subPath
        // mount is a snapshot, like Kubernetes' bind mount of the file.
        const real = await realpath(hostPath).catch(() => undefined);
        const root = await realpath(dir);
        if (!real) throw new SubPathError(`subPath "${m.subPath}" of volume "${m.volume}" does not exist`);
        if (real !== root && !real.startsWith(root + sep)) throw new SubPathError(`subpath "${real}" not within volume path "${root}"`);
        hostPath = real;
      }
      out.push({
        volume: m.volume,
        kind: m.kind,
        hostPath,
        containerPath: m.containerPath,
        readOnly: m.readOnly,
        subPath: m.subPath !== '',
        ...(m.medium !== undefined ? { medium: m.medium } : {}),
        ...(m.sizeLimitBytes !== undefined ? { sizeLimitBytes: m.sizeLimitBytes } : {}),
        sharedBy: sharedBy.get(m.volume) ?? 1,
      });
    }
    return out;
  }

  /** Bytes used under `dir` (files' sizes, symlinks not followed; a vanished entry counts 0). */
  async usage(dir: string): Promise<number> {
    let total = 0;
    const walk = async (d: string): Promise<void> => {
      const names = await readdir(d).catch(() => [] as string[]);
      for (const n of names) {
        const p = join(d, n);
        const s = await lstat(p).catch(() => undefined);
        if (!s) continue;
        if (s.isDirectory()) await walk(p);
        else total += s.size;
      }
    };
    await walk(dir);
    return total;
  }

  /** A tmpfs at `dir` (once: an existing mount is kept, its data with it). */
  private async mountTmpfs(dir: string, sizeBytes: number | undefined, mode = '1777'): Promise<void> {
    if ((await mountPoints()).includes(dir)) return;
    const o = `${sizeBytes ? `size=${Math.ceil(sizeBytes)},` : ''}mode=${mode}`;
    try {
      await run('mount', ['-t', 'tmpfs', '-o', o, 'tmpfs', dir]);
    } catch (e) {
      const detail = ((e as { stderr?: string }).stderr || (e as Error).message).trim();
      throw new Error(`mounting a tmpfs failed (the kubelet needs root with CAP_SYS_ADMIN): ${detail}`);
    }
  }

  /** The pod's directory is going away: unmount its tmpfs volumes, forget what was written there. */
  async tearDown(podDir: string): Promise<void> {
    this.writer.forget(podDir);
    if (!this.opts.memoryTmpfs) return;
    const under = (await mountPoints()).filter((m) => m.startsWith(podDir + sep)).sort((a, b) => b.length - a.length);
    for (const m of under) await run('umount', [m]);
  }
}

export class SubPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubPathError';
  }
}
