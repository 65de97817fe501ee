/**
 * The compose stack and its image, as far as a machine without a registry can take them. The
 * compose CLI validates docker-compose.yml and the resolved config is checked for what the stack
 * needs: every service, host networking for the jetkube services (pods, cluster IPs and kubelets
 * all live on the host's loopback), healthchecks and the start order they gate, host ports that
 * cannot clash, loopback URLs that follow the published ports, the Docker socket and a same-path
 * root directory on both kubelets. infra/Dockerfile is built FROM a Node base made from the host
 * (test/docker-image.ts), and the image serves the API against the test's NATS and Postgres.
 * `docker compose up` itself needs the nats and postgres images from a registry: not run here.
 * Skipped without a compose CLI or an engine unless REQUIRE_DOCKER=1.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Config } from '../../shared/config.js';
import { dropPrefix, testConfig } from '../harness.js';
import { api } from '../stack.js';
import { eventually } from '../wait.js';
import { dockerEngine, ensureNodeBaseImage, NODE_BASE_IMAGE, unavailable, which } from '../docker-image.js';
import { run } from './cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const IMAGE = 'jetkube-test/jetkube:local';
/** The Dockerfile's build stage, tagged so that a rebuild can drop the one it replaces. */
const BUILD_STAGE = 'jetkube-test/jetkube-build:local';
const RUN = Math.random().toString(36).slice(2, 7);

/** Each jetkube service: its subcommand and the variable naming the port it serves /readyz on. */
const JETKUBE_SERVICES: Record<string, { command: string; portVar: string }> = {
  gateway: { command: 'gateway', portVar: 'PORT' },
  projector: { command: 'projector', portVar: 'PROJECTOR_PORT' },
  'controller-manager': { command: 'controller-manager', portVar: 'CONTROLLER_MANAGER_PORT' },
  scheduler: { command: 'scheduler', portVar: 'SCHEDULER_PORT' },
  proxy: { command: 'proxy', portVar: 'PROXY_PORT' },
  dns: { command: 'dns', portVar: 'DNS_HEALTH_PORT' },
  'node-1': { command: 'kubelet', portVar: 'KUBELET_PORT' },
  'node-2': { command: 'kubelet', portVar: 'KUBELET_PORT' },
};
const KUBELETS = ['node-1', 'node-2'];
/** The Docker socket, or ports below 1024 (a Service's port 80, DNS on 53). */
const ROOT_USERS = new Set(['proxy', 'dns', ...KUBELETS]);

// ---- the compose CLI and its resolved config, v2 (`docker compose`) or v1 (`docker-compose`).

/** `docker compose` or `docker-compose`, whichever answers; undefined: neither. */
async function composeCli(): Promise<string[] | undefined> {
  for (const cli of [['docker', 'compose'], ['docker-compose']]) {
    if ((await run(cli[0]!, [...cli.slice(1), 'version'], process.env).catch(() => undefined))?.code === 0) return cli;
  }
  return undefined;
}

/** The environment without this project's compose settings, plus `over`. */
function composeEnv(over: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('JETKUBE_') && k !== 'LOG_LEVEL'));
  return { ...env, ...over };
}

/** Asynchronous, so the engine suite's pings and builds go on meanwhile. */
async function compose(cli: string[], args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await run(cli[0]!, [...cli.slice(1), '-f', COMPOSE_FILE, ...args], env);
  assert.equal(r.code, 0, `${cli.join(' ')} ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

interface Volume {
  readonly source: string;
  readonly target: string;
}
interface Port {
  readonly hostIp: string;
  readonly published: string;
  readonly target: string;
}
type Service = Record<string, any>;

/** `src:dst[:mode]` (v1) or `{source, target}` (v2). */
function volumesOf(s: Service): Volume[] {
  return (s.volumes ?? []).map((v: any) => {
    if (typeof v !== 'string') return { source: String(v.source), target: String(v.target) };
    const [source, target] = v.split(':');
    return { source: source!, target: target! };
  });
}

/** `ip:published:target[/proto]` (v1) or `{host_ip, published, target}` (v2). */
function portsOf(s: Service): Port[] {
  return (s.ports ?? []).map((p: any) => {
    if (typeof p !== 'string') return { hostIp: String(p.host_ip ?? ''), published: String(p.published), target: String(p.target) };
    const [hostIp, published, target] = p.replace(/\/\w+$/, '').split(':');
    return { hostIp: hostIp!, published: published!, target: target! };
  });
}

const envOf = (s: Service): Record<string, string> => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v ?? '')]));
const conditionsOf = (s: Service): Record<string, string> =>
  Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([k, v]) => [k, (v as { condition: string }).condition]));

/** The resolved config for `env`, checked for the designed stack; returns its services. */
async function assertStack(
  cli: string[],
  env: NodeJS.ProcessEnv,
  want: { gatewayPort: string; natsPort: string; pgPort: string; rootDir: string },
): Promise<Record<string, Service>> {
  const config = parse(await compose(cli, ['config'], env)) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
  const svc = config.services;
  assert.deepEqual(Object.keys(svc).sort(), ['nats', 'postgres', ...Object.keys(JETKUBE_SERVICES)].sort());

  // NATS and Postgres: bridge network, published on loopback only, persistent volumes, healthchecks.
  const published = (name: string, target: string) => {
    assert.notEqual(svc[name]!.network_mode, 'host', `${name} stays on the bridge network`);
    const p = portsOf(svc[name]!).find((x) => x.target === target);
    assert.equal(p?.hostIp, '127.0.0.1', `${name}:${target} is published on the host's loopback only`);
    assert.ok(svc[name]!.healthcheck?.test, `${name} has a healthcheck`);
    for (const v of volumesOf(svc[name]!)) assert.ok(v.source in (config.volumes ?? {}), `${name}'s ${v.target} is a named volume`);
    return p!.published;
  };
  assert.equal(published('nats', '4222'), want.natsPort);
  assert.equal(published('postgres', '5432'), want.pgPort);
  assert.deepEqual(svc.nats!.command.slice(0, 1), ['-js'], 'JetStream on');

  // The jetkube services: one image, host networking, each on its own host port, /readyz healthchecks.
  const healthPorts = new Map<string, string>();
  for (const [name, { command, portVar }] of Object.entries(JETKUBE_SERVICES)) {
    const s = svc[name]!;
    const e = envOf(s);
    assert.equal(s.network_mode, 'host', `${name}: host networking`);
    assert.equal(s.image, svc.gateway!.image, `${name}: the one jetkube image`);
    assert.equal(s.build?.dockerfile, 'infra/Dockerfile');
    assert.deepEqual(s.command, [command]);
    assert.equal(s.restart, 'unless-stopped');
    assert.equal(s.user, ROOT_USERS.has(name) ? 'root' : undefined, `${name}'s user`);
    assert.ok(s.healthcheck?.test?.includes(portVar), `${name}'s healthcheck probes $${portVar}`);
    assert.match(e[portVar] ?? '', /^\d+$/, `${name} sets ${portVar}`);
    assert.ok(!healthPorts.has(e[portVar]!), `${name}'s ${portVar}=${e[portVar]} is also ${healthPorts.get(e[portVar]!)}'s port`);
    healthPorts.set(e[portVar]!, name);
    assert.equal(e.NATS_URL, `nats://127.0.0.1:${want.natsPort}`, `${name}'s NATS_URL`);
    assert.match(e.DATABASE_URL ?? '', new RegExp(`^postgres://[^/]*@127\\.0\\.0\\.1:${want.pgPort}/`), `${name}'s DATABASE_URL`);
    assert.equal(e.GATEWAY_URL, `http://127.0.0.1:${want.gatewayPort}`, `${name}'s GATEWAY_URL`);
    assert.deepEqual(conditionsOf(s), name === 'gateway' ? { nats: 'service_healthy', postgres: 'service_healthy' } : { gateway: 'service_healthy' });
  }
  assert.equal(envOf(svc.gateway!).PORT, want.gatewayPort);
  assert.equal(new Set(['dns', ...KUBELETS].map((n) => envOf(svc[n]!).CLUSTER_DNS)).size, 1, 'the dns binds what the kubelets give the pods');

  // Kubelets: the Docker socket, and their root directories where the engine finds them (same path).
  for (const name of KUBELETS) {
    const e = envOf(svc[name]!);
    const vols = volumesOf(svc[name]!);
    assert.equal(e.NODE_NAME, name);
    assert.equal(e.KUBELET_RUNTIME, 'docker');
    assert.equal(e.NODE_IP, '127.0.0.1');
    assert.ok(vols.some((v) => v.target === '/var/run/docker.sock' && v.source === '/var/run/docker.sock'), `${name} mounts the Docker socket`);
    assert.ok(vols.some((v) => v.source === want.rootDir && v.target === want.rootDir), `${name} mounts ${want.rootDir} at the same path`);
    assert.ok(e.KUBELET_ROOT_DIR?.startsWith(`${want.rootDir}/`), `${name}'s KUBELET_ROOT_DIR is under ${want.rootDir}`);
  }
  assert.notEqual(envOf(svc['node-1']!).KUBELET_ROOT_DIR, envOf(svc['node-2']!).KUBELET_ROOT_DIR);
  return svc;
}

describe('docker-compose.yml', async () => {
  const cli = await composeCli();
  const skip = cli ? undefined : unavailable('neither `docker compose` nor `docker-compose` answers (Debian: apt-get install docker-compose)').skip;

  it('validates and resolves to the stack: every service, host networking, healthchecks, start order, distinct ports, the kubelets\' mounts', { skip }, async () => {
    await compose(cli!, ['config', '-q'], composeEnv());
    await assertStack(cli!, composeEnv(), { gatewayPort: '8080', natsPort: '4222', pgPort: '5432', rootDir: '/var/lib/jetkube' });
  });

  it('the JETKUBE_* settings move every host port and URL together', { skip }, async () => {
    const env = composeEnv({ JETKUBE_GATEWAY_PORT: '18080', JETKUBE_NATS_PORT: '14222', JETKUBE_PG_PORT: '15432', JETKUBE_ROOT_DIR: '/srv/jk', JETKUBE_NODEPORT_ADDRESSES: '127.0.0.2' });
    const svc = await assertStack(cli!, env, { gatewayPort: '18080', natsPort: '14222', pgPort: '15432', rootDir: '/srv/jk' });
    assert.equal(envOf(svc.proxy!).NODEPORT_ADDRESSES, '127.0.0.2');
  });
});

// ---- the image.

/** `docker <args>`, failing with its output unless it exits 0; returns stdout. */
async function docker(...args: string[]): Promise<string> {
  const r = await run('docker', args, process.env);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}:\n${(r.stderr || r.stdout).slice(-4000)}`);
  return r.stdout;
}

const imageId = (image: string) => docker('image', 'inspect', '-f', '{{.Id}}', image).then((s) => s.trim(), () => undefined);

/**
 * Build infra/Dockerfile (up to `target`) FROM the local base as `tag`. What it replaces is
 * removed: on vfs every layer is a whole copy of the filesystem, so stale ones add up fast.
 */
async function buildImage(tag: string, target?: string): Promise<void> {
  const old = await imageId(tag);
  const args = ['build', '--network', 'host', '--build-arg', `BASE=${NODE_BASE_IMAGE}`, ...(target ? ['--target', target] : [])];
  await docker(...args, '-f', join(ROOT, 'infra/Dockerfile'), '-t', tag, ROOT);
  if (old && old !== (await imageId(tag))) await docker('rmi', old).catch(() => undefined);
}
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

describe('infra/Dockerfile', async () => {
  const d = await dockerEngine();
  const engine = 'docker' in d ? d.docker : undefined;
  const skip = !engine ? (d as { skip: string }).skip : which('docker') ? undefined : unavailable('no docker CLI on PATH').skip;
  const container = `jk-compose-gateway-${RUN}`;
  let cfg: Config | undefined;

  after(async () => {
    if (skip) return;
    await docker('rm', '-f', container).catch(() => undefined);
    if (cfg) await dropPrefix(cfg);
  });

  it('builds FROM a Node base made from the host (no registry)', { skip, timeout: 30 * 60_000 }, async (t) => {
    let start = Date.now();
    const made = await ensureNodeBaseImage(engine!);
    t.diagnostic(`${NODE_BASE_IMAGE}: ${made ? `imported in ${seconds(start)}` : 'cached'}`);
    // Both are kept for the next run (its layer cache): a cold build takes minutes on vfs.
    start = Date.now();
    await buildImage(BUILD_STAGE, 'build');
    await buildImage(IMAGE);
    t.diagnostic(`${IMAGE}: built in ${seconds(start)}`);
  });

  it('lists the subcommands; its user is node', { skip }, async () => {
    const help = await docker('run', '--rm', '--network', 'host', IMAGE, '--help');
    for (const cmd of ['up', 'gateway', 'projector', 'controller-manager', 'scheduler', 'proxy', 'dns', 'kubelet', 'replay']) {
      assert.match(help, new RegExp(`^\\s+${cmd}\\b`, 'm'), `--help lists ${cmd}`);
    }
    assert.equal((await docker('image', 'inspect', '-f', '{{.Config.User}}', IMAGE)).trim(), 'node');
  });

  it('serves the API against NATS and Postgres (a ConfigMap in, the same out), as uid 1000, from the compiled services only', { skip, timeout: 120_000 }, async () => {
    cfg = await testConfig('compose', { port: 20000 + Math.floor(Math.random() * 10000) });
    const base = `http://127.0.0.1:${cfg.port}`;
    const env = { NATS_URL: cfg.natsUrl, DATABASE_URL: cfg.databaseUrl, JETKUBE_PREFIX: cfg.prefix, PORT: String(cfg.port), LOG_LEVEL: 'warn' };
    await docker('run', '-d', '--name', container, '--network', 'host', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), IMAGE, 'gateway');
    await eventually('the gateway in the container ready', async () => (await fetch(`${base}/readyz`)).ok, 60_000, 250).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await docker('logs', '--tail', '50', container).catch((l: Error) => l.message)}`);
    });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-the-image' }, data: { image: IMAGE } };
    assert.equal((await api(base, 'POST', '/api/v1/namespaces/default/configmaps', cm)).status, 201);
    const got = await api(base, 'GET', '/api/v1/namespaces/default/configmaps/from-the-image');
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.data, cm.data);
    assert.match(got.body.metadata.resourceVersion, /^\d+$/);
    // In the running container (exec: no second copy of the image's filesystem, which vfs makes per container).
    const probe = 'console.log(process.getuid(), JSON.stringify(require("fs").readdirSync("dist").sort()))';
    assert.equal((await docker('exec', container, 'node', '-e', probe)).trim(), '1000 ["services","shared"]');
  });
});
