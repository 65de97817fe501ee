/**
 * A Docker test image made locally (no registry is reachable): a rootfs of the host's busybox (or
 * its sh and sleep with their libraries) imported as TEST_IMAGE, and a ping with a short timeout.
 * Shared by the runtime contract suite and the kubelet's docker end-to-end test.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import Dockerode from 'dockerode';

export const TEST_IMAGE = 'jetkube-test/busybox:local';

/** Where `cmd` is on PATH (or the usual bin dirs), following symlinks. */
function which(cmd: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    const p = join(d, cmd);
    if (d && existsSync(p)) return realpathSync(p);
  }
  return undefined;
}

/** The shared objects (and loader) a binary needs, as `ldd` lists them; [] for a static binary. */
function sharedLibraries(bin: string): string[] {
  const r = spawnSync('ldd', [bin], { encoding: 'utf8' });
  if (r.status !== 0) return []; // "not a dynamic executable"
  const libs = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (m) libs.add(m[1]!);
  }
  return [...libs];
}

/** Copy a host file into the rootfs at `dest` (the file's contents, symlinks followed). */
function put(root: string, host: string, dest: string, mode = 0o755): void {
  const target = join(root, dest);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(realpathSync(host), target);
  chmodSync(target, mode);
}

/** A binary and everything `ldd` says it loads, at the same paths inside the rootfs. */
function putBinary(root: string, host: string, dest: string): void {
  put(root, host, dest);
  for (const lib of sharedLibraries(host)) if (!existsSync(join(root, lib))) put(root, lib, lib);
}

/** The test image's rootfs: busybox and its applets, or the host's sh and sleep. Returns what it used. */
function buildRootfs(root: string): string {
  for (const d of ['bin', 'dev', 'proc', 'sys', 'etc', 'tmp']) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  const busybox = which('busybox');
  if (busybox) {
    putBinary(root, busybox, '/bin/busybox');
    for (const applet of ['sh', 'echo', 'sleep', 'cat', 'env', 'pwd', 'true', 'false', 'ls']) {
      symlinkSync('busybox', join(root, 'bin', applet));
    }
    return busybox;
  }
  const sh = which('sh');
  const sleep = which('sleep');
  if (!sh || !sleep) throw new Error('neither busybox nor sh and sleep were found on the host to build the test image');
  putBinary(root, sh, '/bin/sh');
  putBinary(root, sleep, '/bin/sleep');
  return `${sh} + ${sleep}`;
}

/** Build the rootfs, tar it and import it as TEST_IMAGE (a registry-free `docker import`). */
export async function importTestImage(docker: Dockerode): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jk-image-'));
  try {
    const root = join(dir, 'rootfs');
    mkdirSync(root);
    buildRootfs(root);
    const tar = join(dir, 'rootfs.tar');
    const r = spawnSync('tar', ['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-cf', tar, '.'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
    const [repo, tag] = TEST_IMAGE.split(':') as [string, string];
    const stream = await docker.importImage(createReadStream(tar), {
      repo,
      tag,
      changes: ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(
        stream,
        (err: Error | null, out: { error?: string }[]) => {
          const failed = err ?? out.find((o) => o.error);
          if (failed) reject(new Error(`importing ${TEST_IMAGE}: ${'message' in failed ? failed.message : failed.error}`));
          else resolve();
        },
      ),
    );
    await docker.getImage(TEST_IMAGE).inspect();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether an engine answers a ping within 2s. */
export async function dockerPing(docker: Dockerode): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer within 2s')), 2000);
      }),
    ]);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    clearTimeout(timer);
  }
}

/** An engine with TEST_IMAGE, or the reason there is none (REQUIRE_DOCKER=1 turns that into an error). */
export async function dockerForTests(): Promise<{ docker: Dockerode } | { skip: string }> {
  const docker = new Dockerode();
  const down = await dockerPing(docker);
  if (down !== undefined) {
    const msg = `no Docker Engine at ${process.env.DOCKER_HOST ?? '/var/run/docker.sock'}: ${down}`;
    if (process.env.REQUIRE_DOCKER === '1') throw new Error(`${msg} (REQUIRE_DOCKER=1)`);
    return { skip: `${msg} (set REQUIRE_DOCKER=1 to fail instead of skipping)` };
  }
  await importTestImage(docker);
  return { docker };
}
