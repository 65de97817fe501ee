/**
 * The compose stack and its image, as far as a machine without a registry can take them. The
 * compose CLI validates docker-compose.yml and the resolved config is checked for what the stack
 * needs: every service, host networking for the jetkube services (pods, cluster IPs and kubelets
 * all live on the host's loopback), healthchecks and the start order they gate, host ports that
 * cannot clash, loopback URLs that follow the published ports, the Docker socket and a same-path
 * root directory on both kubelets, the cluster CA's named volume on the controller-manager, the
 * locked stores (stores-init before NATS, each role's user and secrets volume, no Postgres
 * credential for readers); secure: a one-shot `init` makes the credentials in a named volume
 * before the gateway starts, every component runs with its own kubeconfig from it, the gateway's
 * healthcheck speaks HTTPS.
 * infra/Dockerfile is built FROM a Node base made from the host (test/docker-image.ts), and the image serves the API against the test's NATS and Postgres.
 * `docker compose up` itself, with stand-in NATS and Postgres images made from the host: compose-up.e2e.
 * Skipped without a compose CLI or an engine unless REQUIRE_DOCKER=1.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { schemaName, type Config } from '../../shared/config.js';
import { dropPrefix, testConfig, testPort } from '../harness.js';
import { api } from '../stack.js';
import { eventually } from '../wait.js';
import { dockerEngine, ensureNodeBaseImage, NODE_BASE_IMAGE, unavailable, which, withImageLock } from '../docker-image.js';
import { run } from './cli.js';
import { composeCli, composeEnv } from '../compose-cli.js';
import { NATS_ROLES, natsAuthorization, natsUserName, type NatsRole } from '../../shared/nats-lock/config.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const NATS_CONF = join(ROOT, 'infra/nats.conf');
const IMAGE = 'jetkube-test/jetkube:local';
/** The Dockerfile's build stage, tagged so that a rebuild can drop the one it replaces. */
const BUILD_STAGE = 'jetkube-test/jetkube-build:local';
const RUN = Math.random().toString(36).slice(2, 7);

/**
 * Each jetkube service: its subcommand, the variable naming the port it serves /readyz on, and the
 * kubeconfig `jetkube init` wrote for it (its own identity; none for the gateway and the projector).
 */
const JETKUBE_SERVICES: Record<string, { command: string; portVar: string; kubeconfig?: string }> = {
  gateway: { command: 'gateway', portVar: 'PORT' },
  projector: { command: 'projector', portVar: 'PROJECTOR_PORT' },
  'controller-manager': { command: 'controller-manager', portVar: 'CONTROLLER_MANAGER_PORT', kubeconfig: 'kube-controller-manager' },
  scheduler: { command: 'scheduler', portVar: 'SCHEDULER_PORT', kubeconfig: 'kube-scheduler' },
  proxy: { command: 'proxy', portVar: 'PROXY_PORT', kubeconfig: 'kube-proxy' },
  dns: { command: 'dns', portVar: 'DNS_HEALTH_PORT', kubeconfig: 'jetkube-dns' },
  ingress: { command: 'ingress', portVar: 'INGRESS_PORT', kubeconfig: 'jetkube-ingress' },
  'node-1': { command: 'kubelet', portVar: 'KUBELET_PORT', kubeconfig: 'node-node-1' },
  'node-2': { command: 'kubelet', portVar: 'KUBELET_PORT', kubeconfig: 'node-node-2' },
};
const KUBELETS = ['node-1', 'node-2'];
/** The Docker socket, or ports below 1024 (a Service's port 80, DNS on 53). */
const ROOT_USERS = new Set(['proxy', 'dns', ...KUBELETS]);

// ---- the compose CLI and its resolved config, v2 (`docker compose`) or v1 (`docker-compose`).

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

/**
 * Every address the stack binds on the host, each with the JETKUBE_* variable that moves it, its
 * default and where the resolved config says it went. None defaults to NATS' 4222 or Postgres'
 * 5432: a NATS or Postgres installed on the host keeps its ports.
 */
const HOST_PORTS: readonly { readonly variable: string; readonly dflt: string; readonly read: (svc: Record<string, Service>) => string | undefined }[] = [
  { variable: 'JETKUBE_GATEWAY_PORT', dflt: '8080', read: (svc) => envOf(svc.gateway!).PORT },
  { variable: 'JETKUBE_PROJECTOR_PORT', dflt: '8081', read: (svc) => envOf(svc.projector!).PROJECTOR_PORT },
  { variable: 'JETKUBE_CONTROLLER_MANAGER_PORT', dflt: '8082', read: (svc) => envOf(svc['controller-manager']!).CONTROLLER_MANAGER_PORT },
  { variable: 'JETKUBE_SCHEDULER_PORT', dflt: '8083', read: (svc) => envOf(svc.scheduler!).SCHEDULER_PORT },
  { variable: 'JETKUBE_DNS_HEALTH_PORT', dflt: '8053', read: (svc) => envOf(svc.dns!).DNS_HEALTH_PORT },
  { variable: 'JETKUBE_PROXY_PORT', dflt: '10256', read: (svc) => envOf(svc.proxy!).PROXY_PORT },
  { variable: 'JETKUBE_INGRESS_PORT', dflt: '10254', read: (svc) => envOf(svc.ingress!).INGRESS_PORT },
  { variable: 'JETKUBE_INGRESS_HTTP_ADDR', dflt: '127.0.0.1:18081', read: (svc) => envOf(svc.ingress!).INGRESS_HTTP_ADDR },
  { variable: 'JETKUBE_INGRESS_HTTPS_ADDR', dflt: '127.0.0.1:18443', read: (svc) => envOf(svc.ingress!).INGRESS_HTTPS_ADDR },
  { variable: 'JETKUBE_NODE1_KUBELET_PORT', dflt: '10250', read: (svc) => envOf(svc['node-1']!).KUBELET_PORT },
  { variable: 'JETKUBE_NODE2_KUBELET_PORT', dflt: '10251', read: (svc) => envOf(svc['node-2']!).KUBELET_PORT },
  { variable: 'JETKUBE_CLUSTER_DNS', dflt: '127.0.0.10:53', read: (svc) => envOf(svc.dns!).CLUSTER_DNS },
  { variable: 'JETKUBE_NATS_PORT', dflt: '14222', read: (svc) => portsOf(svc.nats!).find((p) => p.target === '4222')?.published },
  { variable: 'JETKUBE_PG_PORT', dflt: '15432', read: (svc) => portsOf(svc.postgres!).find((p) => p.target === '5432')?.published },
];
/** The other settings the compose file reads. */
const OTHER_SETTINGS = [
  'JETKUBE_GATEWAY_HOST',
  'JETKUBE_TLS_SAN',
  'JETKUBE_NODEPORT_ADDRESSES',
  'JETKUBE_PG_PASSWORD',
  'JETKUBE_DNS_UPSTREAM',
  'JETKUBE_ROOT_DIR',
  'JETKUBE_PREFIX',
  'JETKUBE_IMAGE',
  'JETKUBE_BASE_IMAGE',
  'JETKUBE_NATS_IMAGE',
  'JETKUBE_POSTGRES_IMAGE',
  'JETKUBE_NPM_REGISTRY',
  'JETKUBE_NPM_CA_CERT',
];

interface Want {
  /** HOST_PORTS' values by variable. */
  readonly ports: Readonly<Record<string, string>>;
  readonly rootDir: string;
  readonly image: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly prefix: string;
}

const defaults = (over: Partial<Want> = {}): Want => ({
  ports: Object.fromEntries(HOST_PORTS.map((p) => [p.variable, p.dflt])),
  rootDir: '/var/lib/jetkube',
  image: 'jetkube:local',
  buildArgs: { BASE: 'node:22-bookworm-slim', NPM_REGISTRY: '', NPM_CA_CERT: '' },
  prefix: 'jetkube',
  ...over,
});

/** `jetstream { ... }` of a NATS config file, comments removed. */
function jetstreamBlock(conf: string): string | undefined {
  return /^\s*jetstream\s*\{([^}]*)\}/m.exec(conf.replace(/#.*$/gm, ''))?.[1];
}

/** The resolved config for `env`, checked for the designed stack; returns its services. */
async function assertStack(cli: string[], env: NodeJS.ProcessEnv, want: Want): Promise<Record<string, Service>> {
  const config = parse(await compose(cli, ['config'], env)) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
  const svc = config.services;
  assert.deepEqual(Object.keys(svc).sort(), ['init', 'nats', 'postgres', 'stores-init', ...Object.keys(JETKUBE_SERVICES)].sort());

  // Every host port where its setting put it, no two the same.
  const bound = new Map<string, string>();
  for (const { variable, read } of HOST_PORTS) {
    const at = read(svc);
    assert.equal(at, want.ports[variable], `${variable} sets it`);
    assert.ok(!bound.has(at!), `${variable}=${at} is also ${bound.get(at!)}`);
    bound.set(at!, variable);
  }
  const natsPort = want.ports.JETKUBE_NATS_PORT!;
  const pgPort = want.ports.JETKUBE_PG_PORT!;
  const gatewayPort = want.ports.JETKUBE_GATEWAY_PORT!;

  // NATS and Postgres: bridge network, published on loopback only, persistent volumes, healthchecks.
  const published = (name: string, target: string) => {
    assert.notEqual(svc[name]!.network_mode, 'host', `${name} stays on the bridge network`);
    const p = portsOf(svc[name]!).find((x) => x.target === target);
    assert.equal(p?.hostIp, '127.0.0.1', `${name}:${target} is published on the host's loopback only`);
    assert.equal(portsOf(svc[name]!).length, 1, `${name} publishes nothing else`);
    assert.ok(svc[name]!.healthcheck?.test, `${name} has a healthcheck`);
    assert.equal(svc[name]!.build, undefined);
    return p!.published;
  };
  assert.equal(published('nats', '4222'), natsPort);
  assert.equal(published('postgres', '5432'), pgPort);
  for (const v of volumesOf(svc.postgres!)) assert.ok(v.source in (config.volumes ?? {}), `postgres' ${v.target} is a named volume`);

  // NATS: its config file mounted read-only from infra/nats.conf, JetStream on with
  // sync_interval: always, the store on the named volume, the ports the compose file uses.
  const nats = svc.nats!;
  assert.equal(nats.command?.[0], '-c', 'NATS runs with a config file');
  const confAt = nats.command[1] as string;
  const confMount = volumesOf(nats).find((v) => v.target === confAt);
  assert.ok(confMount && resolve(ROOT, confMount.source) === NATS_CONF, `${confAt} is infra/nats.conf (${confMount?.source})`);
  const js = jetstreamBlock(readFileSync(NATS_CONF, 'utf8'));
  assert.ok(js !== undefined, 'JetStream on');
  assert.match(js, /^\s*sync_interval\s*:\s*always\s*$/m, 'JetStream fsyncs every write before acknowledging it');
  const storeDir = /^\s*store_dir\s*:\s*(\S+)\s*$/m.exec(js)?.[1];
  const store = volumesOf(nats).find((v) => v.target === storeDir);
  assert.ok(store && store.source in (config.volumes ?? {}), `NATS' store ${storeDir} is a named volume`);
  assert.match(readFileSync(NATS_CONF, 'utf8'), /^port:\s*4222\b/m);
  assert.match(readFileSync(NATS_CONF, 'utf8'), /^http_port:\s*8222\b/m);
  assert.ok(JSON.stringify(nats.healthcheck.test).includes('127.0.0.1:8222/healthz'), 'the healthcheck asks the monitoring port');

  // Locked stores: stores-init writes the NATS users (the volume nats mounts where infra/nats.conf
  // includes them from) and each role's secrets, and makes the Postgres roles, before NATS starts.
  const init = svc['stores-init']!;
  const initDir = init.command?.[1] as string;
  assert.equal(init.command?.[0], 'init-stores');
  assert.equal(init.image, want.image);
  assert.deepEqual(conditionsOf(init), { postgres: 'service_healthy' });
  assert.match(envOf(init).DATABASE_URL ?? '', new RegExp(`^postgres://postgres:[^@]*@127\\.0\\.0\\.1:${pgPort}/`), 'stores-init is the superuser');
  const initVolume = (role: string) => volumesOf(init).find((v) => v.target === `${initDir}/${role}`)?.source;
  for (const role of ['nats', ...NATS_ROLES]) assert.ok(initVolume(role) && initVolume(role)! in (config.volumes ?? {}), `stores-init writes ${role}'s secrets to a named volume`);
  assert.match(readFileSync(NATS_CONF, 'utf8'), /^include \.\/secrets\/auth\.conf$/m);
  assert.equal(volumesOf(nats).find((v) => v.target === `${confAt.replace(/\/[^/]+$/, '')}/secrets`)?.source, initVolume('nats'), 'nats mounts the users beside its config');
  assert.deepEqual(conditionsOf(nats), { 'stores-init': 'service_completed_successfully' });

  // One image, built once: only the gateway has `build:`; every other jetkube service runs what it
  // tags and never pulls it.
  assert.deepEqual(Object.keys(svc).filter((n) => svc[n]!.build), ['gateway'], 'one service builds the image');
  const build = svc.gateway!.build;
  assert.equal(build.dockerfile, 'infra/Dockerfile');
  assert.equal(resolve(ROOT, build.context), resolve(ROOT));
  assert.equal(build.network, 'host');
  assert.deepEqual(Object.fromEntries(Object.entries(build.args ?? {}).map(([k, v]) => [k, String(v ?? '')])), want.buildArgs);

  // Secure: the one-shot init writes the credentials into a named volume, as the image's user, with
  // no network; what it puts in the kubeconfigs and the serving certificate is the gateway's.
  const dataDir = envOf(svc.init!).JETKUBE_DATA_DIR!;
  assert.ok(dataDir, "init's JETKUBE_DATA_DIR");
  const dataVolume = volumesOf(svc.init!).find((v) => v.target === dataDir);
  assert.ok(dataVolume && dataVolume.source in (config.volumes ?? {}), `init writes ${dataDir} on a named volume (${dataVolume?.source})`);
  assert.deepEqual(svc.init!.command, ['init', ...KUBELETS.flatMap((n) => ['--node', n])], 'init makes a kubeconfig for each node');
  assert.equal(svc.init!.image, want.image);
  assert.equal(svc.init!.pull_policy, 'never');
  assert.equal(svc.init!.network_mode, 'none');
  assert.equal(svc.init!.user, undefined, "init runs as the image's user, who owns the volume");
  assert.ok(!svc.init!.restart || svc.init!.restart === 'no', 'init runs once');
  const gwEnv = envOf(svc.gateway!);
  for (const k of ['GATEWAY_URL', 'HOST', 'TLS_SAN', 'JETKUBE_PREFIX']) assert.equal(envOf(svc.init!)[k], gwEnv[k], `init's ${k} is the gateway's`);
  assert.ok(gwEnv.TLS_SAN?.split(',').includes('gateway'), 'the serving certificate names the compose service');
  assert.equal(gwEnv.JETKUBE_DATA_DIR, dataDir);
  assert.ok(volumesOf(svc.gateway!).some((v) => v.source === dataVolume.source && v.target === dataDir), 'the gateway mounts the credentials');
  assert.equal(gwEnv.NODE_EXTRA_CA_CERTS, `${dataDir}/ca.crt`, "the gateway's healthcheck trusts the cluster CA");
  assert.ok(JSON.stringify(svc.gateway!.healthcheck.test).includes("'https://127.0.0.1:'"), "the gateway's healthcheck speaks HTTPS");
  assert.equal(gwEnv.JETKUBE_AUTH, undefined, 'the gateway runs with its default: secure');

  // The jetkube services: one image, host networking, /readyz healthchecks, each its own kubeconfig.
  for (const [name, { command, portVar, kubeconfig }] of Object.entries(JETKUBE_SERVICES)) {
    const s = svc[name]!;
    const e = envOf(s);
    assert.equal(s.network_mode, 'host', `${name}: host networking`);
    assert.equal(s.image, want.image, `${name}: the one jetkube image`);
    if (name !== 'gateway') assert.equal(s.pull_policy, 'never', `${name} never pulls the image the gateway builds`);
    assert.deepEqual(s.command, kubeconfig ? [command, '--kubeconfig', `${dataDir}/kubeconfigs/${kubeconfig}.kubeconfig`] : [command]);
    if (kubeconfig) assert.ok(volumesOf(s).some((v) => v.source === dataVolume.source && v.target === dataDir), `${name} mounts its kubeconfig`);
    assert.equal(e.JETKUBE_AUTH, undefined, `${name}: nothing turns security off`);
    assert.equal(s.restart, 'unless-stopped');
    assert.equal(s.user, ROOT_USERS.has(name) ? 'root' : undefined, `${name}'s user`);
    assert.ok(s.healthcheck?.test?.includes(portVar), `${name}'s healthcheck probes $${portVar}`);
    assert.ok(bound.has(e[portVar] ?? ''), `${name}'s ${portVar}=${e[portVar]} is one of the host ports with a setting`);
    assert.equal(e.NATS_URL, `nats://127.0.0.1:${natsPort}`, `${name}'s NATS_URL`);
    // Its own NATS user, its password from its role's volume; Postgres for the gateway and the projector alone, as their roles.
    // Every component its own user (shared/nats-lock/reads.ts); both kubelets share the kubelet's.
    const role: NatsRole = KUBELETS.includes(name) ? 'kubelet' : (name as NatsRole);
    assert.ok(NATS_ROLES.includes(role), `${name} has a NATS role`);
    assert.equal(e.NATS_USER, natsUserName(role), `${name}'s NATS_USER`);
    const secrets = volumesOf(s).find((v) => e.NATS_PASSWORD_FILE?.startsWith(`${v.target}/`));
    assert.equal(secrets?.source, initVolume(role), `${name}'s NATS_PASSWORD_FILE is in ${role}'s secrets`);
    assert.ok(!volumesOf(s).some((v) => v.source !== secrets?.source && ['nats', ...NATS_ROLES].some((r) => initVolume(r) === v.source)), `${name} mounts no other role's secrets`);
    // A node holds no Secrets' key: it reads its pods' Secrets through the gateway.
    if (role === 'kubelet') assert.equal(e.ENCRYPTION_PROVIDER_CONFIG, '', `${name} loads no encryption key`);
    if (role !== 'gateway' && role !== 'projector') assert.equal(e.DATABASE_URL, undefined, `${name} holds no Postgres credential`);
    else {
      assert.match(e.DATABASE_URL ?? '', new RegExp(`^postgres://${want.prefix}_${role}@127\\.0\\.0\\.1:${pgPort}/`), `${name}'s DATABASE_URL: its role, no password`);
      assert.ok(e.DATABASE_PASSWORD_FILE?.startsWith(`${secrets!.target}/`), `${name}'s DATABASE_PASSWORD_FILE`);
    }
    assert.equal(e.GATEWAY_URL, `https://127.0.0.1:${gatewayPort}`, `${name}'s GATEWAY_URL`);
    assert.equal(e.CLUSTER_DNS, want.ports.JETKUBE_CLUSTER_DNS, `${name}'s CLUSTER_DNS: the dns binds what the kubelets give the pods`);
    // The projector migrates the schema the gateway waits for: it cannot wait for the gateway.
    assert.deepEqual(
      conditionsOf(s),
      name === 'gateway'
        ? { init: 'service_completed_successfully', nats: 'service_healthy', postgres: 'service_healthy' }
        : name === 'projector'
          ? { nats: 'service_healthy', postgres: 'service_healthy' }
          : { gateway: 'service_healthy' },
    );
  }

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
    // The tmpfs of pods' token (and Secret) volumes: the kubelet may mount, and the mount reaches the host's engine.
    assert.deepEqual(svc[name]!.cap_add, ['SYS_ADMIN'], `${name} may mount`);
    assert.deepEqual(svc[name]!.security_opt, ['apparmor=unconfined'], `${name}: outside the engine's AppArmor profile, which forbids mount`);
    const rootMount = (svc[name]!.volumes as unknown[]).find((v) => (typeof v === 'string' ? v.split(':')[0] === want.rootDir : (v as Service).source === want.rootDir));
    assert.ok(typeof rootMount === 'string' ? rootMount.endsWith(':rshared') : (rootMount as Service)?.bind?.propagation === 'rshared', `${name}'s root directory is rshared`);
  }
  assert.notEqual(envOf(svc['node-1']!).KUBELET_ROOT_DIR, envOf(svc['node-2']!).KUBELET_ROOT_DIR);

  // The cluster CA: the controller-manager publishes it from the same volume.
  assert.equal(envOf(svc['controller-manager']!).JETKUBE_DATA_DIR, dataDir, "the controller-manager's JETKUBE_DATA_DIR");
  return svc;
}

describe('docker-compose.yml', async () => {
  const cli = await composeCli();
  const skip = cli ? undefined : unavailable('neither `docker compose` nor `docker-compose` answers (Debian: apt-get install docker-compose)').skip;

  it('validates and resolves to the stack: every service, host networking, healthchecks, start order, one build, NATS fsyncing every write, host ports off 4222 and 5432', { skip }, async () => {
    await compose(cli!, ['config', '-q'], composeEnv());
    const svc = await assertStack(cli!, composeEnv(), defaults());
    const hostPorts = HOST_PORTS.map((p) => p.read(svc)!.replace(/^.*:/, ''));
    for (const taken of ['4222', '5432']) assert.ok(!hostPorts.includes(taken), `nothing binds ${taken} on the host by default`);
  });

  it('the JETKUBE_* settings move every host port and URL together, and reach the build', { skip }, async () => {
    // Ports nothing defaults to, each different.
    const ports = Object.fromEntries(
      HOST_PORTS.map((p, i) => [p.variable, p.variable === 'JETKUBE_CLUSTER_DNS' ? '127.0.0.53:5353' : p.variable.endsWith('_ADDR') ? `127.0.0.1:${21000 + i}` : String(21000 + i)]),
    );
    const over = {
      ...ports,
      JETKUBE_ROOT_DIR: '/srv/jk',
      JETKUBE_NODEPORT_ADDRESSES: '127.0.0.2',
      JETKUBE_IMAGE: 'example/jetkube:1',
      JETKUBE_BASE_IMAGE: 'node:22-alpine',
      JETKUBE_NPM_REGISTRY: 'https://npm.example.corp/',
      JETKUBE_NPM_CA_CERT: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      JETKUBE_PREFIX: 'jk2',
    };
    const svc = await assertStack(cli!, composeEnv(over), {
      ports,
      rootDir: '/srv/jk',
      image: 'example/jetkube:1',
      buildArgs: { BASE: over.JETKUBE_BASE_IMAGE, NPM_REGISTRY: over.JETKUBE_NPM_REGISTRY, NPM_CA_CERT: over.JETKUBE_NPM_CA_CERT },
      prefix: 'jk2',
    });
    assert.equal(envOf(svc.proxy!).NODEPORT_ADDRESSES, '127.0.0.2');
    // No port of any service kept a default: every one has a setting.
    const defaultsLeft = Object.entries(svc).flatMap(([name, s]) => [
      ...Object.entries(envOf(s))
        .filter(([k, v]) => /_PORT$/.test(k) && HOST_PORTS.some((p) => p.dflt === v))
        .map(([k, v]) => `${name} ${k}=${v}`),
      ...portsOf(s).filter((p) => HOST_PORTS.some((h) => h.dflt === p.published)).map((p) => `${name} publishes ${p.published}`),
    ]);
    assert.deepEqual(defaultsLeft, [], 'a host port without a setting');
  });

  it('infra/nats.conf is a config nats-server 2.10 accepts', (t) => {
    // NATS_SERVER_BIN, else nats-server on PATH; Debian bookworm's 2.9 predates sync_interval.
    const bin = process.env.NATS_SERVER_BIN || which('nats-server');
    const version = bin ? /v(\d+)\.(\d+)\.\d+/.exec(spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout ?? '') : null;
    if (!bin || !version || Number(version[1]) * 100 + Number(version[2]) < 210) {
      return t.skip(`no nats-server ≥ 2.10 (${bin ? `${bin} is ${version?.[0] ?? '?'}` : 'none on PATH'}); set NATS_SERVER_BIN`);
    }
    // With the users stores-init would write beside it.
    const dir = mkdtempSync(join(tmpdir(), 'jetkube-nats-conf-'));
    try {
      mkdirSync(join(dir, 'secrets'));
      copyFileSync(NATS_CONF, join(dir, 'nats.conf'));
      writeFileSync(join(dir, 'secrets', 'auth.conf'), natsAuthorization('jetkube', NATS_ROLES.map((role) => ({ role, user: natsUserName(role), password: 'x' }))));
      const r = spawnSync(bin, ['-t', '-c', join(dir, 'nats.conf')], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${bin} -t: ${r.stdout}${r.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('documents every setting in its header and in the README\'s compose section', () => {
    const file = readFileSync(COMPOSE_FILE, 'utf8');
    const header = file.slice(0, file.search(/^[^#\n]/m));
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### The compose stack'), readme.indexOf('\n## ', readme.indexOf('### The compose stack')));
    const used = [...new Set([...file.matchAll(/\$\{(JETKUBE_\w+)/g)].map((m) => m[1]!))].sort();
    assert.deepEqual(used, [...HOST_PORTS.map((p) => p.variable), ...OTHER_SETTINGS].sort(), 'the settings the file reads');
    for (const v of used) {
      assert.match(header, new RegExp(`^#\\s+${v}\\b`, 'm'), `the header documents ${v}`);
      assert.ok(section.includes(`\`${v}\``), `the README's compose section names ${v}`);
    }
    for (const { variable, dflt } of HOST_PORTS) assert.match(header, new RegExp(`^#\\s+${variable}\\s+${dflt.replace(/\./g, '\\.')}\\b`, 'm'), `${variable}'s default in the header`);
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
  await withImageLock(async () => {
    const old = await imageId(tag);
    const args = ['build', '--network', 'host', '--build-arg', `BASE=${NODE_BASE_IMAGE}`, ...(target ? ['--target', target] : [])];
    await docker(...args, '-f', join(ROOT, 'infra/Dockerfile'), '-t', tag, ROOT);
    if (old && old !== (await imageId(tag))) await docker('rmi', old).catch(() => undefined);
  });
}
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

describe('infra/Dockerfile', async () => {
  const d = await dockerEngine();
  const engine = 'docker' in d ? d.docker : undefined;
  const skip = !engine ? (d as { skip: string }).skip : which('docker') ? undefined : unavailable('no docker CLI on PATH').skip;
  const container = `jk-compose-gateway-${RUN}`;
  const secure = `jk-compose-secure-${RUN}`;
  const volume = `jk-compose-data-${RUN}`;
  let cfg: Config | undefined;
  let secureCfg: Config | undefined;

  after(async () => {
    if (skip) return;
    await docker('rm', '-f', container).catch(() => undefined);
    await docker('rm', '-f', secure).catch(() => undefined);
    await docker('volume', 'rm', '-f', volume).catch(() => undefined);
    if (cfg) await dropPrefix(cfg);
    if (secureCfg) await dropPrefix(secureCfg);
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

  it('`compose build` builds it once, for the gateway, and every other service runs it', { skip, timeout: 30 * 60_000 }, async (t) => {
    const cli = await composeCli();
    if (!cli) return t.skip('no compose CLI');
    const before = await imageId(IMAGE);
    const env = composeEnv({ JETKUBE_BASE_IMAGE: NODE_BASE_IMAGE, JETKUBE_IMAGE: IMAGE });
    const r = await run(cli[0]!, [...cli.slice(1), '-f', COMPOSE_FILE, 'build'], env);
    assert.equal(r.code, 0, `compose build failed:\n${r.stderr.slice(-4000)}`);
    const out = `${r.stdout}\n${r.stderr}`;
    // v1 names each service: "Building gateway", "projector uses an image, skipping".
    const built = [...out.matchAll(/^Building (\S+)$/gm)].map((m) => m[1]);
    const skipped = [...out.matchAll(/^(\S+) uses an image, skipping$/gm)].map((m) => m[1]).sort();
    if (built.length > 0 || skipped.length > 0) {
      assert.deepEqual(built, ['gateway'], 'one build');
      assert.deepEqual(skipped, ['init', 'nats', 'postgres', 'stores-init', ...Object.keys(JETKUBE_SERVICES).filter((n) => n !== 'gateway')].sort());
    }
    const after = await imageId(IMAGE);
    t.diagnostic(`${cli.join(' ')} build: ${built.length ? `built ${built.join(', ')}, skipped ${skipped.length}` : 'done'}; ${after === before ? 'the same image as `docker build` (layer cache)' : 'a new image'}`);
    if (before && after !== before) await docker('rmi', before).catch(() => undefined);
  });

  it('passes NPM_REGISTRY and NPM_CA_CERT to npm (a registry behind a CA of its own)', { skip, timeout: 10 * 60_000 }, async () => {
    // A registry on the host with a certificate from a CA nobody trusts but this build: npm
    // reaching it at all means the registry and the CA both took. It answers 404, so npm ci stops there.
    const dir = mkdtempSync(join(tmpdir(), 'jk-npm-ca-'));
    const requests: string[] = [];
    const server = createHttpsServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
    });
    try {
      const openssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=jetkube test registry',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
      assert.equal(openssl.status, 0, openssl.stderr);
      const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
      server.setSecureContext({ key: readFileSync(join(dir, 'key.pem')), cert });
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      const registry = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const r = await run('docker', ['build', '--network', 'host', '--force-rm', '--target', 'build', '--build-arg', `BASE=${NODE_BASE_IMAGE}`,
        '--build-arg', `NPM_REGISTRY=${registry}`, '--build-arg', `NPM_CA_CERT=${cert}`, '-f', join(ROOT, 'infra/Dockerfile'), ROOT], process.env);
      assert.notEqual(r.code, 0, 'npm ci cannot succeed against a registry that has nothing');
      // (package documents or tarballs of package-lock.json's packages, over TLS that only NPM_CA_CERT makes trusted)
      assert.ok(requests.length > 0, `npm asked ${registry} for nothing:\n${(r.stderr || r.stdout).slice(-2000)}`);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists the subcommands; its user is node', { skip }, async () => {
    const help = await docker('run', '--rm', '--network', 'host', IMAGE, '--help');
    for (const cmd of ['up', 'init', 'gateway', 'projector', 'controller-manager', 'scheduler', 'proxy', 'dns', 'kubelet', 'replay']) {
      assert.match(help, new RegExp(`^\\s+${cmd}\\b`, 'm'), `--help lists ${cmd}`);
    }
    assert.equal((await docker('image', 'inspect', '-f', '{{.Config.User}}', IMAGE)).trim(), 'node');
  });

  it('serves the API against NATS and Postgres (a ConfigMap in, the same out), as uid 1000, from the compiled services only', { skip, timeout: 120_000 }, async () => {
    cfg = await testConfig('compose', { port: await testPort() });
    const base = `http://127.0.0.1:${cfg.port}`;
    // Plain HTTP, asked for: this is about the image serving, not about TLS.
    const env = { NATS_URL: cfg.natsUrl, DATABASE_URL: cfg.databaseUrl, JETKUBE_PREFIX: cfg.prefix, PORT: String(cfg.port), LOG_LEVEL: 'warn', JETKUBE_AUTH: 'off' };
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

  it('`jetkube replay` in the running container uses its NATS, Postgres and prefix, and refuses a prefix with no projections there', { skip, timeout: 120_000 }, async () => {
    assert.ok(cfg, 'the gateway container is running');
    const own = await run('docker', ['exec', container, 'jetkube', 'replay'], process.env);
    assert.equal(own.code, 0, own.stderr);
    assert.match(own.stdout, new RegExp(`^replayed \\d+ events up to sequence \\d+ in [\\d.]+ s into schema "${schemaName(cfg.prefix)}"`));
    const other = `${cfg.prefix}x`;
    const wrong = await run('docker', ['exec', '-e', `JETKUBE_PREFIX=${other}`, container, 'jetkube', 'replay'], process.env);
    assert.equal(wrong.code, 1, wrong.stdout);
    assert.match(wrong.stderr, new RegExp(`^error: no projector checkpoint in schema "${schemaName(other)}" of postgres://`, 'm'));
  });

  it('secure as compose runs it: init writes the credentials on a fresh named volume, the gateway serves HTTPS from it, its healthcheck passes, the admin kubeconfig comes out with docker cp', { skip, timeout: 180_000 }, async () => {
    secureCfg = await testConfig('composesec', { port: await testPort() });
    const data = '/var/lib/jetkube-data';
    const shared = { JETKUBE_PREFIX: secureCfg.prefix, JETKUBE_DATA_DIR: data, GATEWAY_URL: `https://127.0.0.1:${secureCfg.port}`, HOST: '127.0.0.1', TLS_SAN: 'gateway,', LOG_LEVEL: 'warn' };
    const e = (env: Record<string, string>) => Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // init: the image's user, no network, the volume new (so it takes the image directory's owner).
    const init = await docker('run', '--rm', '--network', 'none', '-v', `${volume}:${data}`, ...e(shared), IMAGE, 'init', '--node', 'node-1');
    assert.match(init, new RegExp(`admin kubeconfig written to ${data}/admin.kubeconfig`));
    const gwEnv = { ...shared, NATS_URL: secureCfg.natsUrl, DATABASE_URL: secureCfg.databaseUrl, PORT: String(secureCfg.port), NODE_EXTRA_CA_CERTS: `${data}/ca.crt` };
    await docker('run', '-d', '--name', secure, '--network', 'host', '-v', `${volume}:${data}`, ...e(gwEnv), IMAGE, 'gateway');
    // The healthcheck exactly as docker-compose.yml has it.
    const probeTls = (parse(readFileSync(COMPOSE_FILE, 'utf8')) as Record<string, string>)['x-probe-tls']!;
    await eventually('the healthcheck passes', async () => (await run('docker', ['exec', secure, 'node', '-e', probeTls, 'PORT'], process.env)).code === 0, 60_000, 500).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await docker('logs', '--tail', '50', secure).catch((l: Error) => l.message)}`);
    });
    await assert.rejects(fetch(`http://127.0.0.1:${secureCfg.port}/api/v1/namespaces`), 'no plain HTTP');
    // The README's way out: docker cp, then kubectl with it.
    const dir = mkdtempSync(join(tmpdir(), 'jk-compose-kubeconfig-'));
    try {
      await docker('cp', `${secure}:${data}/admin.kubeconfig`, join(dir, 'admin.kubeconfig'));
      const kc = parse(readFileSync(join(dir, 'admin.kubeconfig'), 'utf8')) as { clusters: { cluster: { server: string } }[] };
      assert.equal(kc.clusters[0]!.cluster.server, `https://127.0.0.1:${secureCfg.port}`);
      if (which('kubectl')) {
        const r = await run('kubectl', ['--kubeconfig', join(dir, 'admin.kubeconfig'), 'get', 'namespace', 'kube-system', '-o', 'name'], { ...process.env, HOME: dir });
        assert.equal(r.stdout.trim(), 'namespace/kube-system', r.stderr);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // A kubelet runs as root with the volume read-only: its kubeconfig is readable there.
    const kubeconfig = await docker('run', '--rm', '--network', 'none', '--user', 'root', '--entrypoint', 'cat', '-v', `${volume}:${data}:ro`, IMAGE, `${data}/kubeconfigs/node-node-1.kubeconfig`);
    assert.match(kubeconfig, /client-certificate-data: /);
  });
});
