/**
 * bench:jobs — issue 13's batch figures, every service in its own process as in bench:scale, on fake
 * nodes (the fake runtime exits a container whose command is `true` with 0, 100 ms after it started):
 *
 *  A. BENCH_JOBS (1,000) bare pods POSTed through the gateway, 16 in flight (a scheduler name no
 *     scheduler serves, so nothing else happens to them): the raw create rate; then BENCH_JOBS Jobs
 *     (completions 1, one `true` pod each), 16 in flight, on BENCH_JOB_NODES (20) fake nodes: first
 *     POST → every Job Complete (seen on a watch) → Jobs/s, next to the raw rate.
 *  B. `jetkube kubelet --nodes BENCH_NODES (1,000) --runtime fake`: every node Ready, then a
 *     DaemonSet selecting those nodes: POST → status numberReady == desiredNumberScheduled == nodes.
 *
 * Isolated: its own JETKUBE_PREFIX and ports; stream, schema and processes are removed at the end
 * (also on failure and Ctrl-C). BENCH_TIMEOUT_S (900) bounds each wait.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../shared/config.js';
import { dropPrefix, uniquePrefix } from '../test/harness.js';
import { envFor, JETKUBE } from '../test/e2e/cli.js';
import { printTable } from './report.js';

const JOBS = Number(process.env.BENCH_JOBS || 1000);
const JOB_NODES = Number(process.env.BENCH_JOB_NODES || 20);
const NODES = Number(process.env.BENCH_NODES || 1000);
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S || 900);
const IN_FLIGHT = 16;

const basePort = 23000 + Math.floor(Math.random() * 5000) * 4;
const prefix = uniquePrefix('jobs');
const cfg = loadConfig({ ...process.env, JETKUBE_PREFIX: prefix, PORT: String(basePort), LOG_LEVEL: 'warn' });
const base = `http://127.0.0.1:${basePort}`;
const log = (msg: string) => process.stderr.write(`[jobs ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------ processes

interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  relists: number;
  errors: number;
  tail: string[];
  peakRss: number;
  rss: number;
  /** User + system CPU seconds so far. */
  cpu: number;
}
const procs: Proc[] = [];

function startProc(name: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, [JETKUBE, ...args], { env: { ...envFor(cfg), LEADER_ELECT: 'false', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = { name, child, relists: 0, errors: 0, tail: [], peakRss: 0, rss: 0, cpu: 0 };
  let buf = '';
  const onData = (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      // The informers' relist messages: "stream was reset; relisting", "… compacted; relisting".
      if (line.includes('relisting')) p.relists++;
      if (line.includes('"level":50') || line.includes('"level":60')) p.errors++;
      p.tail.push(line.slice(0, 400));
      if (p.tail.length > 20) p.tail.shift();
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  procs.push(p);
  return p;
}

function rssOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function cpuOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

function sampleRss(): void {
  for (const p of procs) {
    const cpu = cpuOf(p.child.pid);
    if (cpu) p.cpu = cpu;
    p.rss = rssOf(p.child.pid);
    p.peakRss = Math.max(p.peakRss, p.rss);
  }
}

async function waitReady(url: string, p: Proc, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited ${p.child.exitCode}:\n${p.tail.join('\n')}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not yet */
    }
    await sleep(200);
  }
  throw new Error(`${p.name} not ready at ${url}:\n${p.tail.join('\n')}`);
}

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all(
      procs.map(async (p) => {
        if (p.child.exitCode !== null || p.child.signalCode !== null) return;
        const exited = new Promise((r) => p.child.once('exit', r));
        p.child.kill('SIGTERM');
        const t = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      }),
    );
    await dropPrefix(cfg).catch((e) => log(`dropping prefix ${prefix} failed: ${String(e)}`));
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    log(`${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ------------------------------------------------------------------------------------ HTTP

async function req(method: string, path: string, body?: unknown): Promise<any> {
  for (let attempt = 0; ; attempt++) {
    const r = await fetch(base + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (r.ok) return await r.json();
    const text = await r.text();
    // Overload answers (429/503) are retried, as client-go does.
    if ((r.status === 429 || r.status === 503 || r.status === 504) && attempt < 20) {
      await sleep(200 * (attempt + 1));
      continue;
    }
    throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
  }
}

/** Run `fn` over 0..n-1 with `inFlight` at a time. */
async function pool(n: number, inFlight: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, async () => {
    for (let i = next++; i < n; i = next++) await fn(i);
  }));
}

/**
 * A watch through the gateway; `onLine` gets each raw event line (the caller decides how much of
 * it to parse). Ends when `signal` aborts.
 */
function watch(path: string, signal: AbortSignal, onLine: (line: string, at: number) => void): Promise<void> {
  return (async () => {
    const res = await fetch(base + path, { signal });
    if (!res.ok) throw new Error(`watch ${path}: ${res.status}`);
    const dec = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const at = Date.now();
      buf += dec.decode(chunk, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i), at);
        buf = buf.slice(i + 1);
      }
    }
  })().catch((e) => {
    if (!signal.aborted) log(`watch ${path} ended: ${String(e)}`);
  });
}



// ------------------------------------------------------------------------------------ the run

const fmtMB = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const isTrue = (conds: any[] | undefined, type: string) => !!conds?.some((c) => c.type === type && c.status === 'True');

/** Resolves when `done()` holds after a watch event, or rejects after TIMEOUT_S. */
function until(what: string, done: () => boolean, progress: () => string): { wait: Promise<number>; check: (at: number) => void } {
  let resolve: (at: number) => void = () => undefined;
  let fired = false;
  const wait = new Promise<number>((r, rej) => {
    resolve = r;
    const t = setTimeout(() => rej(new Error(`timed out after ${TIMEOUT_S} s waiting for ${what}: ${progress()}`)), TIMEOUT_S * 1000);
    t.unref();
  });
  const timer = setInterval(() => log(`${what}: ${progress()}`), 10_000);
  void wait.finally(() => clearInterval(timer)).catch(() => undefined);
  return {
    wait,
    check: (at) => {
      if (!fired && done()) {
        fired = true;
        resolve(at);
      }
    },
  };
}

/** Counts Ready nodes carrying label bench/pool=`pool` (a watch from before they start). */
async function nodeWatch(ctl: AbortController, pool: string, n: number) {
  const list = await req('GET', '/api/v1/nodes');
  const ready = new Set<string>();
  const u = until(`${pool} nodes Ready`, () => ready.size >= n, () => `${ready.size}/${n}`);
  void watch(`/api/v1/nodes?watch=true&labelSelector=${encodeURIComponent(`bench/pool=${pool}`)}&resourceVersion=${list.metadata.resourceVersion}`, ctl.signal, (line, at) => {
    const ev = JSON.parse(line);
    const node = ev.object;
    if (ev.type !== 'DELETED' && isTrue(node?.status?.conditions, 'Ready')) ready.add(node.metadata.name);
    else ready.delete(node?.metadata?.name);
    u.check(at);
  });
  return u.wait;
}

async function main(): Promise<void> {
  log(`prefix ${prefix}, gateway ${base}: ${JOBS} pods / Jobs on ${JOB_NODES} fake nodes, a DaemonSet on ${NODES} fake nodes`);
  const rssTimer = setInterval(sampleRss, 1000);
  const ctl = new AbortController();
  try {
    const projector = startProc('projector', ['projector'], { PROJECTOR_PORT: String(basePort + 1) });
    const gateway = startProc('gateway', ['gateway'], {});
    await waitReady(`${base}/readyz`, gateway);
    await waitReady(`http://127.0.0.1:${basePort + 1}/readyz`, projector);
    const cm = startProc('controller-manager', ['controller-manager'], { CONTROLLER_MANAGER_PORT: String(basePort + 2) });
    const sched = startProc('scheduler', ['scheduler'], { SCHEDULER_PORT: String(basePort + 3) });
    await Promise.all([waitReady(`http://127.0.0.1:${basePort + 2}/readyz`, cm), waitReady(`http://127.0.0.1:${basePort + 3}/readyz`, sched)]);

    // ---------------------------------------------------------------- A: raw pods, then Jobs
    const jobNodesReady = nodeWatch(ctl, 'jobs', JOB_NODES);
    const tJobNodes = Date.now();
    startProc('kubelet-jobs', ['kubelet', '--nodes', String(JOB_NODES), '--runtime', 'fake', '--node-name', 'jobs'], {
      KUBELET_PORT: '0',
      GATEWAY_URL: base,
      NODE_LABELS: 'bench/pool=jobs',
      KUBELET_ROOT_DIR: `/tmp/jetkube-${prefix}/jobs`,
    });
    const jobNodesS = ((await jobNodesReady) - tJobNodes) / 1000;
    log(`${JOB_NODES} job nodes Ready in ${jobNodesS.toFixed(1)} s`);
    for (const ns of ['raw', 'batch']) await req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });

    const tRaw = Date.now();
    await pool(JOBS, IN_FLIGHT, async (i) => {
      await req('POST', '/api/v1/namespaces/raw/pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `p-${i}` },
        spec: { schedulerName: 'bench-none', restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['true'] }] },
      });
    });
    const rawS = (Date.now() - tRaw) / 1000;
    log(`${JOBS} bare pods created in ${rawS.toFixed(2)} s`);
    await sleep(3000);

    const jobsList = await req('GET', '/apis/batch/v1/namespaces/batch/jobs');
    const complete = new Set<string>();
    const failed = new Set<string>();
    const jobsDone = until('Jobs Complete', () => complete.size >= JOBS, () => `${complete.size}/${JOBS} Complete, ${failed.size} Failed`);
    void watch(`/apis/batch/v1/namespaces/batch/jobs?watch=true&resourceVersion=${jobsList.metadata.resourceVersion}`, ctl.signal, (line, at) => {
      const ev = JSON.parse(line);
      const j = ev.object;
      if (!j?.metadata?.name) return;
      if (ev.type !== 'DELETED' && isTrue(j.status?.conditions, 'Complete')) complete.add(j.metadata.name);
      if (ev.type !== 'DELETED' && isTrue(j.status?.conditions, 'Failed')) failed.add(j.metadata.name);
      jobsDone.check(at);
    });
    await sleep(300);
    const cpuBefore = new Map(procs.map((p) => [p.name, p.cpu]));
    const tJobs = Date.now();
    await pool(JOBS, IN_FLIGHT, async (i) => {
      await req('POST', '/apis/batch/v1/namespaces/batch/jobs', {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: `j-${i}` },
        spec: {
          completions: 1,
          backoffLimit: 0,
          template: { spec: { restartPolicy: 'Never', nodeSelector: { 'bench/pool': 'jobs' }, containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } },
        },
      });
    });
    const jobsCreatedS = (Date.now() - tJobs) / 1000;
    log(`${JOBS} Jobs created in ${jobsCreatedS.toFixed(2)} s`);
    const jobsS = ((await jobsDone.wait) - tJobs) / 1000;
    sampleRss();
    const jobsCpu = new Map(procs.map((p) => [p.name, p.cpu - (cpuBefore.get(p.name) ?? 0)]));
    log(`${JOBS} Jobs Complete in ${jobsS.toFixed(1)} s`);

    // ---------------------------------------------------------------- B: DaemonSet on NODES nodes
    const dsNodesReady = nodeWatch(ctl, 'ds', NODES);
    const tNodes = Date.now();
    const kubelet = startProc('kubelet-ds', ['kubelet', '--nodes', String(NODES), '--runtime', 'fake', '--node-name', 'ds'], {
      KUBELET_PORT: '0',
      GATEWAY_URL: base,
      NODE_LABELS: 'bench/pool=ds',
      KUBELET_ROOT_DIR: `/tmp/jetkube-${prefix}/ds`,
    });
    const nodesS = ((await Promise.race([
      dsNodesReady,
      new Promise<number>((_, rej) => kubelet.child.once('exit', (c) => rej(new Error(`kubelet exited ${c}:\n${kubelet.tail.join('\n')}`)))),
    ])) - tNodes) / 1000;
    log(`${NODES} DaemonSet nodes Ready in ${nodesS.toFixed(1)} s`);
    await sleep(5000);

    await req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ds' } });
    let status: any = {};
    const dsDone = until('DaemonSet Ready', () => status.numberReady === NODES && status.desiredNumberScheduled === NODES, () => `numberReady ${status.numberReady ?? 0}, desired ${status.desiredNumberScheduled ?? 0} of ${NODES}`);
    const dsList = await req('GET', '/apis/apps/v1/namespaces/ds/daemonsets');
    void watch(`/apis/apps/v1/namespaces/ds/daemonsets?watch=true&resourceVersion=${dsList.metadata.resourceVersion}`, ctl.signal, (line, at) => {
      const ev = JSON.parse(line);
      if (ev.object?.metadata?.name === 'agent' && ev.type !== 'DELETED') status = ev.object.status ?? {};
      dsDone.check(at);
    });
    await sleep(300);
    const tDs = Date.now();
    await req('POST', '/apis/apps/v1/namespaces/ds/daemonsets', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: { 'bench/pool': 'ds' }, containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }] } },
      },
    });
    const dsS = ((await dsDone.wait) - tDs) / 1000;
    sampleRss();
    log(`DaemonSet Ready on ${NODES} nodes in ${dsS.toFixed(1)} s`);

    const rawRate = JOBS / rawS;
    const jobRate = JOBS / jobsS;
    printTable(`bench:jobs A — ${int(JOBS)} Jobs (completions 1, one \`true\` pod each) on ${JOB_NODES} fake nodes, ${IN_FLIGHT} POSTs in flight`, [
      ['measure', 'time', 'rate', ''],
      [`raw: ${int(JOBS)} bare pods POSTed to the gateway`, `${rawS.toFixed(2)} s`, `${int(rawRate)} pods/s`, 'baseline'],
      [`${int(JOBS)} Jobs POSTed`, `${jobsCreatedS.toFixed(2)} s`, `${int(JOBS / jobsCreatedS)} Jobs/s`, ''],
      [`first Job POSTed → all ${int(JOBS)} Complete`, `${jobsS.toFixed(1)} s`, `${jobRate.toFixed(1)} Jobs/s`, `${(rawRate / jobRate).toFixed(1)} × slower than raw pod creates`],
    ]);
    printTable(`bench:jobs B — DaemonSet on ${int(NODES)} fake nodes (one kubelet process)`, [
      ['measure', 'time', 'rate'],
      [`kubelet start → ${int(NODES)} nodes Ready`, `${nodesS.toFixed(1)} s`, `${int(NODES / nodesS)} nodes/s`],
      [`DaemonSet POSTed → numberReady == desiredNumberScheduled == ${int(NODES)}`, `${dsS.toFixed(1)} s`, `${int(NODES / dsS)} pods/s`],
    ]);
    printTable('RSS and CPU per process', [
      ['process', 'peak RSS', 'RSS at end', 'CPU during the Jobs', 'errors logged'],
      ...procs.map((p) => [p.name, fmtMB(p.peakRss), fmtMB(p.rss), `${(jobsCpu.get(p.name) ?? 0).toFixed(1)} s`, String(p.errors)]),
    ]);
    for (const p of procs) if (p.errors) log(`${p.name} last log lines:\n${p.tail.slice(-5).join('\n')}`);
  } finally {
    ctl.abort();
    clearInterval(rssTimer);
  }
}

try {
  await main();
} catch (e) {
  console.error(e);
  for (const p of procs) log(`${p.name} last log lines:\n${p.tail.slice(-5).join('\n')}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit();
