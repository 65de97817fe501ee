/**
 * Docker test images made locally (no registry is reachable): TEST_IMAGE, a rootfs of the host's
 * busybox (or its sh and sleep with their libraries), for pods; NODE_BASE_IMAGE, the host's node,
 * npm and busybox, for building infra/Dockerfile FROM it (`--build-arg BASE=`). Both are a rootfs
 * tarred and `docker import`ed. Plus a ping with a short timeout and the skip-or-fail rule
 * (REQUIRE_DOCKER=1) shared by every suite that needs an engine.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import Dockerode from 'dockerode';

export const TEST_IMAGE = 'jetkube-test/busybox:local';
/** A stand-in for node:22-bookworm-slim: the host's node and npm, a `node` user (uid 1000). */
export const NODE_BASE_IMAGE = 'jetkube-test/node:local';

const PATH_ENV = 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** The node user's home, owned by it (uid 1000) like in node's official images. */
const NODE_HOME = 'home/node';
/** NODE_BASE_IMAGE's label holding what it was made from; a different value rebuilds it. */
const BASE_LABEL = 'io.jetkube.test.base';
/** Bump when buildNodeRootfs changes, so cached base images are rebuilt. */
const BASE_RECIPE = 1;

/** A missing engine or tool: a skip message, or an error when REQUIRE_DOCKER=1. */
export function unavailable(what: string): { skip: string } {
  if (process.env.REQUIRE_DOCKER === '1') throw new Error(`${what} (REQUIRE_DOCKER=1)`);
  return { skip: `${what} (set REQUIRE_DOCKER=1 to fail instead of skipping)` };
}

/** Where `cmd` is on PATH (or the usual bin dirs), following symlinks. */
export function which(cmd: string): string | undefined {
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

/** Copy a host file into the rootfs at `dest` (the file's contents, symlinks followed), replacing what is there. */
export function put(root: string, host: string, dest: string, mode = 0o755): void {
  const target = join(root, dest);
  mkdirSync(dirname(target), { recursive: true });
  // Whatever is there goes first: copying onto a symlink (a busybox applet's, to /bin/busybox)
  // would write through it, to the host's file of that name.
  rmSync(target, { force: true });
  copyFileSync(realpathSync(host), target);
  chmodSync(target, mode);
}

/** Write a file into the rootfs. */
export function write(root: string, dest: string, text: string): void {
  mkdirSync(dirname(join(root, dest)), { recursive: true });
  writeFileSync(join(root, dest), text);
}

/** A symlink in the rootfs at `dest` pointing at `target`, unless something is there already. */
export function link(root: string, target: string, dest: string): void {
  const at = join(root, dest);
  if (existsSync(at)) return;
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(target, at);
}

/** A binary and everything `ldd` says it loads, at the same paths inside the rootfs. */
export function putBinary(root: string, host: string, dest: string): void {
  put(root, host, dest);
  for (const lib of sharedLibraries(host)) if (!existsSync(join(root, lib))) put(root, lib, lib);
}

/** The directories every image has; /tmp writable by all. */
export function skeleton(root: string): void {
  for (const d of ['bin', 'dev', 'proc', 'sys', 'etc', 'tmp']) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
}

/** The test image's rootfs: busybox and its applets, or the host's sh and sleep. Returns what it used. */
function buildTestRootfs(root: string): string {
  skeleton(root);
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

/** The host's npm: its package directory (…/node_modules/npm) and version. */
function hostNpm(): { dir: string; version: string } {
  const cli = which('npm');
  if (!cli) throw new Error('npm was not found on the host to build the Node base image');
  const dir = dirname(dirname(cli)); // <dir>/bin/npm-cli.js
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  return { dir, version };
}

/**
 * NODE_BASE_IMAGE's rootfs, laid out like node's official images where it matters: node with its
 * libraries, npm and npx, busybox for /bin/sh and the usual tools (RUN needs a shell; npm's
 * `#!/usr/bin/env node` needs env), root and node (1000) users, the host's CA bundle (npm's TLS
 * goes through whatever the host trusts) and a writable /tmp.
 */
function buildNodeRootfs(root: string): void {
  skeleton(root);
  const busybox = which('busybox');
  if (!busybox) throw new Error('busybox was not found on the host (Debian: apt-get install busybox-static); the Node base image needs it for /bin/sh');
  putBinary(root, process.execPath, '/usr/bin/node');
  cpSync(hostNpm().dir, join(root, 'usr/lib/node_modules/npm'), { recursive: true, verbatimSymlinks: true });
  link(root, '../lib/node_modules/npm/bin/npm-cli.js', '/usr/bin/npm');
  link(root, '../lib/node_modules/npm/bin/npx-cli.js', '/usr/bin/npx');
  putBinary(root, busybox, '/bin/busybox');
  const applets = spawnSync(busybox, ['--list-full'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const applet of applets) link(root, '/bin/busybox', `/${applet}`);
  write(root, '/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n');
  write(root, '/etc/group', 'root:x:0:\nnode:x:1000:\n');
  write(root, '/etc/nsswitch.conf', 'hosts: files dns\n');
  if (existsSync(CA_BUNDLE)) put(root, CA_BUNDLE, CA_BUNDLE, 0o644);
  mkdirSync(join(root, 'root'), { mode: 0o700 });
  mkdirSync(join(root, NODE_HOME), { recursive: true });
}

/** Wait for a docker API progress stream to end; its first error rejects. */
function followProgress(docker: Dockerode, stream: NodeJS.ReadableStream, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = err ?? out.find((o) => o.error);
      if (failed) reject(new Error(`${what}: ${'message' in failed ? failed.message : failed.error}`));
      else resolve();
    }),
  );
}

/**
 * Make a rootfs with `build` in a temporary directory, tar it (owned by root, except `userPaths`,
 * owned by uid/gid `owner`, 1000 unless given) and import it as `image` with Dockerfile `changes`.
 */
export async function importRootfs(
  docker: Dockerode,
  image: string,
  build: (root: string) => void,
  changes: readonly string[],
  userPaths: readonly string[] = [],
  owner = 1000,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jk-image-'));
  try {
    const root = join(dir, 'rootfs');
    mkdirSync(root);
    build(root);
    const tar = join(dir, 'rootfs.tar');
    const tarIn = (args: string[]) => {
      const r = spawnSync('tar', ['-C', root, '--numeric-owner', ...args], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
    };
    tarIn(['--owner=0', '--group=0', ...userPaths.map((p) => `--exclude=./${p}`), '-cf', tar, '.']);
    for (const p of userPaths) tarIn([`--owner=${owner}`, `--group=${owner}`, '-rf', tar, `./${p}`]);
    const [repo, tag] = image.split(':') as [string, string];
    await followProgress(docker, await docker.importImage(createReadStream(tar), { repo, tag, changes: [...changes] }), `importing ${image}`);
    await docker.getImage(image).inspect();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Build the busybox rootfs and import it as TEST_IMAGE (a registry-free `docker import`). */
export async function importTestImage(docker: Dockerode): Promise<void> {
  const old = await docker.getImage(TEST_IMAGE).inspect().catch(() => undefined);
  await importRootfs(docker, TEST_IMAGE, (root) => void buildTestRootfs(root), [PATH_ENV]);
  const now = await docker.getImage(TEST_IMAGE).inspect().catch(() => undefined);
  // The one it replaces is untagged now: remove it rather than leave one behind per run (a
  // container still using it keeps it, and the removal fails harmlessly).
  if (old && now && old.Id !== now.Id) await docker.getImage(old.Id).remove().catch(() => undefined);
}

/**
 * NODE_BASE_IMAGE, imported from the host's node and npm unless an image made from the same
 * versions (and recipe) is there already: it is kept between runs, since building FROM it is what
 * is being tested. Returns whether it was (re)built.
 */
export async function ensureNodeBaseImage(docker: Dockerode): Promise<boolean> {
  return withImageLock(() => importNodeBase(docker));
}

async function importNodeBase(docker: Dockerode): Promise<boolean> {
  const made = `node ${process.version}, npm ${hostNpm().version}, recipe ${BASE_RECIPE}`;
  const old = await docker.getImage(NODE_BASE_IMAGE).inspect().catch(() => undefined);
  if (old?.Config.Labels?.[BASE_LABEL] === made) return false;
  await importRootfs(docker, NODE_BASE_IMAGE, buildNodeRootfs, [
    PATH_ENV,
    ...(existsSync(CA_BUNDLE) ? [`ENV NODE_EXTRA_CA_CERTS=${CA_BUNDLE}`] : []),
    `LABEL ${BASE_LABEL}="${made}"`,
    'CMD ["node"]',
  ], [NODE_HOME]);
  if (old) await docker.getImage(old.Id).remove().catch(() => undefined); // the replaced one, now untagged
  return true;
}

/**
 * One image build (or base import) at a time across the test files, which run as parallel
 * processes: compose.e2e and compose-up.e2e build the same jetkube image, and two cold builds side
 * by side took about 230 s each; one after the other, the second is the first's layer cache.
 * The lock is a file holding its owner's pid (taken over when that process is gone).
 */
export async function withImageLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = join(tmpdir(), 'jetkube-test-image-build.lock');
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(lock, 'utf8').trim() || 0);
      if (owner > 0 && !alive(owner)) {
        rmSync(lock, { force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
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

/** An engine that answers, or the reason there is none (REQUIRE_DOCKER=1 turns that into an error). */
export async function dockerEngine(): Promise<{ docker: Dockerode } | { skip: string }> {
  const docker = new Dockerode();
  const down = await dockerPing(docker);
  if (down !== undefined) return unavailable(`no Docker Engine at ${process.env.DOCKER_HOST ?? '/var/run/docker.sock'}: ${down}`);
  return { docker };
}

/** An engine with TEST_IMAGE, or the reason there is none (REQUIRE_DOCKER=1 turns that into an error). */
export async function dockerForTests(): Promise<{ docker: Dockerode } | { skip: string }> {
  const d = await dockerEngine();
  if ('docker' in d) await importTestImage(d.docker);
  return d;
}
