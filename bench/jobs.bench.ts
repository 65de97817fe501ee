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
import { printTable } from './report.js';
import { benchCluster } from './cluster.js';

const JOBS = Number(process.env.BENCH_JOBS || 1000);
const JOB_NODES = Number(process.env.BENCH_JOB_NODES || 20);
const NODES = Number(process.env.BENCH_NODES || 1000);
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S || 900);
const IN_FLIGHT = 16;

const { prefix, base, basePort, log, sleep, procs, startProc, sampleRss, waitReady, cleanup, req, pool, watch } = benchCluster('jobs');



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
