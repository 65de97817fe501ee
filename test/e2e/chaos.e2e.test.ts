/**
 * Issue 12's chaos test: two of every control-plane service as separate `jetkube` processes on a
 * PRIVATE nats-server and a PRIVATE PostgreSQL (both get killed; the shared ones never are): two
 * gateways, two projectors (one active on its advisory lock, one standby), two controller-managers
 * and two schedulers electing leaders on Leases, and a fake-runtime kubelet process with three
 * nodes. A Deployment rolls out new images, written through the two gateways alternately, while
 * the test SIGKILLs the controller-manager leader, the scheduler leader (found from the Lease's
 * holderIdentity and each process's /readyz role), the gateway the controller-manager leader writes
 * through and the active projector, and kills and restarts NATS and Postgres under a load of
 * ConfigMap writes. A supervisor restarts every
 * process that exits, as systemd or a kubelet would. Then:
 *
 *  - the last rollout completes: every replica updated, ready and available, only the newest
 *    ReplicaSet has pods;
 *  - no duplicate pod: every ReplicaSet created at most as many pods as it was ever asked for
 *    (rollouts only grow a new ReplicaSet and only shrink old ones, and nothing else deletes pods,
 *    so one more is a pod created twice for one expectation); one ReplicaSet per template; every
 *    pod ever created has a controller ownerReference to a ReplicaSet that exists; the sum of the
 *    ReplicaSets' replicas never exceeds replicas + maxSurge;
 *  - the standby took over within 3 × the lease duration of each leader's SIGKILL (the measured
 *    times are printed), and a gateway kept dead longer than the renew deadline changed no leader
 *    (every client is given both gateways and moves to the live one);
 *  - every acknowledged write (201 or 200) is in the stream at its resourceVersion;
 *  - the projections equal the stream: for every resource subject, the row in its table exists iff
 *    the subject's last message is not a DELETED, with that message's sequence as resource_version;
 *    no other rows; the events mirror holds exactly the stream's resource messages.
 *
 * CHAOS_ROUNDS (default 1) rollouts with chaos, or CHAOS_SECONDS of them; CHAOS_REPLICAS (default
 * 40). `npm run chaos` is the long version.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../shared/config.js';
import { resourceByPlural } from '../../shared/resources/registry.js';
import { parseResourceSubject } from '../../shared/eventlog/index.js';
import { streamEvents, uniquePrefix } from '../harness.js';
import { freePort, hasNatsServer, kill as killNats, startNats } from '../private-nats.js';
import { hasPostgres, startPostgres, type PrivatePostgres } from '../private-postgres.js';
import { api } from '../stack.js';
import { eventually, sleep } from '../wait.js';
import { JETKUBE } from './cli.js';

const ROUNDS = Number(process.env.CHAOS_ROUNDS || 1);
const SECONDS = Number(process.env.CHAOS_SECONDS || 0);
const REPLICAS = Number(process.env.CHAOS_REPLICAS || 40);
const SURGE = Math.ceil(REPLICAS / 4); // maxSurge 25% rounds up
/** Lease duration; the renew deadline is 3/4 of it (6 s gives a loaded 2-core machine room to renew through the other gateway). */
const LEASE_MS = Number(process.env.CHAOS_LEASE_MS || 6000);
const NODES = 3;
const NS = '/apis/apps/v1/namespaces/default';
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases';

// ------------------------------------------------------------------ supervised processes

interface Proc {
  readonly name: string;
  readonly args: string[];
  readonly env: NodeJS.ProcessEnv;
  /** Health/ready endpoint base (undefined: none we know of). */
  readonly url: string | undefined;
  child: ChildProcess | undefined;
  out: string;
  /** Exits we did not cause (a SIGKILL of ours is not one). */
  unexpected: { code: number | null; signal: string | null; at: number; tail: string }[];
  starts: number;
  killedByUs: boolean;
  downMs: number;
}

class Supervisor {
  readonly procs: Proc[] = [];
  private stopping = false;

  add(name: string, args: string[], env: NodeJS.ProcessEnv, url: string | undefined): Proc {
    const p: Proc = { name, args, env, url, child: undefined, out: '', unexpected: [], starts: 0, killedByUs: false, downMs: 0 };
    this.procs.push(p);
    this.spawn(p);
    return p;
  }

  private spawn(p: Proc): void {
    const child = spawn(process.execPath, [JETKUBE, ...p.args], { env: p.env, stdio: ['ignore', 'pipe', 'pipe'] });
    p.child = child;
    p.starts++;
    p.killedByUs = false;
    p.downMs = 0;
    const keep = (d: Buffer) => (p.out = (p.out + d.toString()).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      if (!p.killedByUs) p.unexpected.push({ code, signal, at: Date.now(), tail: p.out.slice(process.env.CHAOS_VERBOSE ? -10_000 : -1500) });
      // A supervisor's restart: a fresh process (for an elected service, a fresh candidate).
      setTimeout(() => {
        if (!this.stopping && p.child === child) this.spawn(p);
      }, 300 + p.downMs);
    });
  }

  /** SIGKILL; the supervisor starts it again (after `downMs` more). */
  kill(p: Proc, downMs = 0): void {
    p.killedByUs = true;
    p.downMs = downMs;
    p.child?.kill('SIGKILL');
  }

  /** SIGTERM these (the rest keep running), SIGKILL after 10 s. */
  async stop(which: Proc[]): Promise<void> {
    await Promise.all(
      which.map(async (p) => {
        const c = p.child;
        p.child = undefined; // no restart
        if (!c || c.exitCode !== null || c.signalCode !== null) return;
        p.killedByUs = true;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }),
    );
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.procs.map(async (p) => {
        const c = p.child;
        if (!c || c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await exited;
      }),
    );
  }
}

/** The reason in a service's last log lines: its 'stopped leading' reason, else its last error message. */
function whyExited(tail: string): string {
  const lines = tail.split('\n').filter(Boolean);
  for (const l of lines.reverse()) {
    const m = /"reason":"([^"]+)"/.exec(l) ?? /"msg":"([^"]+)"/.exec(l);
    if (m) return m[1]!;
  }
  return lines[0]?.slice(0, 200) ?? 'no output';
}

async function readyz(p: Proc): Promise<{ status: number; body: any } | undefined> {
  try {
    const r = await fetch(`${p.url}/readyz`, { signal: AbortSignal.timeout(2000) });
    const text = await r.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* text */
    }
    return { status: r.status, body };
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------ the test

describe('chaos: two of every control-plane service, leaders SIGKILLed during rollouts, NATS and Postgres restarted under load', {
  skip: !hasNatsServer ? 'nats-server is not installed' : !hasPostgres ? 'PostgreSQL binaries are not installed' : false,
  timeout: SECONDS ? (SECONDS + 600) * 1000 : (ROUNDS * 120 + 240) * 1000,
}, () => {
  let dir: string;
  let natsPort: number;
  let natsDir: string;
  let nats: ChildProcess | undefined;
  let postgres: PrivatePostgres | undefined;
  let cfg: Config;
  const sup = new Supervisor();
  const gw: Proc[] = [];
  const projectors: Proc[] = [];
  const cms: Proc[] = [];
  const scheds: Proc[] = [];
  let kubelet: Proc;
  let gwUrls: string[] = [];
  let turn = 0;
  /** The next gateway, alternately. */
  const nextGw = () => gwUrls[turn++ % gwUrls.length]!;
  /** A request through the gateways alternately, retried (through the other one) until it answers something other than 5xx or a network error. */
  const call = async (method: string, path: string, body?: unknown, type?: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await api(nextGw(), method, path, body, type).catch(() => undefined);
      if (r && r.status < 500) return r;
      if (Date.now() > deadline) throw new Error(`${method} ${path}: ${r ? `${r.status} ${JSON.stringify(r.body)}` : 'no answer'}`);
      await sleep(200);
    }
  };

  /** Acknowledged writes: resourceVersion → subject they must have. */
  const acked: { rv: number; plural: string; name: string }[] = [];
  const figures = {
    cmTakeoverMs: [] as number[],
    schedTakeoverMs: [] as number[],
    projectorTakeoverMs: [] as number[],
    natsRestarts: 0,
    postgresRestarts: 0,
    gatewayKills: 0,
    /** Leases whose holder changed across a gateway's SIGKILL (0: the clients failed over). */
    leaderChangesOnGatewayKill: 0,
    writes: { ok: 0, failed: 0 },
    rollouts: 0,
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jk-chaos-'));
    chmodSync(dir, 0o755);
    natsDir = join(dir, 'nats');
    mkdirSync(natsDir);
    natsPort = await freePort();
    nats = await startNats(natsPort, natsDir);
    const pgDir = join(dir, 'pg');
    mkdirSync(pgDir);
    postgres = await startPostgres(await freePort(), pgDir);
    cfg = loadConfig({ NATS_URL: `nats://127.0.0.1:${natsPort}`, DATABASE_URL: postgres.url, JETKUBE_HISTORY: '0' }, { prefix: uniquePrefix('chaos') });
    const base: NodeJS.ProcessEnv = {
      ...process.env,
      NATS_URL: cfg.natsUrl,
      DATABASE_URL: cfg.databaseUrl,
      JETKUBE_PREFIX: cfg.prefix,
      JETKUBE_DATA_DIR: join(dir, 'data'), // the cluster CA, shared by both controller-managers
      JETKUBE_HISTORY: '0', // keep every message: the checks read each pod's creation
      JETKUBE_AUTH: 'off', // plain-HTTP gateways, and components run alone without kubeconfigs: this test is about failover
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.LOG_LEVEL || (process.env.CHAOS_VERBOSE ? 'info' : 'warn'),
      LEADER_ELECT_LEASE_DURATION: `${LEASE_MS}ms`,
      LEADER_ELECT_RENEW_DEADLINE: `${Math.round(LEASE_MS * 0.75)}ms`,
      LEADER_ELECT_RETRY_PERIOD: '500ms',
    };
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      projectors.push(sup.add(`projector-${i + 1}`, ['projector'], { ...base, PROJECTOR_PORT: String(port) }, `http://127.0.0.1:${port}`));
    }
    await eventually('a projector active', async () => (await Promise.all(projectors.map(readyz))).some((r) => r?.body?.role === 'active'), 60_000);
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      gw.push(sup.add(`gateway-${i + 1}`, ['gateway'], { ...base, PORT: String(port) }, `http://127.0.0.1:${port}`));
    }
    gwUrls = gw.map((g) => g.url!);
    // Each client knows both gateways (its own first) and moves to the other when one is down.
    const gatewayList = (i: number) => [gwUrls[i]!, gwUrls[1 - i]!].join(',');
    await eventually('both gateways ready', async () => (await Promise.all(gw.map(readyz))).every((r) => r?.status === 200), 60_000);
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      cms.push(sup.add(`controller-manager-${i + 1}`, ['controller-manager'], { ...base, CONTROLLER_MANAGER_PORT: String(port), GATEWAY_URL: gatewayList(i) }, `http://127.0.0.1:${port}`));
    }
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      scheds.push(sup.add(`scheduler-${i + 1}`, ['scheduler'], { ...base, SCHEDULER_PORT: String(port), GATEWAY_URL: gatewayList(i) }, `http://127.0.0.1:${port}`));
    }
    kubelet = sup.add(
      'kubelet',
      ['kubelet', '--nodes', String(NODES), '--runtime', 'fake'],
      { ...base, NODE_NAME: 'chaos', KUBELET_PORT: '0', KUBELET_ROOT_DIR: join(dir, 'kubelet', 'chaos'), GATEWAY_URL: gatewayList(0), KUBELET_RELIST_MS: '200' },
      undefined,
    );
    await eventually('a controller-manager and a scheduler lead', async () => {
      const roles = await Promise.all([...cms, ...scheds].map(readyz));
      return roles.slice(0, 2).some((r) => r?.body?.leaderElection === 'leader') && roles.slice(2).some((r) => r?.body?.leaderElection === 'leader');
    }, 60_000);
    await eventually(`${NODES} Ready nodes`, async () => {
      const r = await call('GET', '/api/v1/nodes');
      return r.body.items.filter((n: any) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).length === NODES;
    }, 60_000);
  });

  after(async () => {
    await sup.stopAll().catch(() => undefined);
    if (nats) await killNats(nats).catch(() => undefined);
    await postgres?.stop().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // ---------------------------------------------------------------- chaos actions

  const leaseHolder = async (name: string): Promise<string | undefined> => {
    for (const u of gwUrls) {
      const r = await api(u, 'GET', `${LEASES}/${name}`).catch(() => undefined);
      if (r?.status === 200) return r.body.spec?.holderIdentity ?? '';
    }
    return undefined;
  };

  /** SIGKILL the leader of `lease` among `procs`; resolves with the ms until another identity holds the Lease. */
  const killLeader = async (what: string, lease: string, procs: Proc[]): Promise<number> => {
    const [holder, leader] = await eventually(`${what} leader`, async () => {
      const h = await leaseHolder(lease);
      const roles = await Promise.all(procs.map(readyz));
      const i = roles.findIndex((r) => r?.body?.leaderElection === 'leader');
      return h && i >= 0 ? ([h, procs[i]!] as const) : undefined;
    }, 60_000);
    const t0 = Date.now();
    sup.kill(leader);
    const next = await eventually(`${what} takeover`, async () => {
      const h = await leaseHolder(lease);
      return h && h !== holder ? h : undefined;
    }, 10 * LEASE_MS, 50);
    const ms = Date.now() - t0;
    console.log(`# ${what}: SIGKILLed leader ${leader.name} (${holder.slice(-8)}) at ${new Date(t0).toISOString()}; ${next.slice(-8)} took the Lease after ${ms} ms (lease ${LEASE_MS} ms)`);
    return ms;
  };

  const killProjector = async (): Promise<number> => {
    const active = await eventually('the active projector', async () => {
      const roles = await Promise.all(projectors.map(readyz));
      const i = roles.findIndex((r) => r?.body?.role === 'active');
      return i >= 0 ? projectors[i]! : undefined;
    }, 60_000);
    const t0 = Date.now();
    sup.kill(active);
    const other = projectors.find((p) => p !== active)!;
    await eventually('the standby projector active', async () => (await readyz(other))?.body?.role === 'active', 60_000, 50);
    const ms = Date.now() - t0;
    console.log(`# projector: SIGKILLed the active ${active.name}; ${other.name} active after ${ms} ms`);
    return ms;
  };

  /**
   * SIGKILL the gateway the controller-manager leader writes through, and keep it down for a lease
   * duration (longer than the renew deadline): its clients move to the other one, so no leader changes.
   */
  const killGateway = async () => {
    const leases = ['kube-controller-manager', 'kube-scheduler'];
    const before = await Promise.all(leases.map(leaseHolder));
    const roles = await Promise.all(cms.map(readyz));
    const i = Math.max(0, roles.findIndex((r) => r?.body?.leaderElection === 'leader'));
    const t0 = Date.now();
    sup.kill(gw[i]!, LEASE_MS);
    figures.gatewayKills++;
    await eventually(`${gw[i]!.name} back`, async () => (await readyz(gw[i]!))?.status === 200, 60_000);
    const back = Date.now() - t0;
    await sleep(Math.max(0, t0 + 3500 - Date.now()));
    const afterKill = await Promise.all(leases.map(leaseHolder));
    console.log(`# ${gw[i]!.name}: SIGKILLed, ready again after ${back} ms; leaders ${before.map((h) => h?.slice(-8)).join(', ')} → ${afterKill.map((h) => h?.slice(-8)).join(', ')}`);
    figures.leaderChangesOnGatewayKill += leases.filter((_, k) => before[k] && afterKill[k] !== before[k]).length;
  };

  const restartNats = async () => {
    const t0 = Date.now();
    await killNats(nats!);
    await sleep(700);
    nats = await startNats(natsPort, natsDir);
    figures.natsRestarts++;
    await eventually('gateways ready after the NATS restart', async () => (await Promise.all(gw.map(readyz))).every((r) => r?.status === 200), 60_000);
    console.log(`# nats-server: SIGKILLed and restarted; gateways ready again after ${Date.now() - t0} ms`);
  };

  const restartPostgres = async () => {
    const t0 = Date.now();
    await postgres!.crash();
    await sleep(700);
    await postgres!.start();
    figures.postgresRestarts++;
    await eventually('gateways ready after the Postgres restart', async () => (await Promise.all(gw.map(readyz))).every((r) => r?.status === 200), 60_000);
    console.log(`# postgres: SIGKILLed (every backend) and restarted; gateways ready again after ${Date.now() - t0} ms`);
  };

  // ---------------------------------------------------------------- load and rollouts

  let image = 0;
  const setImage = async () => {
    image++;
    const r = await call('PATCH', `${NS}/deployments/web`, { spec: { template: { spec: { containers: [{ name: 'main', image: `chaos:${image}` }] } } } }, 'application/strategic-merge-patch+json');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    acked.push({ rv: Number(r.body.metadata.resourceVersion), plural: 'deployments', name: 'web' });
    figures.rollouts++;
  };

  const rolledOut = async (): Promise<boolean> => {
    const d = (await call('GET', `${NS}/deployments/web`)).body;
    if (d.status?.observedGeneration !== d.metadata.generation) return false;
    if (d.status?.updatedReplicas !== REPLICAS || d.status?.readyReplicas !== REPLICAS || d.status?.availableReplicas !== REPLICAS || d.status?.replicas !== REPLICAS) return false;
    const pods = (await call('GET', '/api/v1/namespaces/default/pods')).body.items as any[];
    const live = pods.filter((p) => !p.metadata.deletionTimestamp);
    return pods.length === REPLICAS && live.every((p) => p.spec.containers[0].image === `chaos:${image}` && p.spec.nodeName && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
  };

  /** ConfigMap writes through both gateways while everything happens. */
  const startWriters = () => {
    let stop = false;
    let n = 0;
    const loops = Array.from({ length: 2 }, async (_, w) => {
      while (!stop) {
        const name = `w-${w}-${n++}`;
        const r = await api(gwUrls[(w + n) % 2]!, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: String(n) } }).catch(() => undefined);
        if (r?.status === 201) {
          figures.writes.ok++;
          acked.push({ rv: Number(r.body.metadata.resourceVersion), plural: 'configmaps', name });
        } else {
          figures.writes.failed++;
          if (r && r.status < 500) assert.fail(`a write answered ${r.status}: ${JSON.stringify(r.body)}`);
          await sleep(100);
        }
        await sleep(50);
      }
    });
    return async () => {
      stop = true;
      await Promise.all(loops);
    };
  };

  it(`rolls out ${REPLICAS} replicas while leaders, a gateway, the projector, NATS and Postgres die`, async () => {
    const t0 = Date.now();
    image = 1;
    const mk = await call('POST', `${NS}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: REPLICAS,
        minReadySeconds: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image: 'chaos:1' }] } },
      },
    });
    assert.equal(mk.status, 201, JSON.stringify(mk.body));
    acked.push({ rv: Number(mk.body.metadata.resourceVersion), plural: 'deployments', name: 'web' });
    await eventually('the first rollout', rolledOut, 120_000, 250);
    console.log(`# first rollout of ${REPLICAS} pods done in ${Date.now() - t0} ms`);

    const stopWriters = startWriters();
    try {
      const started = Date.now();
      for (let round = 1; SECONDS ? Date.now() - started < SECONDS * 1000 : round <= ROUNDS; round++) {
        const tr = Date.now();
        await setImage();
        // The full set in the first round; later rounds pick three at random.
        const actions: (() => Promise<void>)[] = [
          async () => void figures.cmTakeoverMs.push(await killLeader('controller-manager', 'kube-controller-manager', cms)),
          async () => void figures.schedTakeoverMs.push(await killLeader('scheduler', 'kube-scheduler', scheds)),
          killGateway,
          async () => void figures.projectorTakeoverMs.push(await killProjector()),
          restartNats,
          restartPostgres,
        ];
        const chosen = round === 1 ? actions : actions.sort(() => Math.random() - 0.5).slice(0, 3);
        for (const act of chosen) {
          await sleep(500);
          await act();
          // Keep a rollout going while the chaos lasts.
          if (await rolledOut().catch(() => false)) await setImage();
        }
        await eventually(`rollout of chaos:${image}`, rolledOut, 180_000, 250);
        console.log(`# round ${round}: ${chosen.length} faults, rolled out chaos:${image} in ${Date.now() - tr} ms`);
      }
    } finally {
      await stopWriters();
    }
    console.log(`# chaos phase done after ${Date.now() - t0} ms`);
  });

  it('left no duplicate pod, a valid owner for every pod, and replicasets within replicas + maxSurge', async () => {
    // Let the projections settle: stop every writer of the log but the projectors, then wait for the checkpoint.
    await sup.stop([kubelet, ...cms, ...scheds, ...gw]);
    const events = await streamEvents(cfg);
    const root = cfg.prefix;
    const rsCreated = new Map<string, { name: string; hash: string }>();
    const rsMaxDesired = new Map<string, number>();
    const rsDesired = new Map<string, number>();
    const podsCreated = new Map<string, number>();
    let maxSum = 0;
    let podAdds = 0;
    const badOwners: string[] = [];
    for (const e of events) {
      const s = parseResourceSubject(root, e.subject);
      if (!s) continue;
      const o = e.object as any;
      if (s.plural === 'replicasets') {
        if (e.type === 'ADDED') rsCreated.set(o.metadata.uid, { name: o.metadata.name, hash: o.metadata.labels?.['pod-template-hash'] });
        const want = e.type === 'DELETED' ? 0 : (o.spec?.replicas ?? 0);
        rsDesired.set(o.metadata.uid, want);
        rsMaxDesired.set(o.metadata.uid, Math.max(rsMaxDesired.get(o.metadata.uid) ?? 0, want));
        maxSum = Math.max(maxSum, [...rsDesired.values()].reduce((a, b) => a + b, 0));
      }
      if (s.plural === 'pods' && e.type === 'ADDED') {
        podAdds++;
        const owner = o.metadata.ownerReferences?.find((r: any) => r.controller === true);
        if (!owner || owner.kind !== 'ReplicaSet' || !rsCreated.has(owner.uid) || rsCreated.get(owner.uid)!.name !== owner.name) badOwners.push(o.metadata.name);
        else podsCreated.set(owner.uid, (podsCreated.get(owner.uid) ?? 0) + 1);
      }
    }
    const perRs = [...rsCreated].map(([uid, r]) => ({ rs: r.name, created: podsCreated.get(uid) ?? 0, maxDesired: rsMaxDesired.get(uid) ?? 0 }));
    console.log(`# ${events.length} messages; ${rsCreated.size} replicasets, ${podAdds} pods created: ${perRs.map((r) => `${r.rs} ${r.created}/${r.maxDesired}`).join(', ')}`);
    console.log(`# most replicas asked of the replicasets at once: ${maxSum} (replicas ${REPLICAS} + maxSurge ${SURGE})`);
    assert.deepEqual(badOwners, [], 'every pod has a controller ownerReference to a ReplicaSet that exists');
    const dups = perRs.filter((r) => r.created > r.maxDesired);
    assert.deepEqual(dups, [], 'no ReplicaSet created more pods than it was ever asked for');
    assert.equal(new Set([...rsCreated.values()].map((r) => r.hash)).size, rsCreated.size, 'one ReplicaSet per template');
    assert.equal(rsCreated.size, image, 'one ReplicaSet per image rolled out');
    assert.ok(maxSum <= REPLICAS + SURGE, `replicasets asked for ${maxSum} > ${REPLICAS} + ${SURGE}`);
  });

  it('handed leadership over within 3 × the lease duration, and kept it while a gateway died', () => {
    console.log(`# takeovers (ms): controller-manager ${figures.cmTakeoverMs.join(', ')}; scheduler ${figures.schedTakeoverMs.join(', ')}; projector ${figures.projectorTakeoverMs.join(', ')}`);
    assert.ok(figures.cmTakeoverMs.length > 0 && figures.schedTakeoverMs.length > 0, 'leaders were killed');
    for (const ms of [...figures.cmTakeoverMs, ...figures.schedTakeoverMs]) assert.ok(ms <= 3 * LEASE_MS, `takeover after ${ms} ms > 3 × ${LEASE_MS} ms`);
    assert.equal(figures.leaderChangesOnGatewayKill, 0, 'a gateway SIGKILL changed no leader (its clients moved to the other gateway)');
  });

  it('kept every acknowledged write, and the projections equal the stream', async () => {
    console.log(`# writes: ${figures.writes.ok} acknowledged, ${figures.writes.failed} failed (5xx or no answer); ${figures.rollouts} image changes; ${figures.natsRestarts} NATS and ${figures.postgresRestarts} Postgres restarts, ${figures.gatewayKills} gateway kills`);
    for (const p of sup.procs) console.log(`# ${p.name}: started ${p.starts}×, ${p.unexpected.length} exits of its own${p.unexpected.length ? ` (${p.unexpected.map((u) => `${u.code ?? u.signal}: ${whyExited(u.tail)}`).join('; ')})` : ''}`);
    if (process.env.CHAOS_VERBOSE) for (const p of sup.procs) for (const u of p.unexpected) console.log(`# ${p.name} exited ${u.code ?? u.signal}:\n${u.tail.replace(/^/gm, '#   ')}`);
    const events = await streamEvents(cfg);
    const bySeq = new Map(events.map((e) => [e.seq, e]));
    const lost = acked.filter((a) => {
      const e = bySeq.get(a.rv);
      const s = e && parseResourceSubject(cfg.prefix, e.subject);
      return !s || s.plural !== a.plural || s.name !== a.name;
    });
    assert.deepEqual(lost, [], 'every acknowledged write is in the stream at its resourceVersion');

    const lastSeq = events.reduce((m, e) => Math.max(m, e.seq), 0);
    const db = new pg.Client({ connectionString: cfg.databaseUrl });
    await db.connect();
    try {
      const schema = `"${cfg.prefix}"`;
      await eventually('the projector caught up with the stream', async () => {
        const r = await db.query(`select last_seq from ${schema}.checkpoint`);
        return Number(r.rows[0]?.last_seq) >= lastSeq;
      }, 60_000, 200);
      await sup.stop(projectors);
      // The stream's view: the last message per resource subject.
      const last = new Map<string, (typeof events)[number]>();
      const resourceSeqs: number[] = [];
      for (const e of events) {
        const s = parseResourceSubject(cfg.prefix, e.subject);
        if (!s || !resourceByPlural(s.plural)) continue;
        last.set(e.subject, e);
        resourceSeqs.push(e.seq);
      }
      const want = new Map<string, Map<string, number>>(); // table → ns/name → rv
      for (const [subject, e] of last) {
        const s = parseResourceSubject(cfg.prefix, subject)!;
        const table = resourceByPlural(s.plural)!.table;
        if (!want.has(table)) want.set(table, new Map());
        if (e.type !== 'DELETED') want.get(table)!.set(`${s.namespace}/${s.name}`, e.seq);
      }
      const mismatches: string[] = [];
      let rows = 0;
      for (const table of new Set([...want.keys(), ...['pods', 'replicasets', 'deployments', 'configmaps', 'leases', 'nodes']])) {
        const got = new Map<string, number>();
        for (const r of (await db.query(`select coalesce(namespace, '') as ns, name, resource_version from ${schema}.${table}`)).rows) got.set(`${r.ns}/${r.name}`, Number(r.resource_version));
        rows += got.size;
        const exp = want.get(table) ?? new Map<string, number>();
        for (const [k, rv] of exp) if (got.get(k) !== rv) mismatches.push(`${table} ${k}: stream ${rv}, projection ${got.get(k) ?? 'missing'}`);
        for (const [k, rv] of got) if (!exp.has(k)) mismatches.push(`${table} ${k}: projection ${rv}, not in the stream`);
      }
      console.log(`# projections: ${rows} rows in ${want.size} tables checked against ${last.size} subjects (${events.length} messages, last ${lastSeq})`);
      assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} rows differ from the stream`);
      const mirror = (await db.query(`select sequence from ${schema}.events order by sequence`)).rows.map((r) => Number(r.sequence));
      const inMirror = new Set(mirror);
      const missing = resourceSeqs.filter((s) => !inMirror.has(s));
      assert.equal(missing.length, 0, `events mirror lacks ${missing.length} of the stream's messages, e.g. ${missing.slice(0, 5)}`);
      assert.equal(mirror.length, resourceSeqs.length, 'the events mirror holds each of the stream messages once');
    } finally {
      await db.end();
    }
  });
});
