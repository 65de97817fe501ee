/**
 * `docker compose up` for real, as the README's compose section tells a user, on a machine that
 * already runs NATS and Postgres on 4222 and 5432 (they keep answering throughout). No registry is
 * reachable, so the images are stand-ins made from the host (test/docker-image.ts,
 * test/compose-images.ts) and named by the file's image settings (JETKUBE_NATS_IMAGE,
 * JETKUBE_POSTGRES_IMAGE, JETKUBE_BASE_IMAGE, JETKUBE_IMAGE); every host port and address is moved
 * off its default by its setting, the project has its own name (-p) and its own root directory.
 *
 *   up --build -d; every service healthy, init and stores-init exited 0;
 *   the admin kubeconfig out with `exec -T gateway cat`; kubectl get nodes: node-1 and node-2 Ready;
 *   a Deployment of the test busybox image: its pods Running; its Service's cluster IP answers
 *   through the proxy, the cluster DNS names it;
 *   `exec projector jetkube replay` replays the stack's own prefix and refuses one without a
 *   projector checkpoint;
 *   `restart` of nats, postgres, projector and gateway keeps the cluster: the Deployment, its pods
 *   and a ConfigMap are there afterwards and writes go on;
 *   down -v, and the pods' containers removed.
 *
 * In the e2e tier (and alone: `npm run test:compose-up`): 95–130 s with the images cached on
 * this 2-core machine; a cold build of the jetkube image adds 3–4 minutes (compose.e2e's builds
 * share the legacy builder's cache with compose v1).
 * Works with compose v2 (`docker compose`, 2.26 tested) or v1 (`docker-compose` 1.29; on a machine
 * with both, JETKUBE_TEST_COMPOSE_CLI=docker-compose). Skipped
 * without an engine, a compose CLI, kubectl, a nats-server ≥ 2.10 (NATS_SERVER_BIN) or the host's
 * PostgreSQL unless REQUIRE_DOCKER=1. Needs root (the kubelets' root directory is made a shared
 * mount, as docker-compose.yml's header says).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { schemaName } from '../../shared/config.js';
import { testPort } from '../harness.js';
import { eventually, sleep } from '../wait.js';
import { dockerEngine, ensureNodeBaseImage, importTestImage, NODE_BASE_IMAGE, TEST_IMAGE, unavailable, which, withImageLock } from '../docker-image.js';
import { ensureNatsImage, ensurePostgresImage, hostPostgres, natsServer, NATS_IMAGE, POSTGRES_IMAGE } from '../compose-images.js';
import { composeCli, composeEnv } from '../compose-cli.js';
import { run } from './cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
/** The same tag compose.e2e builds: its layer cache serves both. */
const IMAGE = 'jetkube-test/jetkube:local';
const RUN = Math.random().toString(36).slice(2, 7);
const PROJECT = `jkup${RUN}`;
const ONE_SHOTS = ['init', 'stores-init'];
const SERVICES = ['nats', 'postgres', 'gateway', 'projector', 'controller-manager', 'scheduler', 'proxy', 'dns', 'ingress', 'node-1', 'node-2'];
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Whether something accepts TCP connections on 127.0.0.1:port. */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

/** Why this machine cannot run the suite, or undefined. */
async function missing(): Promise<string | undefined> {
  const d = await dockerEngine();
  if (!('docker' in d)) return d.skip;
  if (!which('docker')) return unavailable('no docker CLI on PATH').skip;
  if (!(await composeCli())) return unavailable('neither `docker compose` nor `docker-compose` answers').skip;
  if (!which('kubectl')) return unavailable('no kubectl on PATH').skip;
  const nats = natsServer();
  if ('missing' in nats) return unavailable(nats.missing).skip;
  const pg = hostPostgres();
  if ('missing' in pg) return unavailable(pg.missing).skip;
  if (process.getuid?.() !== 0) return unavailable('not root: the kubelets\' root directory must be made a shared mount').skip;
  return undefined;
}

describe('docker compose up (the README\'s compose section, for real)', async () => {
  const skip = await missing();
  const cli = skip ? [] : (await composeCli())!;
  const work = mkdtempSync(join(tmpdir(), 'jk-compose-up-'));
  const rootDir = join(work, 'root');
  const kubeconfig = join(work, 'admin.kubeconfig');
  let env: NodeJS.ProcessEnv = {};
  let rootMounted = false;
  const podUids = new Set<string>();

  const compose = (args: string[], extra: NodeJS.ProcessEnv = {}) => run(cli[0]!, [...cli.slice(1), '-p', PROJECT, '-f', COMPOSE_FILE, ...args], { ...env, ...extra });
  const must = async (args: string[]) => {
    const r = await compose(args);
    if (r.code !== 0) throw new Error(`${cli.join(' ')} ${args.join(' ')} exited ${r.code}:\n${(r.stderr || r.stdout).slice(-4000)}\n${await logs()}`);
    return r;
  };
  const logs = async () => (await compose(['logs', '--no-color', '--tail', '15']).catch((e: Error) => ({ stdout: e.message }))).stdout.slice(-8000);
  const kubectl = (args: string[], input?: string) =>
    run('kubectl', ['--kubeconfig', kubeconfig, '--request-timeout=30s', ...args], { ...process.env, HOME: work, KUBECONFIG: '' }, input);
  const kubectlOk = async (args: string[], input?: string) => {
    const r = await kubectl(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  /** Each of the project's containers: service → state and status ("running", "Up 3 seconds (healthy)"). */
  async function containers(): Promise<Map<string, { state: string; status: string }>> {
    const r = await run('docker', ['ps', '-a', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--format', '{{.Label "com.docker.compose.service"}}\t{{.State}}\t{{.Status}}'], process.env);
    return new Map(r.stdout.trim().split('\n').filter(Boolean).map((l) => {
      const [service, state, status] = l.split('\t') as [string, string, string];
      return [service, { state, status }];
    }));
  }
  /** Every service healthy and the one-shots exited 0. */
  async function allHealthy(what: string, timeoutMs: number): Promise<void> {
    let last = new Map<string, { state: string; status: string }>();
    await eventually(what, async () => {
      last = await containers();
      return ONE_SHOTS.every((s) => last.get(s)?.state === 'exited' && /^Exited \(0\)/.test(last.get(s)!.status)) &&
        SERVICES.every((s) => last.get(s)?.state === 'running' && /\(healthy\)/.test(last.get(s)!.status));
    }, timeoutMs, 1000).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${[...last].map(([s, c]) => `${s}: ${c.status}`).join('\n')}\n${await logs()}`);
    });
  }

  /**
   * Run a build and remove the image it untagged: on vfs every layer is a whole copy of the
   * filesystem, so a stale one per code change adds up fast. (One still in use stays.)
   */
  async function replacing(build: () => Promise<unknown>): Promise<void> {
    await withImageLock(async () => {
      const id = async () => (await run('docker', ['image', 'inspect', '-f', '{{.Id}}', IMAGE], process.env)).stdout.trim();
      const old = await id();
      await build();
      if (old && old !== (await id())) await run('docker', ['rmi', old], process.env);
    });
  }

  after(async () => {
    if (!skip) {
      // The workloads first, so the kubelets stop their pods; then the stack and its volumes.
      const pods = await kubectl(['get', 'pods', '-A', '-o', 'jsonpath={.items[*].metadata.uid}']).catch(() => undefined);
      for (const uid of pods?.stdout.split(/\s+/).filter(Boolean) ?? []) podUids.add(uid);
      await kubectl(['delete', 'deployments,services', '--all', '--wait=false']).catch(() => undefined);
      await compose(['down', '-v', '--remove-orphans', '--timeout', '5']).catch(() => undefined);
      for (const uid of podUids) {
        const ids = (await run('docker', ['ps', '-aq', '--filter', `label=io.jetkube.pod.uid=${uid}`], process.env)).stdout.split('\n').filter(Boolean);
        if (ids.length) await run('docker', ['rm', '-f', ...ids], process.env);
      }
      if (rootMounted) spawnSync('umount', ['-R', '-l', rootDir]);
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('the images: node base, jetkube, busybox, and the NATS and Postgres stand-ins, made from the host', { skip, timeout: 30 * 60_000 }, async (t) => {
    const d = (await dockerEngine()) as { docker: import('dockerode') };
    const nats = natsServer() as { bin: string; version: string };
    const pg = hostPostgres() as Exclude<ReturnType<typeof hostPostgres>, { missing: string }>;
    let start = Date.now();
    const made = [
      `${NODE_BASE_IMAGE} ${(await ensureNodeBaseImage(d.docker)) ? 'imported' : 'cached'}`,
      `${NATS_IMAGE} (${nats.version}) ${(await ensureNatsImage(d.docker, nats.bin, nats.version)) ? 'imported' : 'cached'}`,
      `${POSTGRES_IMAGE} (${pg.version}) ${(await ensurePostgresImage(d.docker, pg)) ? 'imported' : 'cached'}`,
    ];
    await importTestImage(d.docker);
    t.diagnostic(`${made.join(', ')}, ${TEST_IMAGE}: ${seconds(start)}`);

    // Every host port and address off its default; ports the system just had free.
    const port = async () => String(await testPort());
    env = composeEnv({
      JETKUBE_IMAGE: IMAGE,
      JETKUBE_BASE_IMAGE: NODE_BASE_IMAGE,
      JETKUBE_NATS_IMAGE: NATS_IMAGE,
      JETKUBE_POSTGRES_IMAGE: POSTGRES_IMAGE,
      JETKUBE_GATEWAY_PORT: await port(),
      JETKUBE_PROJECTOR_PORT: await port(),
      JETKUBE_CONTROLLER_MANAGER_PORT: await port(),
      JETKUBE_SCHEDULER_PORT: await port(),
      JETKUBE_DNS_HEALTH_PORT: await port(),
      JETKUBE_PROXY_PORT: await port(),
      JETKUBE_INGRESS_PORT: await port(),
      JETKUBE_INGRESS_HTTP_ADDR: `127.0.0.1:${await port()}`,
      JETKUBE_INGRESS_HTTPS_ADDR: `127.0.0.1:${await port()}`,
      JETKUBE_NODE1_KUBELET_PORT: await port(),
      JETKUBE_NODE2_KUBELET_PORT: await port(),
      // port 53 (pods' resolv.conf names no port) on a loopback address of its own
      JETKUBE_CLUSTER_DNS: `127.0.53.${2 + Math.floor(Math.random() * 250)}:53`,
      JETKUBE_NATS_PORT: await port(),
      JETKUBE_PG_PORT: await port(),
      JETKUBE_ROOT_DIR: rootDir,
      LOG_LEVEL: 'info',
    });
    // The kubelets' root directory, bound rshared: it must be on a shared mount (docker-compose.yml's header).
    mkdirSync(rootDir);
    for (const args of [['--bind', rootDir, rootDir], ['--make-rshared', rootDir]]) {
      const r = spawnSync('mount', args, { encoding: 'utf8' });
      assert.equal(r.status, 0, `mount ${args.join(' ')}: ${r.stderr}`);
      rootMounted = true;
    }
    start = Date.now();
    await replacing(() => must(['build']));
    t.diagnostic(`${cli.join(' ')} build: ${seconds(start)}`);
  });

  it('up -d with the host\'s NATS and Postgres on 4222 and 5432: init and stores-init exit 0, every service healthy', { skip, timeout: 10 * 60_000 }, async (t) => {
    const hostStores = [await listening(4222), await listening(5432)];
    const start = Date.now();
    await replacing(() => must(['up', '--build', '-d']));
    const upReturned = seconds(start);
    await allHealthy('every service healthy', 5 * 60_000);
    t.diagnostic(`${cli.join(' ')} up --build -d returned after ${upReturned}, all healthy after ${seconds(start)}`);
    assert.deepEqual([await listening(4222), await listening(5432)], hostStores, "the host's NATS and Postgres still answer where they did");
    assert.ok(await listening(Number(env.JETKUBE_NATS_PORT)), 'NATS published on JETKUBE_NATS_PORT');
    assert.ok(await listening(Number(env.JETKUBE_PG_PORT)), 'Postgres published on JETKUBE_PG_PORT');
  });

  it('the admin kubeconfig out with `exec -T gateway cat`; kubectl get nodes: node-1 and node-2 Ready', { skip, timeout: 3 * 60_000 }, async () => {
    const r = await must(['exec', '-T', 'gateway', 'cat', '/var/lib/jetkube-data/admin.kubeconfig']);
    writeFileSync(kubeconfig, r.stdout, { mode: 0o600 });
    const kc = parse(r.stdout) as { clusters: { cluster: { server: string } }[] };
    assert.equal(kc.clusters[0]!.cluster.server, `https://127.0.0.1:${env.JETKUBE_GATEWAY_PORT}`);
    const ready = await eventually('node-1 and node-2 Ready', async () => {
      const out = await kubectlOk(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
      const nodes = out.trim().split('\n').sort();
      return nodes.join(',') === 'node-1=True,node-2=True' && nodes;
    }, 60_000, 1000);
    assert.deepEqual(ready, ['node-1=True', 'node-2=True']);
  });

  it('a Deployment of the test image: its pods Running as the kubelets\' containers; its Service\'s cluster IP answers through the proxy, the cluster DNS names it', { skip, timeout: 4 * 60_000 }, async (t) => {
    const start = Date.now();
    const manifest = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: 'default' },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: 'web' } },
            template: {
              metadata: { labels: { app: 'web' } },
              spec: {
                terminationGracePeriodSeconds: 2,
                containers: [{
                  name: 'web',
                  image: TEST_IMAGE,
                  imagePullPolicy: 'Never',
                  command: ['sh', '-c', 'mkdir -p /www && echo "$POD_NAME" > /www/index.html && exec httpd -f -p "$POD_IP:8080" -h /www'],
                  env: [
                    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                  ],
                  ports: [{ name: 'http', containerPort: 8080 }],
                  readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
                }],
              },
            },
          },
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: 'default' },
          spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] },
        },
      ],
    };
    const applied = await kubectlOk(['apply', '-f', '-'], JSON.stringify(manifest));
    assert.match(applied, /deployment\.apps\/web created/);
    const pods = await eventually('2 pods Running and Ready', async () => {
      const out = JSON.parse(await kubectlOk(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as { items: any[] };
      for (const p of out.items) podUids.add(p.metadata.uid);
      const running = out.items.filter((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      return running.length === 2 && running;
    }, 120_000, 1000);
    t.diagnostic(`2 pods Running and Ready after ${seconds(start)} on ${pods.map((p) => p.spec.nodeName).sort().join(', ')}`);
    for (const p of pods) {
      assert.match(p.status.containerStatuses[0].containerID, /^docker:\/\//);
      const c = await run('docker', ['ps', '-q', '--filter', `label=io.jetkube.pod.uid=${p.metadata.uid}`, '--filter', 'status=running'], process.env);
      assert.ok(c.stdout.trim(), `${p.metadata.name}'s container runs on the engine`);
    }
    const ip = (await kubectlOk(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    assert.match(ip, /^127\.10\./);
    const names = new Set(pods.map((p) => p.metadata.name as string));
    const answer = await eventually(`http://${ip}/ answers`, async () => {
      const r = await fetch(`http://${ip}:80/`, { signal: AbortSignal.timeout(2000) });
      return r.ok && (await r.text()).trim();
    }, 30_000, 500);
    assert.ok(names.has(answer), `${answer} is one of ${[...names].join(', ')}`);
    // The cluster DNS (JETKUBE_CLUSTER_DNS) names it.
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([env.JETKUBE_CLUSTER_DNS!.replace(/:53$/, '')]);
    assert.deepEqual(await eventually('web.default.svc.cluster.local', () => resolver.resolve4('web.default.svc.cluster.local'), 30_000, 500), [ip]);
  });

  it('`exec projector jetkube replay` replays the stack\'s own prefix and refuses one without a projector checkpoint', { skip, timeout: 3 * 60_000 }, async (t) => {
    const start = Date.now();
    const own = await compose(['exec', '-T', 'projector', 'jetkube', 'replay']);
    assert.equal(own.code, 0, own.stderr);
    // Its summary alone: no JSON log lines although the container's LOG_LEVEL is info.
    const summary = /^replayed \d+ events up to sequence \d+ in [\d.]+ s into schema "(\w+)"$/.exec(own.stdout.trim());
    assert.equal(summary?.[1], schemaName('jetkube'), own.stdout);
    t.diagnostic(`${summary[0]} (exec: ${seconds(start)})`);
    const other = `nocheckpoint${RUN}`;
    const wrong = await compose(['exec', '-T', '-e', `JETKUBE_PREFIX=${other}`, 'projector', 'jetkube', 'replay']);
    assert.equal(wrong.code, 1, wrong.stdout);
    assert.match(wrong.stderr, new RegExp(`^error: no projector checkpoint in schema "${schemaName(other)}" of postgres://`, 'm'));
    // The cluster still answers from the replayed projections.
    assert.match(await kubectlOk(['get', 'deployment', 'web', '-o', 'name']), /^deployment\.apps\/web$/m);
  });

  it('`restart` of nats, postgres, projector and gateway keeps the cluster: the Deployment, its pods, a ConfigMap; writes go on', { skip, timeout: 6 * 60_000 }, async (t) => {
    await kubectlOk(['create', 'configmap', 'kept', '--from-literal=before=restart']);
    const before = (await kubectlOk(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.uid}'])).trim().split(' ').sort();
    const start = Date.now();
    await must(['restart', 'nats', 'postgres', 'projector', 'gateway']);
    await sleep(2000); // past the healthchecks' last answers from before the restart
    await allHealthy('every service healthy again', 4 * 60_000);
    t.diagnostic(`restart and healthy again: ${seconds(start)}`);
    const cm = await eventually('the ConfigMap', async () => JSON.parse(await kubectlOk(['get', 'configmap', 'kept', '-o', 'json'])) as { data: Record<string, string> }, 60_000, 1000);
    assert.deepEqual(cm.data, { before: 'restart' });
    await kubectlOk(['create', 'configmap', 'after', '--from-literal=after=restart']);
    assert.equal((await kubectlOk(['get', 'configmap', 'after', '-o', 'jsonpath={.data.after}'])), 'restart');
    const pods = await eventually('the same 2 pods Running', async () => {
      const out = JSON.parse(await kubectlOk(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as { items: any[] };
      const running = out.items.filter((p) => p.status?.phase === 'Running').map((p) => p.metadata.uid as string).sort();
      return running.length === 2 && running;
    }, 60_000, 1000);
    assert.deepEqual(pods, before, 'the pods from before the restart');
    const nodes = await kubectlOk(['get', 'nodes', '-o', 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}']);
    assert.equal(nodes.trim(), 'True True');
  });
});
