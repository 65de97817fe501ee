/**
 * kubectl 1.32 against PodDisruptionBudgets: `create pdb` (a protobuf body), `get pdb` columns,
 * `explain`, and `drain` honouring the budget: refused evictions (429) are retried until --timeout
 * with Kubernetes' message, and go through once the budget allows them. A disruption controller
 * runs in process next to the suite's gateway; the test plays the kubelet (Ready pods). Then the
 * whole `jetkube up` (two nodes, fake runtime): draining a node moves a Deployment's pods one
 * budget-allowed eviction at a time.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { dropPrefix, testConfig, testPort } from '../harness.js';
import { envFor, run, startJetkube, stop } from './cli.js';
import type { Config } from '../../shared/config.js';
import { createLogger } from '../../shared/log.js';
import { startControllerManager, type RunningControllerManager } from '../../services/controller-manager/manager.js';
import { api } from '../stack.js';
import { eventually, sleep } from '../wait.js';
import { KUBECTL_SKIP, kubectlSuite } from './kubectl-harness.js';

const NS = '/api/v1/namespaces/default';
const PDBS = '/apis/policy/v1/namespaces/default/poddisruptionbudgets';

describe('kubectl and PodDisruptionBudgets', { skip: KUBECTL_SKIP, timeout: 180_000 }, () => {
  let cm: RunningControllerManager | undefined;
  // Registered before the suite's: the controller-manager stops before the stack goes.
  after(async () => cm?.close());
  const suite = kubectlSuite('kpdb');
  before(async () => {
    cm = await startControllerManager({ ...suite.stack.cfg, gatewayUrl: suite.stack.url }, createLogger('test', process.env.LOG_LEVEL || 'silent'), {
      controllers: ['disruption'],
      workers: 2,
      leaderElection: { enabled: false },
    });
  });
  const url = () => suite.stack.url;

  /** A Running, Ready pod bound to `node`. */
  async function readyPod(name: string, node: string, labels: Record<string, string>): Promise<void> {
    const c = await api(url(), 'POST', `${NS}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] } });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const s = await api(url(), 'PUT', `${NS}/pods/${name}/status`, { ...c.body, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } });
    assert.equal(s.status, 200, JSON.stringify(s.body));
  }

  const allowed = (name: string, n: number) =>
    eventually(`${name} allows ${n}`, async () => {
      const b = (await api(url(), 'GET', `${PDBS}/${name}`)).body;
      return b.status?.observedGeneration === b.metadata.generation && b.status?.disruptionsAllowed === n && b.status?.expectedPods === 2 ? b : undefined;
    });

  it('create pdb (protobuf), get pdb columns, explain', async () => {
    const created = await suite.kubectl('create', 'pdb', 'y', '--selector=app=y', '--min-available=1', '-v=8');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /poddisruptionbudget\.policy\/y created/);
    assert.match(created.stderr, /POST http[^\n]*\/poddisruptionbudgets[\s\S]*?Content-Type: application\/vnd\.kubernetes\.protobuf/);
    const stored = (await api(url(), 'GET', `${PDBS}/y`)).body;
    assert.deepEqual(stored.spec, { minAvailable: 1, selector: { matchLabels: { app: 'y' } } });

    const get = await suite.kubectl('get', 'pdb');
    assert.equal(get.code, 0, get.stderr);
    const [head, row] = get.stdout.trim().split('\n');
    assert.deepEqual(head!.split(/\s{2,}/), ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
    assert.deepEqual(row!.split(/\s+/).slice(0, 4), ['y', '1', 'N/A', '0']);

    const both = await suite.kubectl('create', 'pdb', 'z', '--selector=app=y', '--max-unavailable=50%');
    assert.equal(both.code, 0, both.stderr);
    const z = (await suite.kubectl('get', 'pdb', 'z', '--no-headers')).stdout.trim().split(/\s+/);
    assert.deepEqual(z.slice(0, 3), ['z', 'N/A', '50%']);
    assert.equal((await suite.kubectl('delete', 'pdb', 'z', 'y')).code, 0);

    const explain = await suite.kubectl('explain', 'pdb.spec');
    assert.equal(explain.code, 0, explain.stderr);
    assert.match(explain.stdout, /minAvailable/);
    assert.match(explain.stdout, /unhealthyPodEvictionPolicy/);
  });

  it('drain retries evictions the budget refuses, then evicts once it allows them', async () => {
    assert.equal((await api(url(), 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pdb-n1' } })).status, 201);
    await readyPod('web-a', 'pdb-n1', { app: 'web' });
    await readyPod('web-b', 'pdb-n1', { app: 'web' });
    const c = await suite.kubectl('create', 'pdb', 'web', '--selector=app=web', '--min-available=2');
    assert.equal(c.code, 0, c.stderr);
    await allowed('web', 0);
    const described = await suite.kubectl('describe', 'pdb', 'web');
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /Min available:\s+2/);
    assert.match(described.stdout, /Allowed disruptions:\s+0/);
    assert.match(described.stdout, /Current:\s+2/);

    const blocked = await suite.kubectl('drain', 'pdb-n1', '--force', '--grace-period=0', '--timeout=7s');
    assert.notEqual(blocked.code, 0, 'drain gives up at its timeout');
    assert.match(blocked.stderr, /error when evicting pods\/"web-[ab]" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
    for (const p of ['web-a', 'web-b']) assert.equal((await api(url(), 'GET', `${NS}/pods/${p}`)).status, 200, `${p} is still there`);

    const patched = await suite.kubectl('patch', 'pdb', 'web', '--type=merge', '-p', '{"spec":{"minAvailable":0}}');
    assert.equal(patched.code, 0, patched.stderr);
    await allowed('web', 2);
    const drained = await suite.kubectl('drain', 'pdb-n1', '--force', '--grace-period=0', '--timeout=30s');
    assert.equal(drained.code, 0, drained.stderr);
    assert.match(drained.stdout, /pod\/web-a evicted/);
    assert.match(drained.stdout, /pod\/web-b evicted/);
    for (const p of ['web-a', 'web-b']) assert.equal((await api(url(), 'GET', `${NS}/pods/${p}`)).status, 404);
  });
});

describe('kubectl drain against `jetkube up --nodes 2 --runtime fake`', { skip: KUBECTL_SKIP, timeout: 240_000 }, () => {
  const NODE = `jkpdb-${Math.random().toString(36).slice(2, 7)}`;
  let cfg: Config | undefined;
  let up: ChildProcess | undefined;
  let base = '';
  const kubectl = (...args: string[]) => run('kubectl', ['--server', base, '--request-timeout=20s', ...args], { ...envFor(cfg!), KUBECONFIG: '/dev/null', HOME: '/tmp' });

  before(async () => {
    cfg = await testConfig('kpdbup', { port: await testPort() });
    base = `http://127.0.0.1:${cfg.port}`;
    process.env.NODE_NAME = NODE;
    process.env.KUBELET_PORT = '0';
    up = await startJetkube(['up', '--insecure', '--nodes', '2', '--runtime', 'fake'], cfg, `${base}/readyz`);
  });
  after(async () => {
    if (up) await stop(up);
    if (cfg) await dropPrefix(cfg);
  });

  const readyPods = async () => {
    const pods = (await api(base, 'GET', `${NS}/pods?labelSelector=app%3Dweb`)).body.items as any[];
    return pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
  };

  it('drains a node one eviction at a time: the budget holds, the pods move to the other node', async () => {
    await eventually('two nodes', async () => ((await api(base, 'GET', '/api/v1/nodes')).body.items?.length ?? 0) === 2, 60_000);
    const d = await kubectl('create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3');
    assert.equal(d.code, 0, d.stderr);
    const p = await kubectl('create', 'pdb', 'web', '--selector=app=web', '--min-available=2');
    assert.equal(p.code, 0, p.stderr);
    await eventually('3 Ready pods and 1 disruption allowed', async () => {
      const b = (await api(base, 'GET', `${PDBS}/web`)).body;
      return (await readyPods()).length === 3 && b.status?.disruptionsAllowed === 1 && b.status.expectedPods === 3;
    }, 60_000);
    // Drain the node with the most pods (at least 2 of the 3).
    const byNode = new Map<string, number>();
    for (const pod of await readyPods()) byNode.set(pod.spec.nodeName, (byNode.get(pod.spec.nodeName) ?? 0) + 1);
    const [node, count] = [...byNode.entries()].sort((a, b) => b[1] - a[1])[0]!;

    // Watch readiness while the drain runs: never fewer than minAvailable Ready pods.
    let lowest = 3;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        lowest = Math.min(lowest, (await readyPods()).length);
        await sleep(50);
      }
    })();
    const drained = await kubectl('drain', node, '--timeout=120s');
    watching = false;
    await watcher;
    assert.equal(drained.code, 0, drained.stderr);
    assert.equal((drained.stdout.match(/^pod\/web-\S+ evicted$/gm) ?? []).length, count, drained.stdout);
    if (count > 1) assert.match(drained.stderr, /Cannot evict pod as it would violate the pod's disruption budget\./);
    assert.ok(lowest >= 2, `never fewer than 2 Ready pods (saw ${lowest})`);
    await eventually('3 Ready pods on the other node', async () => {
      const pods = await readyPods();
      return pods.length === 3 && pods.every((x) => x.spec.nodeName !== node);
    }, 60_000);
  });
});
