/**
 * kubectl 1.32 against PodDisruptionBudgets: `create pdb` (a protobuf body), `get pdb` columns,
 * `explain`, and `drain` honouring the budget: refused evictions (429) are retried until --timeout
 * with Kubernetes' message, and go through once the budget allows them. A disruption controller
 * runs in process next to the suite's gateway; the test plays the kubelet (Ready pods).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../shared/log.js';
import { startControllerManager, type RunningControllerManager } from '../../services/controller-manager/manager.js';
import { api } from '../stack.js';
import { eventually } from '../wait.js';
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
