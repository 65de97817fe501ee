#!/usr/bin/env node
/**
 * `jetkube`: one binary for every service (like k3s). `jetkube up` runs them all in one process;
 * `jetkube gateway`, `jetkube projector`, `jetkube controller-manager`, `jetkube scheduler`,
 * `jetkube proxy`, `jetkube dns`, `jetkube ingress` and `jetkube kubelet` run one; `jetkube replay` rebuilds the projections.
 */
import { Command, Option } from 'commander';
import { loadConfig, type Config } from '../../shared/config.js';
import { createLogger } from '../../shared/log.js';
import { runUntilSignal } from '../../shared/run.js';
import { ensureGatewayServingCert, startGateway } from '../gateway/index.js';
import { kubernetesServiceIp } from '../gateway/kubernetes-service.js';
import { DEFAULT_SERVICE_CLUSTER_IP_RANGE } from '../gateway/service-ips.js';
import { isNoProjectionsError, replay, runProjector, startProjector } from '../projector/index.js';
import { schedulerPort, startScheduler } from '../scheduler/index.js';
import { controllerManagerPort, startControllerManager } from '../controller-manager/manager.js';
import { startKubelets } from '../kubelet/index.js';
import { proxyOptionsFromEnv, startProxy } from '../proxy/index.js';
import { dnsHealthPort, dnsOptionsFromEnv, startDns } from '../dns/index.js';
import { ingressOptionsFromEnv, startIngress } from '../ingress/index.js';
import { leaderElectionFromArgs, type LeaderElectionOptions } from '../../shared/leaderelection/index.js';
import { clusterCAAtStart, type ClusterCA } from '../../shared/pki/index.js';
import { ensureEncryptionConfig } from '../../shared/encryption/index.js';
import { kubeletConfigFromEnv, kubeletConfigs, type KubeletConfig, type RuntimeKind } from '../kubelet/config.js';
import { gatewayUrlOf, pkiConfigFromEnv, type GatewayCredentials } from '../../shared/config.js';
import { applySecurityMode, authConfigFromEnv, loadKubeconfig, standaloneClientProblem, type ResolvedKubeconfig, type SecurityFlags } from '../../shared/auth/authn/index.js';
import { initStores, lockStores, natsRoleOf } from './locked.js';
import { COMPONENT_IDENTITIES, credentialsFor, nodeIdentity, secureConfig, userKubeconfig, writeAdminKubeconfig, writeKubeconfigFor } from './secure.js';

/** `ca`: the cluster CA `up` loaded at start (certificate and key); a service run alone loads its own. */
type Service = (cfg: Config, le?: LeaderElectionOptions, ca?: ClusterCA) => Promise<{ close(): Promise<void> }>;

/** Lost leadership: the process exits 1 (as kube-controller-manager and kube-scheduler do) and its supervisor restarts it. */
const exitOnLostLeadership = () => process.exit(1);

/** Every service `up` knows how to run, in start order. Inside `up` they share the gateway's port for health. */
const SERVICES: Record<string, Service> = {
  projector: (cfg) => startProjector(cfg, createLogger('projector', cfg.logLevel)),
  gateway: (cfg) => startGateway(cfg),
  'controller-manager': (cfg, _le, ca) =>
    startControllerManager(cfg, createLogger('controller-manager', cfg.logLevel), { onLeadershipLost: exitOnLostLeadership, ...(ca ? { clusterCA: ca.certPem } : {}) }),
  scheduler: (cfg) => startScheduler(cfg, createLogger('scheduler', cfg.logLevel), { onLeadershipLost: exitOnLostLeadership }),
  proxy: (cfg) => startProxy(cfg, createLogger('proxy', cfg.logLevel), { nodePortAddresses: proxyOptionsFromEnv().nodePortAddresses }),
  dns: (cfg) => startDnsOrWarn(cfg),
  ingress: (cfg, _le, ca) => startIngressOrWarn(cfg, ca),
};

/**
 * Inside `up`, a DNS address that can't be bound (port 53 without root, or taken) leaves the rest of
 * the cluster running: the error says what to set. Run alone (`jetkube dns`), it is fatal.
 */
async function startDnsOrWarn(cfg: Config): Promise<{ close(): Promise<void> }> {
  const log = createLogger('dns', cfg.logLevel);
  const opts = dnsOptionsFromEnv();
  try {
    return await startDns(cfg, log, opts);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL') throw err;
    log.error(
      { err, address: `${opts.address}:${opts.port}` },
      'cluster DNS not started: its address cannot be bound; set CLUSTER_DNS (e.g. 127.0.0.10:5353) or run as root for port 53',
    );
    return { close: async () => undefined };
  }
}

/** Inside `up`, ingress addresses that can't be bound leave the rest running; the error says what to set. */
async function startIngressOrWarn(cfg: Config, ca?: ClusterCA): Promise<{ close(): Promise<void> }> {
  const log = createLogger('ingress', cfg.logLevel);
  try {
    return await startIngress(cfg, log, ca ? { clusterCA: ca } : {});
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL') throw err;
    log.error({ err }, 'ingress controller not started: its address cannot be bound; set INGRESS_HTTP_ADDR / INGRESS_HTTPS_ADDR (e.g. 127.0.0.1:18081), or off');
    return { close: async () => undefined };
  }
}

/**
 * `up` and a gateway run alone encrypt Secrets at rest with a key made in the data directory on
 * first start (like the CA), unless ENCRYPTION_PROVIDER_CONFIG names another file (or is empty:
 * none). Other services find that file there too (loadConfig).
 */
async function ensureEncryptionAtRest(): Promise<void> {
  if (process.env.ENCRYPTION_PROVIDER_CONFIG !== undefined) return;
  process.env.ENCRYPTION_PROVIDER_CONFIG = await ensureEncryptionConfig(pkiConfigFromEnv(process.env, loadConfig().prefix).dataDir);
}

/** Run alone, a service serves its own /healthz, /readyz and /metrics. */
const STANDALONE: Record<string, Service> = {
  ...SERVICES,
  projector: (cfg) => runProjector(cfg, createLogger('projector', cfg.logLevel)),
  'controller-manager': async (cfg, le) =>
    startControllerManager(cfg, createLogger('controller-manager', cfg.logLevel), {
      clusterCA: (await clusterCAAtStart(cfg.prefix, createLogger('controller-manager', cfg.logLevel))).certPem,
      port: controllerManagerPort(),
      ...(le ? { leaderElection: le } : {}),
      onLeadershipLost: exitOnLostLeadership,
    }),
  scheduler: (cfg, le) =>
    startScheduler(cfg, createLogger('scheduler', cfg.logLevel), {
      port: schedulerPort(),
      ...(le ? { leaderElection: le } : {}),
      onLeadershipLost: exitOnLostLeadership,
    }),
  proxy: (cfg) => startProxy(cfg, createLogger('proxy', cfg.logLevel), proxyOptionsFromEnv()),
  dns: (cfg) => startDns(cfg, createLogger('dns', cfg.logLevel), { ...dnsOptionsFromEnv(), healthPort: dnsHealthPort() }),
  ingress: async (cfg) => {
    const log = createLogger('ingress', cfg.logLevel);
    return startIngress(cfg, log, { port: ingressOptionsFromEnv().port, clusterCA: await clusterCAAtStart(cfg.prefix, log) });
  },
};

const program = new Command()
  .name('jetkube')
  .description('An event-sourced Kubernetes-style orchestrator: NATS JetStream is the log, Postgres holds the projections.')
  .version('0.1.0');

interface KubeletFlags {
  nodes: string;
  runtime?: string;
  nodeName?: string;
}

/** Kubelet configs from the environment and the `--nodes`, `--runtime`, `--node-name` flags. */
function kubeletsFromFlags(f: KubeletFlags): KubeletConfig[] {
  const count = Number(f.nodes);
  if (!Number.isInteger(count) || count < 0) program.error('--nodes takes a non-negative integer');
  const over: Partial<KubeletConfig> = {
    ...(f.runtime ? { runtime: f.runtime as RuntimeKind } : {}),
    ...(f.nodeName ? { nodeName: f.nodeName } : {}),
  };
  return kubeletConfigs(kubeletConfigFromEnv(process.env, over), count);
}

const runtimeOption = () => new Option('--runtime <kind>', 'container runtime (default: KUBELET_RUNTIME, else docker if its socket exists, else process)').choices(['docker', 'process', 'fake']);

const KUBECONFIG_HELP = 'reach the gateway as this kubeconfig says (server, CA, client certificate or token), like a Kubernetes component';

/**
 * A service run alone with --kubeconfig: the gateway URL and credentials from its current context.
 * Without one, only JETKUBE_AUTH=off (a plain-HTTP gateway) will do (standaloneClientProblem).
 */
function withKubeconfig(command: string, file: string | undefined): Config {
  let problem: string | undefined;
  try {
    problem = standaloneClientProblem(command, file, process.env);
  } catch (e) {
    problem = (e as Error).message; // a JETKUBE_AUTH that is neither on nor off
  }
  if (problem) return program.error(`error: ${problem}`);
  const cfg = loadConfig();
  if (!file) return cfg;
  let loaded: ResolvedKubeconfig | undefined;
  try {
    loaded = loadKubeconfig([file]);
  } catch (e) {
    return program.error(`--kubeconfig ${file}: ${(e as Error).message}`);
  }
  const kc = loaded ?? program.error(`--kubeconfig ${file}: no such file, or it has no current-context`);
  const credentials: GatewayCredentials = {
    ...(kc.caPem ? { caPem: kc.caPem } : {}),
    ...(kc.certPem ? { certPem: kc.certPem } : {}),
    ...(kc.keyPem ? { keyPem: kc.keyPem } : {}),
    ...(kc.token ? { token: kc.token } : {}),
  };
  return { ...cfg, gatewayUrl: kc.server, secure: kc.server.startsWith('https:'), gatewayCredentials: credentials };
}

/** Secure unless asked otherwise (shared/auth/authn/security-mode.ts); a contradiction is a usage error. */
function securityFrom(flags: SecurityFlags): void {
  try {
    applySecurityMode(flags);
  } catch (e) {
    program.error(`error: ${(e as Error).message}`);
  }
}

const insecureOption = () => new Option('--insecure', 'plain HTTP, no authentication, every request is system:admin (JETKUBE_AUTH=off); the default is HTTPS, authentication and RBAC');
const secureOption = () => new Option('--secure', 'HTTPS, authentication and RBAC (JETKUBE_AUTH=on): the default; accepted for scripts that ask for it');

program
  .command('up')
  .description('run every service in one process')
  .addOption(new Option('--services <list>', 'comma-separated subset to run').default(Object.keys(SERVICES).join(',')))
  .addOption(new Option('--nodes <n>', 'kubelets (nodes) to run in this process; 0: none').default('1'))
  .addOption(runtimeOption())
  .addOption(insecureOption())
  .addOption(secureOption())
  .action(async (opts: { services: string } & SecurityFlags & KubeletFlags) => {
    securityFrom(opts);
    const wanted = opts.services.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = wanted.filter((s) => !SERVICES[s] && s !== 'kubelet');
    if (unknown.length) program.error(`unknown service(s): ${unknown.join(', ')}; known: ${[...Object.keys(SERVICES), 'kubelet'].join(', ')}`);
    const explicit = process.argv.includes('--services');
    const kubelets = !explicit || wanted.includes('kubelet') ? kubeletsFromFlags(opts) : [];
    await ensureEncryptionAtRest();
    await runUntilSignal('jetkube', async (cfg) => {
      const started: { close(): Promise<void> }[] = [];
      const close = async () => void (await Promise.allSettled(started.reverse().map((s) => s.close())));
      try {
        // The cluster CA, made on first start in the data directory and kept there (or CLUSTER_CA_FILE).
        const ca = await clusterCAAtStart(cfg.prefix, createLogger('jetkube', cfg.logLevel));
        const dataDir = pkiConfigFromEnv(process.env, cfg.prefix).dataDir;
        if (cfg.secure && !ca.keyPem) throw new Error('secure mode (the default) needs the cluster CA key to issue certificates; CLUSTER_CA_FILE holds a certificate alone (or run --insecure)');
        const signer = cfg.secure ? { certPem: ca.certPem, keyPem: ca.keyPem! } : undefined;
        // Secure without NATS_URL: NATS and Postgres locked (each service connects as its role, see locked.ts).
        const stores = cfg.secure ? await lockStores(cfg, dataDir, process.env, createLogger('jetkube', cfg.logLevel)) : undefined;
        if (stores) started.push(stores);
        const storesFor = (name: string) => (stores ? stores.configFor(natsRoleOf(name), cfg) : cfg);
        // Secure: each component authenticates as itself with a client certificate from the CA.
        const cfgFor = async (name: string) => {
          const id = COMPONENT_IDENTITIES[name];
          return signer && id ? secureConfig(storesFor(name), dataDir, signer, id) : storesFor(name);
        };
        for (const name of Object.keys(SERVICES).filter((s) => wanted.includes(s))) started.push(await SERVICES[name]!(await cfgFor(name), undefined, ca));
        // Every node authenticates as itself (system:node:<name>, a client certificate each); the
        // process' shared client (unused for node writes) is the first node's.
        // Kubelets read ConfigMaps and Secrets through the gateway: no encryption key (shared/nats-lock/reads.ts).
        const { encryptionProviderConfig: _key, ...withoutKey } = storesFor('kubelet');
        const kubeletCfg = signer && kubelets.length ? await secureConfig(withoutKey, dataDir, signer, nodeIdentity(kubelets[0]!.nodeName)) : withoutKey;
        const nodes = signer ? await Promise.all(kubelets.map(async (k) => ({ ...k, credentials: await credentialsFor(dataDir, signer, nodeIdentity(k.nodeName)) }))) : kubelets;
        if (nodes.length) started.push(await startKubelets(kubeletCfg, nodes, createLogger('kubelet', cfg.logLevel)));
        if (signer) {
          const file = await writeAdminKubeconfig(cfg, dataDir, signer);
          createLogger('jetkube', cfg.logLevel).info({ kubeconfig: file }, 'admin kubeconfig written');
          process.stdout.write(`jetkube: admin kubeconfig written to ${file}\n  KUBECONFIG=${file} kubectl get nodes\n`);
        }
      } catch (err) {
        await close();
        throw err;
      }
      return { close };
    }, loadConfig());
  });

program
  .command('kubelet')
  .description('run a kubelet (one node), or --nodes N of them in this process')
  .addOption(new Option('--nodes <n>', 'kubelets to run (node names <name>-1 … <name>-N)').default('1'))
  .addOption(runtimeOption())
  .option('--node-name <name>', 'node name (default: NODE_NAME, else the host name)')
  .option('--kubeconfig <file>', KUBECONFIG_HELP)
  .action(async (opts: KubeletFlags & { kubeconfig?: string }) => {
    const configs = kubeletsFromFlags(opts);
    await runUntilSignal('kubelet', (cfg) => startKubelets(cfg, configs, createLogger('kubelet', cfg.logLevel)), withKubeconfig('kubelet', opts.kubeconfig));
  });

/** Services that elect a leader take Kubernetes' --leader-elect* flags (over LEADER_ELECT* in the environment). */
const ELECTED = new Set(['controller-manager', 'scheduler']);

for (const name of Object.keys(SERVICES)) {
  const cmd = program.command(name).description(`run the ${name} alone`);
  if (ELECTED.has(name)) {
    cmd
      .option('--leader-elect [bool]', 'run for leadership on a Lease in kube-system before working (default true; LEADER_ELECT)')
      .option('--leader-elect-lease-duration <duration>', 'how long standbys wait before taking an unrenewed lease (default 15s)')
      .option('--leader-elect-renew-deadline <duration>', 'how long the leader retries renewing before it stops leading (default 10s)')
      .option('--leader-elect-retry-period <duration>', 'time between attempts (default 2s)');
  }
  if (name === 'gateway') cmd.addOption(insecureOption()).addOption(secureOption());
  if (name !== 'gateway' && name !== 'projector') cmd.option('--kubeconfig <file>', KUBECONFIG_HELP);
  cmd.action(async (flags: Record<string, string | boolean | undefined>) => {
    const le = ELECTED.has(name) ? leaderElectionFromArgs(flagArgs(flags)) : undefined;
    // The gateway serves (secure unless --insecure / JETKUBE_AUTH=off); the projector never calls it; the rest are its clients.
    if (name === 'gateway') {
      securityFrom(flags);
      await ensureEncryptionAtRest();
    }
    const cfg = name === 'gateway' || name === 'projector' ? loadConfig() : withKubeconfig(name, flags.kubeconfig as string | undefined);
    await runUntilSignal(name, (c) => STANDALONE[name]!(c, le), cfg);
  });
}

/** Commander's parsed --leader-elect* values back into `--flag=value` arguments for leaderElectionFromArgs. */
function flagArgs(flags: Record<string, string | boolean | undefined>): string[] {
  const names: Record<string, string> = {
    leaderElect: '--leader-elect',
    leaderElectLeaseDuration: '--leader-elect-lease-duration',
    leaderElectRenewDeadline: '--leader-elect-renew-deadline',
    leaderElectRetryPeriod: '--leader-elect-retry-period',
  };
  return Object.entries(flags).flatMap(([k, v]) => (names[k] && v !== undefined ? [`${names[k]}=${v === true ? 'true' : v}`] : []));
}

program
  .command('init-stores')
  .description("lock NATS and Postgres for the compose stack: each role's passwords under <dir>/<role>/, the NATS users in <dir>/nats/auth.conf, the Postgres roles (DATABASE_URL: a superuser)")
  .argument('<dir>', 'where the roles\' secret directories are mounted')
  .action(async (dir: string) => {
    const cfg = loadConfig();
    await initStores(cfg, dir, createLogger('init-stores', cfg.logLevel));
  });

program
  .command('kubeconfig')
  .description("print a kubeconfig for a user of the secure gateway: a new client certificate from the cluster CA (CN the user, O each group)")
  .requiredOption('--user <name>', 'the user name (certificate CN)')
  .option('--group <name>', 'a group (certificate O); repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option('--server <url>', 'the gateway URL in the kubeconfig (default: https://<HOST>:<PORT>)')
  .action(async (opts: { user: string; group: string[]; server?: string }) => {
    const cfg = loadConfig();
    const ca = await clusterCAAtStart(cfg.prefix, createLogger('jetkube', 'silent'));
    const keyPem = ca.keyPem ?? program.error('the cluster CA has no key here (CLUSTER_CA_FILE holds a certificate alone): cannot issue a certificate');
    const server = opts.server ?? gatewayUrlOf({ ...cfg, secure: true }).split(',')[0]!;
    process.stdout.write(await userKubeconfig(server, { certPem: ca.certPem, keyPem }, opts.user, opts.group));
  });

program
  .command('init')
  .description('make a secure cluster\'s credentials ahead of its components (like kubeadm init phase certs/kubeconfig): the CA, the gateway\'s serving certificate, a kubeconfig per component under <data dir>/kubeconfigs/, the admin kubeconfig')
  .option('--node <name>', 'a node whose kubelet gets a kubeconfig (system:node:<name>); repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .action(async (opts: { node: string[] }) => {
    const cfg = loadConfig();
    const log = createLogger('jetkube', cfg.logLevel);
    const ca = await clusterCAAtStart(cfg.prefix, log);
    const keyPem = ca.keyPem ?? program.error('the cluster CA has no key here (CLUSTER_CA_FILE holds a certificate alone): cannot issue certificates');
    const signer = { certPem: ca.certPem, keyPem };
    const dataDir = pkiConfigFromEnv(process.env, cfg.prefix).dataDir;
    const serving = await ensureGatewayServingCert(cfg, authConfigFromEnv(), signer, kubernetesServiceIp(process.env.SERVICE_CLUSTER_IP_RANGE || DEFAULT_SERVICE_CLUSTER_IP_RANGE));
    process.stdout.write(`jetkube: serving certificate ${serving.certFile}\n`);
    for (const id of [...Object.values(COMPONENT_IDENTITIES), ...opts.node.map(nodeIdentity)]) {
      process.stdout.write(`jetkube: ${id.user}: ${await writeKubeconfigFor(cfg, dataDir, signer, id)}\n`);
    }
    const admin = await writeAdminKubeconfig(cfg, dataDir, signer);
    process.stdout.write(`jetkube: admin kubeconfig written to ${admin}\n`);
  });

program
  .command('replay')
  .description('rebuild the projections from the event log (all of it, or up to a sequence or time into asof_<seq>)')
  .option('--to-seq <n>', 'build the cluster as it was at this sequence into schema <prefix>_asof_<n>')
  .option('--to-time <iso>', 'build the cluster as it was at this time')
  .option('--verbose', 'also log as the services do (JSON lines at LOG_LEVEL); otherwise only warnings and errors')
  .action(async (opts: { toSeq?: string; toTime?: string; verbose?: boolean }) => {
    const cfg = loadConfig();
    const toSeq = opts.toSeq !== undefined ? Number(opts.toSeq) : undefined;
    if (toSeq !== undefined && (!Number.isInteger(toSeq) || toSeq < 1)) program.error('--to-seq takes a positive integer');
    const toTime = opts.toTime !== undefined ? new Date(opts.toTime) : undefined;
    if (toTime && Number.isNaN(toTime.getTime())) program.error('--to-time takes an ISO-8601 time, e.g. 2026-11-22T10:00:00Z');
    let lastPrint = 0;
    const res = await replay(cfg, {
      // A command's output is its progress and summary: inside a service's container (LOG_LEVEL=info)
      // the JSON log lines would come first.
      log: createLogger('replay', opts.verbose ? cfg.logLevel : 'warn'),
      ...(toSeq !== undefined ? { toSeq } : {}),
      ...(toTime ? { toTime } : {}),
      onProgress: (p) => {
        const now = Date.now();
        if (now - lastPrint < 250 && p.done < p.total) return;
        lastPrint = now;
        const pct = p.total ? Math.min(100, (100 * p.done) / p.total) : 100;
        process.stderr.write(`\rreplay: ${p.done}/${p.total} events (${pct.toFixed(1)}%), ${Math.round(p.eventsPerSec)} events/s   `);
      },
    }).catch((err: unknown) => {
      // The wrong database (no projections of this prefix there) is a plain message, not a stack.
      if (!isNoProjectionsError(err)) throw err;
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(1);
    });
    process.stderr.write('\n');
    console.log(
      `replayed ${res.events} events up to sequence ${res.lastSeq} in ${res.seconds.toFixed(2)} s into schema "${res.schema}"` +
        (res.warning ? `\nwarning: ${res.warning}` : ''),
    );
    process.exit(0);
  });

await program.parseAsync(process.argv);
