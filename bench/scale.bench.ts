/**
 * bench:scale — SCALE_NODES fake nodes (default 5,000) and SCALE_PODS pods (150,000) as Deployments
 * spread over SCALE_NAMESPACES namespaces (100), every service in its own process as in production
 * (projector, gateway, controller-manager, scheduler, proxy, and one `jetkube kubelet --nodes N
 * --runtime fake`, or SCALE_KUBELETS of them sharing the nodes), on this machine. Prints:
 *
 *  - nodes Ready: kubelet process started → every Node Ready (seen on a watch);
 *  - pods/s to all Ready: first Deployment POSTed → every pod Ready by its own status (a watch), and
 *    → the Deployments' readyReplicas adding up to SCALE_PODS (what `kubectl rollout status` waits for);
 *  - watch delivery latency p50 / p99, event publish (the JetStream message's stored time) → a
 *    client watching every pod through the gateway receives it, during the burst and when idle
 *    (annotation patches on a few pods while nothing else happens);
 *  - list latency through the gateway (every pod, one namespace, a label selector, limit=500 pages),
 *    next to a raw Postgres read of the same rows;
 *  - RSS of every process (peak and at the end), the kubelet's per node and per pod;
 *  - NATS stream and Postgres schema size; informer relists each service logged.
 *
 * Isolated: its own JETKUBE_PREFIX and ports; stream, schema and processes are removed at the end
 * (also on Ctrl-C). SCALE_TIMEOUT_S (1,800) bounds the wait for all pods Ready.
 */
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { schemaName, streamName } from '../shared/config.js';
import type { Pod } from '../shared/resources/types.js';
import { bucketQuantile, median, percentile, printTable, promSamples } from './report.js';
import { benchCluster } from './cluster.js';

const NODES = Number(process.env.SCALE_NODES || 5000);
const PODS = Number(process.env.SCALE_PODS || 150_000);
const NAMESPACES = Number(process.env.SCALE_NAMESPACES || 100);
/** Deployments per namespace. */
const PER_NS = Number(process.env.SCALE_DEPLOYMENTS_PER_NAMESPACE || 10);
const TIMEOUT_S = Number(process.env.SCALE_TIMEOUT_S || 1800);
/** Kubelet processes the nodes are spread over (node names scale-<k>-1 … with more than one). */
const KUBELETS = Math.max(1, Number(process.env.SCALE_KUBELETS || 1));
const DEPLOYMENTS = NAMESPACES * PER_NS;

const { prefix, cfg, base, basePort, log, sleep, procs, startProc, sampleRss, waitReady, cleanup, req, pool, watch } = benchCluster('scale');


/**
 * Timed GET of a pod list: the body is read completely, as a stream (a list of every pod of a big
 * cluster is more than one string can hold); items are counted by their opening bytes (Postgres'
 * jsonb text puts `kind` first), the continue token read from the list's head.
 */
const ITEM_MARK = /\{"kind": ?"Pod",/g;
async function timedList(path: string): Promise<{ ms: number; items: number; bytes: number; cont?: string }> {
  const t = performance.now();
  const r = await fetch(base + path, { headers: { accept: 'application/json' } });
  if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${(await r.text()).slice(0, 200)}`);
  const dec = new TextDecoder();
  let head = '';
  let carry = '';
  let items = 0;
  let bytes = 0;
  for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    const text = carry + dec.decode(chunk, { stream: true });
    if (head.length < 4096) head += text.slice(0, 4096 - head.length);
    items += text.match(ITEM_MARK)?.length ?? 0;
    // A mark cut by the chunk boundary is counted with the next chunk, never twice.
    const cut = text.lastIndexOf('{');
    carry = cut >= 0 && text.length - cut < 16 ? text.slice(cut) : '';
    if (carry) items -= carry.match(ITEM_MARK)?.length ?? 0;
  }
  const ms = performance.now() - t;
  const cont = /"continue":"([^"]+)"/.exec(head.slice(0, head.indexOf('"items":[') + 1 || undefined))?.[1];
  return { ms, items, bytes, ...(cont ? { cont } : {}) };
}

// ------------------------------------------------------------------------------------ the run

const fmtMs = (n: number) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US')} ms` : 'n/a');
const fmtMB = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
const fmtKB = (b: number) => `${(b / 1024).toFixed(1)} KB`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const verdict = (ok: boolean) => (ok ? 'met' : '**NOT met**');

async function main(): Promise<void> {
  const replicas = Math.ceil(PODS / DEPLOYMENTS);
  const pods = replicas * DEPLOYMENTS;
  log(`prefix ${prefix}, gateway ${base}: ${NODES} fake nodes, ${pods} pods = ${DEPLOYMENTS} Deployments × ${replicas} over ${NAMESPACES} namespaces`);
  const rssTimer = setInterval(sampleRss, 1000);

  // Control plane, each service its own process.
  const projector = startProc('projector', ['projector'], { PROJECTOR_PORT: String(basePort + 1) });
  const gateway = startProc('gateway', ['gateway'], {});
  await waitReady(`${base}/readyz`, gateway);
  await waitReady(`http://127.0.0.1:${basePort + 1}/readyz`, projector);
  const cm = startProc('controller-manager', ['controller-manager'], { CONTROLLER_MANAGER_PORT: String(basePort + 2) });
  const sched = startProc('scheduler', ['scheduler'], { SCHEDULER_PORT: String(basePort + 3) });
  const proxy = startProc('proxy', ['proxy'], { PROXY_PORT: '0', NODEPORT_ADDRESSES: '127.0.0.1' });
  await Promise.all([
    waitReady(`http://127.0.0.1:${basePort + 2}/readyz`, cm),
    waitReady(`http://127.0.0.1:${basePort + 3}/readyz`, sched),
  ]);
  await sleep(1000);
  if (proxy.child.exitCode !== null) throw new Error(`proxy exited:\n${proxy.tail.join('\n')}`);

  // Nodes: a watch counts Ready ones from before the kubelets start.
  const ctl = new AbortController();
  const nodesList = await req('GET', '/api/v1/nodes');
  const readyNodes = new Set<string>();
  let nodesReadyAt = 0;
  let resolveNodes: () => void = () => undefined;
  const nodesDone = new Promise<void>((r) => (resolveNodes = r));
  void watch(`/api/v1/nodes?watch=true&resourceVersion=${nodesList.metadata.resourceVersion}`, ctl.signal, (line, at) => {
    const ev = JSON.parse(line);
    const n = ev.object;
    const ready = n?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
    if (ready && ev.type !== 'DELETED') readyNodes.add(n.metadata.name);
    else readyNodes.delete(n?.metadata?.name);
    if (readyNodes.size >= NODES && !nodesReadyAt) {
      nodesReadyAt = at;
      resolveNodes();
    }
  });
  const tNodes = Date.now();
  // One process, or KUBELETS of them over node name ranges (the first ones take the remainder).
  const nodeArgs = (process.env.SCALE_KUBELET_NODE_ARGS ?? '').split(' ').filter(Boolean); // e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
  const kubelets = Array.from({ length: KUBELETS }, (_, k) => {
    const count = Math.floor(NODES / KUBELETS) + (k < NODES % KUBELETS ? 1 : 0);
    const name = KUBELETS === 1 ? 'kubelet' : `kubelet-${k + 1}`;
    return startProc(name, ['kubelet', '--nodes', String(count), '--runtime', 'fake', '--node-name', KUBELETS === 1 ? 'scale' : `scale-${k + 1}`], {
      KUBELET_PORT: '0',
      GATEWAY_URL: base,
      KUBELET_ROOT_DIR: `/tmp/jetkube-${prefix}/${name}/node`,
    }, nodeArgs);
  });
  /** The kubelet processes together: RSS, peak RSS (the sum of each one's peak), CPU seconds. */
  const kubelet = {
    get rss() {
      return kubelets.reduce((n, p) => n + p.rss, 0);
    },
    get peakRss() {
      return kubelets.reduce((n, p) => n + p.peakRss, 0);
    },
  };
  const isKubelet = (name: string) => name === 'kubelet' || name.startsWith('kubelet-');
  const nodesTimer = setInterval(() => log(`nodes Ready ${readyNodes.size}/${NODES}, kubelet RSS ${fmtMB(kubelet.rss)}`), 10_000);
  await Promise.race([
    nodesDone,
    sleep(TIMEOUT_S * 1000),
    ...kubelets.map((k) => new Promise((_, rej) => k.child.once('exit', (c) => rej(new Error(`${k.name} exited ${c}:\n${k.tail.join('\n')}`))))),
  ]);
  clearInterval(nodesTimer);
  const nodesReadyS = nodesReadyAt ? (nodesReadyAt - tNodes) / 1000 : NaN;
  log(`${readyNodes.size}/${NODES} nodes Ready in ${nodesReadyS.toFixed(1)} s`);
  // Let the registration burst settle, then the kubelet's memory with nodes and no pods.
  await sleep(10_000);
  sampleRss();
  const kubeletRssNodes = kubelet.rss;

  // Namespaces.
  await pool(NAMESPACES, 16, async (i) => void (await req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `scale-${i}` } })));

  // Every pod event on one all-namespaces watch: (resourceVersion, received at) for latency.
  const podsList = await fetch(`${base}/api/v1/pods?limit=1`).then((r) => r.json() as Promise<any>);
  const seqs: number[] = [];
  const recv: number[] = [];
  let podEvents = 0;
  // Pods Ready as their own status says (before the controllers count them into the Deployments).
  const readyPodSet = new Set<string>();
  /** Pods that exist and pods bound to a node, by the same watch. */
  const podSet = new Set<string>();
  const boundSet = new Set<string>();
  let podsReadyAt = 0;
  void watch(`/api/v1/pods?watch=true&resourceVersion=${podsList.metadata.resourceVersion}`, ctl.signal, (line, at) => {
    podEvents++;
    // Parsed: the first "name" of a pod's JSON may be its owner's (metadata's keys come in the
    // order they were set), so no shortcut by regular expression here.
    const ev = JSON.parse(line) as { type: string; object: Pod };
    const rv = Number(ev.object.metadata?.resourceVersion);
    if (rv) {
      seqs.push(rv);
      recv.push(at);
    }
    const key = `${ev.object.metadata?.namespace}/${ev.object.metadata?.name}`;
    if (ev.type !== 'DELETED' && ev.object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) readyPodSet.add(key);
    else readyPodSet.delete(key);
    if (ev.type === 'DELETED') {
      podSet.delete(key);
      boundSet.delete(key);
    } else {
      podSet.add(key);
      if (ev.object.spec?.nodeName) boundSet.add(key);
    }
    if (readyPodSet.size >= pods && !podsReadyAt) podsReadyAt = at;
  });

  // Deployments: readyReplicas summed from a watch.
  const readyBy = new Map<string, number>();
  let readyPods = 0;
  let allReadyAt = 0;
  let resolvePods: () => void = () => undefined;
  const podsDone = new Promise<void>((r) => (resolvePods = r));
  const depList = await req('GET', '/apis/apps/v1/deployments');
  void watch(`/apis/apps/v1/deployments?watch=true&resourceVersion=${depList.metadata.resourceVersion}`, ctl.signal, (line, at) => {
    const ev = JSON.parse(line);
    const d = ev.object;
    if (!d?.metadata?.name) return;
    const k = `${d.metadata.namespace}/${d.metadata.name}`;
    const now = ev.type === 'DELETED' ? 0 : d.status?.readyReplicas ?? 0;
    readyPods += now - (readyBy.get(k) ?? 0);
    readyBy.set(k, now);
    if (readyPods >= pods && !allReadyAt) {
      allReadyAt = at;
      resolvePods();
    }
  });
  await sleep(500);

  const t0 = Date.now();
  const burstStartSeq = Number((await req('GET', '/api/v1/namespaces/scale-0/pods?limit=1')).metadata.resourceVersion);
  await pool(DEPLOYMENTS, 16, async (i) => {
    const ns = `scale-${i % NAMESPACES}`;
    const name = `d-${Math.floor(i / NAMESPACES)}`;
    await req('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name, tier: `t${i % 10}` } },
          spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }] },
        },
      },
    });
  });
  const createdS = (Date.now() - t0) / 1000;
  log(`${DEPLOYMENTS} Deployments created in ${createdS.toFixed(1)} s`);
  let lastReady = 0;
  let lastCpu = new Map(procs.map((p) => [p.name, p.cpu]));
  const cpuAtBurst = new Map(lastCpu);
  // Heartbeats during the burst: Lease renewals the gateway answered (its request counter), and
  // the fewest nodes Ready on the nodes watch (a node the lifecycle controller marks Unknown leaves it).
  const leaseUpdates = async () => {
    try {
      let n = 0;
      for (const [k, v] of promSamples(await (await fetch(`${base}/metrics`)).text())) {
        if (k.startsWith('jetkube_gateway_requests_total{') && k.includes('resource="leases"') && k.includes('code="200"') && /verb="(UPDATE|update|PUT)"/.test(k)) n += v;
      }
      return n;
    } catch {
      return NaN;
    }
  };
  const leasesAtBurst = await leaseUpdates();
  let lastLeases = leasesAtBurst;
  let minNodesReady = readyNodes.size;
  const nodesWatch = setInterval(() => (minNodesReady = Math.min(minNodesReady, readyNodes.size)), 1000);
  const podsTimer = setInterval(() => {
    const cpu = procs.map((p) => `${p.name} ${fmtMB(p.rss)} ${Math.round((10 * (p.cpu - (lastCpu.get(p.name) ?? 0))))}%`).join(', ');
    lastCpu = new Map(procs.map((p) => [p.name, p.cpu]));
    void leaseUpdates().then((n) => {
      log(`pods Ready ${int(readyPods)}/${int(pods)} in Deployments (+${int((readyPods - lastReady) / 10)}/s), ${int(readyPodSet.size)} by pod status (${int(podSet.size)} created, ${int(boundSet.size)} bound), pod events on the watch ${int(podEvents)}; nodes Ready ${int(readyNodes.size)}/${int(NODES)}, Lease renewals ${int((n - lastLeases) / 10)}/s; RSS, CPU: ${cpu}`);
      lastLeases = n;
      lastReady = readyPods;
    });
  }, 10_000);
  await Promise.race([podsDone, sleep(TIMEOUT_S * 1000)]);
  clearInterval(podsTimer);
  clearInterval(nodesWatch);
  const burstS = (Date.now() - t0) / 1000;
  const leasesInBurst = (await leaseUpdates()) - leasesAtBurst;
  // Frozen at the end of the wait: the pods may all become Ready later, during the list phase.
  const readyInTime = allReadyAt;
  const readyAtTimeout = readyPods;
  const allReadyS = readyInTime ? (readyInTime - t0) / 1000 : NaN;
  const burstEndIdx = seqs.length;
  log(allReadyAt ? `all ${int(pods)} pods Ready in ${allReadyS.toFixed(1)} s` : `timed out: ${int(readyPods)}/${int(pods)} Ready after ${TIMEOUT_S} s`);
  sampleRss();
  const rssAtReady = new Map(procs.map((p) => [p.name, p.rss]));
  const burstCpu = new Map(procs.map((p) => [p.name, p.cpu - (cpuAtBurst.get(p.name) ?? 0)]));

  // Idle: settle, then annotation patches on a few pods, 10 a second, measured on the same watch.
  await sleep(15_000);
  // The kubelets' CPU with every pod Ready and nothing to do but heartbeats, resyncs and (docker,
  // process; a fake runtime only every minute) relists: over the idle phase below.
  const kubeletCpuNow = () => {
    sampleRss();
    return procs.filter((p) => isKubelet(p.name)).reduce((n, p) => n + p.cpu, 0);
  };
  const idleCpu0 = kubeletCpuNow();
  const idleT0 = Date.now();
  const probes = (await req('GET', '/api/v1/namespaces/scale-0/pods?limit=20')).items.map((p: any) => p.metadata.name as string);
  // The gateway's side of the idle phase: a scrape before and after (the event-loop delay
  // percentiles are over the time since the previous scrape; the watch delay histogram is cumulative).
  const gatewayMetrics = async () => promSamples(await (await fetch(`${base}/metrics`)).text());
  const idleMetricsBefore = await gatewayMetrics();
  const idleStartIdx = seqs.length;
  for (let i = 0; i < 200 && probes.length; i++) {
    await req('PATCH', `/api/v1/namespaces/scale-0/pods/${probes[i % probes.length]}`, { metadata: { annotations: { 'bench/probe': String(i) } } });
    await sleep(100);
  }
  await sleep(2000);
  const idleEndIdx = seqs.length;
  const idleKubeletCpu = (kubeletCpuNow() - idleCpu0) / ((Date.now() - idleT0) / 1000);
  const idleMetricsAfter = await gatewayMetrics();

  // Lists through the gateway, and the raw Postgres read of the same rows.
  const db = new pg.Client({ connectionString: cfg.databaseUrl });
  await db.connect();
  const schema = schemaName(prefix);
  const rawMs = async (q: string, params: unknown[] = []): Promise<number> => {
    const t = performance.now();
    await db.query(q, params);
    return performance.now() - t;
  };
  const times = async (n: number, fn: () => Promise<number>) => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) xs.push(await fn());
    return xs;
  };
  let listAllItems = 0;
  let listAllBytes = 0;
  const listAll = await times(3, async () => {
    const r = await timedList('/api/v1/pods');
    listAllItems = r.items;
    listAllBytes = r.bytes;
    return r.ms;
  });
  const rawAll = await times(3, () => rawMs(`select object::text from "${schema}".pods order by namespace, name`));
  const listNs = await times(5, async () => (await timedList('/api/v1/namespaces/scale-1/pods')).ms);
  const rawNs = await times(5, () => rawMs(`select object from "${schema}".pods where namespace = $1 order by name`, ['scale-1']));
  const listSel = await times(5, async () => (await timedList('/api/v1/pods?labelSelector=app%3Dd-1')).ms);
  const rawSel = await times(5, () => rawMs(`select object from "${schema}".pods where labels @> '{"app":"d-1"}' order by namespace, name`));
  const selItems = (await timedList('/api/v1/pods?labelSelector=app%3Dd-1')).items;
  const nsItems = (await timedList('/api/v1/namespaces/scale-1/pods')).items;
  // Every page of all pods, limit=500: twice, with the gateway's garbage collection during each
  // (its default metrics, scraped around the walks) and the slowest pages in walk order, to tell a
  // page's own cost from what the gateway was doing then (the big lists above leave garbage).
  const gcSeconds = (m: Map<string, number>) => {
    let major = 0;
    let other = 0;
    for (const [k, v] of m) {
      if (!k.startsWith('jetkube_gateway_nodejs_gc_duration_seconds_sum')) continue;
      if (k.includes('kind="major"')) major += v;
      else other += v;
    }
    return { major, other };
  };
  const walkPages = async () => {
    const ms: number[] = [];
    let cont: string | undefined;
    let items = 0;
    const before = gcSeconds(await gatewayMetrics());
    const t = performance.now();
    do {
      const r = await timedList(`/api/v1/pods?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      ms.push(r.ms);
      items += r.items;
      cont = r.cont;
    } while (cont);
    const seconds = (performance.now() - t) / 1000;
    const after = gcSeconds(await gatewayMetrics());
    const slowest = ms.map((v, i) => [i, v] as const).sort((a, b) => b[1] - a[1]).slice(0, 5);
    return { ms, items, seconds, gcMajorMs: (after.major - before.major) * 1000, gcOtherMs: (after.other - before.other) * 1000, slowest };
  };
  const walk1 = await walkPages();
  const walk2 = await walkPages();
  const pages = walk1.ms;
  const paged = walk1.items;
  const walkS = walk1.seconds;
  for (const [n, w] of [[1, walk1], [2, walk2]] as const) {
    log(`page walk ${n}: ${w.ms.length} pages in ${w.seconds.toFixed(1)} s; gateway GC major ${w.gcMajorMs.toFixed(0)} ms, minor/incremental ${w.gcOtherMs.toFixed(0)} ms; slowest pages (index: ms) ${w.slowest.map(([i, v]) => `${i}: ${v.toFixed(0)}`).join(', ')}`);
  }
  const pageArgs = [`scale-${NAMESPACES >> 1}`, 'd'];
  const rawPage = await times(20, () => rawMs(`select object from "${schema}".pods where (namespace, name) > ($1, $2) order by namespace, name limit 501`, pageArgs));
  // The same page as text (Postgres' work and the transfer, no JSON.parse), and its plan.
  const rawPageText = await times(20, () => rawMs(`select object::text from "${schema}".pods where (namespace, name) > ($1, $2) order by namespace, name limit 501`, pageArgs));
  const plan = (await db.query(`explain (analyze, buffers) select object from "${schema}".pods where (namespace, name) > ($1, $2) order by namespace, name limit 501`, pageArgs)).rows.map((r: any) => r['QUERY PLAN']).join('\n');
  log(`plan of a raw page:\n${plan}`);

  // Sizes.
  const { rows: sizeRows } = await db.query<{ bytes: string }>(
    `select coalesce(sum(pg_total_relation_size(c.oid)), 0)::int8 as bytes from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relkind in ('r', 'm')`,
    [schema],
  );
  const pgBytes = Number(sizeRows[0]!.bytes);
  const nc = await connect({ servers: cfg.natsUrl.split(',') });
  const jsm = await jetstreamManager(nc);
  const si = await jsm.streams.info(streamName(prefix));

  // Watch latency: the stored time of sampled messages (≤ 3,000 per phase) against their arrival.
  const lat = async (from: number, to: number, firstSeq: number): Promise<number[]> => {
    const idx: number[] = [];
    for (let i = from; i < to; i++) if (seqs[i]! > firstSeq) idx.push(i);
    const step = Math.max(1, Math.floor(idx.length / 3000));
    const picked = idx.filter((_, j) => j % step === 0);
    const out: number[] = [];
    await pool(picked.length, 16, async (j) => {
      const i = picked[j]!;
      const m = await jsm.streams.getMessage(streamName(prefix), { seq: seqs[i]! }).catch(() => null);
      if (m) out.push(recv[i]! - m.time.getTime());
    });
    return out.sort((a, b) => a - b);
  };
  const burstLat = await lat(0, burstEndIdx, burstStartSeq);
  const idleLat = await lat(idleStartIdx, idleEndIdx, 0);
  await nc.close();
  await db.end();
  sampleRss();
  ctl.abort();
  clearInterval(rssTimer);

  const relists = procs.reduce((s, p) => s + p.relists, 0);
  const kubeletPeak = kubelet.peakRss;
  const rows: string[][] = [['measure', 'value', '']];
  rows.push([`nodes Ready (kubelet process start → ${int(NODES)} Ready on a watch)`, `${nodesReadyS.toFixed(1)} s`, `${int(NODES / nodesReadyS)} nodes/s`]);
  rows.push([`Deployments created (${DEPLOYMENTS}, 16 in flight)`, `${createdS.toFixed(1)} s`, '']);
  rows.push([
    `first Deployment POSTed → all ${int(pods)} pods Ready in their Deployments (readyReplicas)`,
    readyInTime ? `${allReadyS.toFixed(1)} s` : `timed out after ${TIMEOUT_S} s (${int(readyAtTimeout)} Ready)`,
    readyInTime ? `${int(pods / allReadyS)} pods/s; target all Ready: met` : `target all Ready in time: **NOT met**${allReadyAt ? ` (all Ready ${((allReadyAt - t0) / 1000).toFixed(1)} s after the first POST)` : ''}`,
  ]);
  rows.push([
    `first Deployment POSTed → all ${int(pods)} pods Ready by their own status`,
    podsReadyAt ? `${((podsReadyAt - t0) / 1000).toFixed(1)} s` : `not seen (${int(readyPodSet.size)})`,
    podsReadyAt ? `${int(pods / ((podsReadyAt - t0) / 1000))} pods/s` : '',
  ]);
  rows.push(['watch delivery (publish → client), during the burst, p50 / p99', `${fmtMs(percentile(burstLat, 50))} / ${fmtMs(percentile(burstLat, 99))}`, `${burstLat.length} samples of ${int(burstEndIdx)} events; p99 < 1 s: ${verdict(percentile(burstLat, 99) < 1000)}`]);
  rows.push(['watch delivery, idle (10 patches/s), p50 / p99', `${fmtMs(percentile(idleLat, 50))} / ${fmtMs(percentile(idleLat, 99))}`, `${idleLat.length} samples; p99 < 100 ms: ${verdict(percentile(idleLat, 99) < 100)}`]);
  const lag = (k: string) => fmtMs((idleMetricsAfter.get(`jetkube_gateway_nodejs_eventloop_lag_${k}_seconds`) ?? NaN) * 1000);
  const gwDelay = (q: number) => bucketQuantile(idleMetricsBefore, idleMetricsAfter, 'jetkube_gateway_watch_event_delay_seconds', q);
  const bound = (q: number) => {
    const { le, count } = gwDelay(q);
    return count === 0 ? 'n/a' : Number.isFinite(le) ? `≤ ${fmtMs(le * 1000)}` : `> ${fmtMs(5000)}`;
  };
  rows.push(['  of which in the gateway (stored → written to the watch), p50 / p99', `${bound(0.5)} / ${bound(0.99)}`, `${gwDelay(0.99).count} events on the gateway's watches (its histogram's buckets)`]);
  rows.push(['  gateway event-loop delay during the idle phase, p50 / p99 / max', `${lag('p50')} / ${lag('p99')} / ${lag('max')}`, 'perf_hooks monitorEventLoopDelay (prom-client)']);
  rows.push([`list all pods (${int(listAllItems)}, ${fmtMB(listAllBytes)}), median of 3`, fmtMs(median(listAll)), `raw Postgres select (as text): ${fmtMs(median(rawAll))}`]);
  rows.push([`list one namespace (${nsItems} pods), median of 5`, fmtMs(median(listNs)), `raw: ${fmtMs(median(rawNs))}`]);
  rows.push([`list by label selector app=d-1 (${selItems} pods), median of 5`, fmtMs(median(listSel)), `raw: ${fmtMs(median(rawSel))}`]);
  const sortedPages = [...pages].sort((a, b) => a - b);
  rows.push([`list limit=500 pages (${pages.length} pages, all pods), p50 / p99 / max`, `${fmtMs(percentile(sortedPages, 50))} / ${fmtMs(percentile(sortedPages, 99))} / ${fmtMs(sortedPages[sortedPages.length - 1]!)}`, `walk ${walkS.toFixed(1)} s; raw page ${fmtMs(median(rawPage))} (as text ${fmtMs(median(rawPageText))}); page < 100 ms: ${verdict(percentile(sortedPages, 99) < 100)}`]);
  const sortedPages2 = [...walk2.ms].sort((a, b) => a - b);
  rows.push(['  the same walk again, p50 / p99 / max', `${fmtMs(percentile(sortedPages2, 50))} / ${fmtMs(percentile(sortedPages2, 99))} / ${fmtMs(sortedPages2[sortedPages2.length - 1]!)}`, `gateway GC during walk 1 / 2: major ${walk1.gcMajorMs.toFixed(0)} / ${walk2.gcMajorMs.toFixed(0)} ms, other ${walk1.gcOtherMs.toFixed(0)} / ${walk2.gcOtherMs.toFixed(0)} ms`]);
  rows.push(['informer relists (logged by every service)', String(relists), `${procs.filter((p) => p.relists).map((p) => `${p.name}: ${p.relists}`).join(', ') || 'none'}; target 0 without a real reset: ${verdict(relists === 0)}`]);
  rows.push(['Lease renewals during the burst (gateway: UPDATE leases 200)', `${int(leasesInBurst / burstS)}/s`, `${int(NODES / 10)}/s needed (${int(NODES)} nodes, 10 s renew interval)`]);
  rows.push(['fewest nodes Ready during the burst (nodes watch, every second)', `${int(minNodesReady)}/${int(NODES)}`, `none NotReady/Unknown: ${verdict(minNodesReady >= NODES)}`]);
  const kubeletCpu = [...burstCpu].filter(([name]) => isKubelet(name)).reduce((n, [, cpu]) => n + cpu, 0);
  rows.push([`fake kubelet CPU during the burst (${KUBELETS} process${KUBELETS > 1 ? 'es' : ''})`, `${Math.round((100 * kubeletCpu) / burstS)}%`, `of one core, over ${burstS.toFixed(0)} s`]);
  rows.push(['fake kubelet CPU when idle (all pods Ready, 10 patches/s)', `${Math.round(100 * idleKubeletCpu)}%`, 'of one core']);
  rows.push(['fake kubelet RSS per node, nodes Ready, no pods', fmtKB(kubeletRssNodes / NODES), `${fmtMB(kubeletRssNodes)} / ${int(NODES)}; < 100 KB: ${verdict(kubeletRssNodes / NODES < 100 * 1024)}`]);
  rows.push(['fake kubelet RSS per node, all pods Ready (peak)', fmtKB(kubeletPeak / NODES), `${fmtMB(kubeletPeak)} / ${int(NODES)}; ${fmtKB(kubeletPeak / Math.max(1, listAllItems))} per pod (${int(listAllItems)} pods)`]);
  rows.push(['NATS stream', `${fmtMB(si.state.bytes)}`, `${int(si.state.messages)} messages`]);
  rows.push(['Postgres schema (tables + indexes + TOAST)', fmtMB(pgBytes), '']);
  printTable(`bench:scale — ${int(NODES)} fake nodes, ${int(pods)} pods (${DEPLOYMENTS} Deployments over ${NAMESPACES} namespaces)`, rows);
  printTable('RSS and CPU per process', [
    ['process', 'RSS at all Ready', 'peak', 'end', 'CPU during the burst', 'errors logged'],
    ...procs.map((p) => [p.name, fmtMB(rssAtReady.get(p.name) ?? 0), fmtMB(p.peakRss), fmtMB(p.rss), `${(burstCpu.get(p.name) ?? 0).toFixed(1)} s`, String(p.errors)]),
  ]);
  for (const p of procs) if (p.relists || p.errors) log(`${p.name} last log lines:\n${p.tail.slice(-5).join('\n')}`);
}

try {
  await main();
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit();
