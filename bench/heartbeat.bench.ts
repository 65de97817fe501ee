/**
 * bench:heartbeat — the gateway's cost of one heartbeat write. HEARTBEAT_NODES fake nodes (2,000)
 * renew their Leases (and post node status when due) against one gateway with no pods; once every
 * node is Ready, the gateway's CPU time (user + system, from /proc) and the stream's sequence are
 * sampled over HEARTBEAT_WINDOW_S (60) seconds, and the gateway's CPU-µs per write printed (every
 * write is one stream message). HEARTBEAT_PROFILE=dir also writes the gateway's --cpu-prof there.
 * Isolated like bench:scale (its own prefix, ports, stream and schema, removed at the end).
 */
import { benchCluster } from './cluster.js';

const NODES = Number(process.env.HEARTBEAT_NODES || 2000);
const WINDOW_S = Number(process.env.HEARTBEAT_WINDOW_S || 60);
const PROFILE = process.env.HEARTBEAT_PROFILE;

const { prefix, base, basePort, log, sleep, procs, startProc, sampleRss, waitReady, cleanup, req } = benchCluster('heartbeat');

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
