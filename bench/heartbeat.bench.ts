/**
 * bench:heartbeat — the gateway's cost of one heartbeat write. HEARTBEAT_NODES fake nodes (2,000)
 * renew their Leases (and post node status when due) against one gateway with no pods; once every
 * node is Ready, the gateway's CPU time (user + system, from /proc) and the stream's sequence are
 * sampled over HEARTBEAT_WINDOW_S (60) seconds, and the gateway's CPU-µs per write printed (every
 * write is one stream message). Then the idle watch latency under that heartbeat load: a watch on
 * ConfigMaps through the gateway while HEARTBEAT_PROBES (200) patches, 10 a second, change one;
 * latency is each message's stored time on the stream → the watch line's arrival (p50 / p99).
 * HEARTBEAT_PROFILE=dir also writes the gateway's --cpu-prof there.
 * Isolated like bench:scale (its own prefix, ports, stream and schema, removed at the end).
 */
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { streamName } from '../shared/config.js';
import { benchCluster } from './cluster.js';
import { percentile } from './report.js';

const NODES = Number(process.env.HEARTBEAT_NODES || 2000);
const WINDOW_S = Number(process.env.HEARTBEAT_WINDOW_S || 60);
const PROFILE = process.env.HEARTBEAT_PROFILE;
const PROBES = Number(process.env.HEARTBEAT_PROBES || 200);

const { prefix, cfg, base, basePort, log, sleep, procs, startProc, sampleRss, waitReady, cleanup, req, watch } = benchCluster('heartbeat');

async function readyNodes(): Promise<{ ready: number; rv: number }> {
  const list = await req('GET', '/api/v1/nodes');
  const ready = list.items.filter((n: any) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).length;
  return { ready, rv: Number(list.metadata.resourceVersion) };
}

/** The stream's last sequence, as the gateway reports it (a one-item list of leases is a consistent read). */
async function lastSeq(): Promise<number> {
  const l = await req('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases?limit=1');
  return Number(l.metadata.resourceVersion);
}

async function main(): Promise<void> {
  log(`prefix ${prefix}, gateway ${base}: ${NODES} fake nodes, window ${WINDOW_S} s`);
  const projector = startProc('projector', ['projector'], { PROJECTOR_PORT: String(basePort + 1) });
  const gateway = startProc('gateway', ['gateway'], {}, PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : []);
  await waitReady(`${base}/readyz`, gateway);
  await waitReady(`http://127.0.0.1:${basePort + 1}/readyz`, projector);
  const t0 = Date.now();
  startProc('kubelet', ['kubelet', '--nodes', String(NODES), '--runtime', 'fake', '--node-name', 'hb'], {
    KUBELET_PORT: '0',
    GATEWAY_URL: base,
    KUBELET_ROOT_DIR: `/tmp/jetkube-${prefix}/node`,
  });
  for (;;) {
    await sleep(5000);
    const { ready } = await readyNodes();
    log(`nodes Ready ${ready}/${NODES}`);
    if (ready >= NODES) break;
    if (Date.now() - t0 > 600_000) throw new Error('nodes not Ready in 10 minutes');
  }
  // Let registration settle: one full renew period, then measure.
  await sleep(15_000);
  sampleRss();
  const cpu0 = gateway.cpu;
  const seq0 = await lastSeq();
  const tw = Date.now();
  await sleep(WINDOW_S * 1000);
  sampleRss();
  const cpu1 = gateway.cpu;
  const seq1 = await lastSeq();
  const secs = (Date.now() - tw) / 1000;
  const writes = seq1 - seq0;
  // Idle watch latency under the heartbeat load.
  const cmPath = '/api/v1/namespaces/default/configmaps';
  // Several ConfigMaps in turn: each keeps only JETKUBE_HISTORY (64) messages, and the stored time
  // of every probe is read back from the stream at the end.
  const PROBE_OBJECTS = 20;
  let cm: any;
  for (let j = 0; j < PROBE_OBJECTS; j++) cm = await req('POST', cmPath, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `probe-${j}` }, data: { i: '0' } });
  const ctl = new AbortController();
  const seen: [number, number][] = [];
  void watch(`${cmPath}?watch=true&resourceVersion=${cm.metadata.resourceVersion}`, ctl.signal, (line, at) => {
    const rv = Number(JSON.parse(line).object?.metadata?.resourceVersion);
    if (rv) seen.push([rv, at]);
  });
  await sleep(1000);
  for (let i = 1; i <= PROBES; i++) {
    await req('PATCH', `${cmPath}/probe-${i % PROBE_OBJECTS}`, { data: { i: String(i) } });
    await sleep(100);
  }
  await sleep(2000);
  ctl.abort();
  const nc = await connect({ servers: cfg.natsUrl.split(',') });
  const jsm = await jetstreamManager(nc);
  const lat: number[] = [];
  for (const [seq, at] of seen) {
    const m = await jsm.streams.getMessage(streamName(prefix), { seq }).catch(() => null);
    if (m) lat.push(at - m.time.getTime());
  }
  await nc.close();
  lat.sort((a, b) => a - b);
  const load = (await import('node:os')).loadavg();
  const line = {
    nodes: NODES,
    windowS: Number(secs.toFixed(1)),
    writes,
    writesPerS: Number((writes / secs).toFixed(1)),
    gatewayCpuS: Number((cpu1 - cpu0).toFixed(2)),
    gatewayCpuPct: Number(((100 * (cpu1 - cpu0)) / secs).toFixed(1)),
    cpuUsPerWrite: Math.round(((cpu1 - cpu0) * 1e6) / writes),
    gatewayRssMB: Math.round(gateway.rss / 1048576),
    kubeletRssKBPerNode: Math.round(procs.find((p) => p.name === 'kubelet')!.rss / 1024 / NODES),
    watchEvents: lat.length,
    watchP50Ms: Number(percentile(lat, 50).toFixed(1)),
    watchP99Ms: Number(percentile(lat, 99).toFixed(1)),
    load1: Number(load[0]!.toFixed(2)),
  };
  process.stdout.write(JSON.stringify(line) + '\n');
}

main()
  .catch((e) => {
    log(String(e?.stack ?? e));
    process.exitCode = 1;
  })
  .finally(() => cleanup());
