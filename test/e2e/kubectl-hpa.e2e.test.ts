/**
 * Resource metrics and the HorizontalPodAutoscaler with the real kubectl against `jetkube up
 * --runtime fake`: examples/cpu-hungry.yaml's pods report the synthetic load their annotation
 * declares (200m of a 100m request); `kubectl top` shows it, the HPA scales the Deployment up to
 * its maximum, and after the load drops (a new template) and the stabilization window (shortened
 * to a few seconds by HPA_DOWNSCALE_STABILIZATION) back down to its minimum. `kubectl autoscale`
 * creates an autoscaling/v2 HPA; pods without a cpu request leave it ScalingActive=False.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { eventually } from '../wait.js';
import { KUBECTL_SKIP, kubectlUpSuite } from './kubectl-harness.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/cpu-hungry.yaml', import.meta.url));

// The controller-manager and gateway of `jetkube up` read these: a resync every second, metrics
// at most a second old, and a scale-down stabilization of 4 s instead of 5 min.
process.env.HPA_SYNC_PERIOD = '1';
process.env.HPA_DOWNSCALE_STABILIZATION = '4';
process.env.METRICS_RESOLUTION = '1';

describe('kubectl top and the HPA against `jetkube up --runtime fake`', { skip: KUBECTL_SKIP, timeout: 300_000 }, () => {
  const suite = kubectlUpSuite('khpa', 1);
  const { kubectl, ok } = suite;
  const replicas = async (name: string) => JSON.parse(await ok('get', 'deployment', name, '-o', 'json')).spec.replicas as number;

  it('kubectl apply of examples/cpu-hungry.yaml; kubectl top pods shows the synthetic load', async () => {
    assert.equal(await ok('apply', '-f', EXAMPLE), 'deployment.apps/cpu-hungry created\nhorizontalpodautoscaler.autoscaling/cpu-hungry created\n');
    await eventually('kubectl top pods shows cpu-hungry at 200m and 32Mi', async () => {
      const r = await kubectl('top', 'pods', '-l', 'app=cpu-hungry');
      return r.code === 0 && /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\ncpu-hungry-\S+\s+200m\s+32Mi\s*\n/.test(r.stdout);
    }, 60_000);
    const containers = await ok('top', 'pods', '-l', 'app=cpu-hungry', '--containers');
    assert.match(containers, /^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\ncpu-hungry-\S+\s+burn\s+200m\s+32Mi/);
    const nodes = await ok('top', 'nodes');
    assert.match(nodes, new RegExp(`^NAME\\s+CPU\\(cores\\)\\s+CPU(\\(%\\)|%)\\s+MEMORY\\(bytes\\)\\s+MEMORY(\\(%\\)|%)\\s*\\n${suite.node}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`));
    const pm = JSON.parse(await ok('get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dcpu-hungry'));
    assert.equal(pm.kind, 'PodMetricsList');
    assert.equal(pm.items[0].containers[0].usage.cpu, '200m');
    assert.match(pm.items[0].window, /^\d+(\.\d+)?m?s$/);
  });

  it('the HPA scales the Deployment up to maxReplicas; kubectl get hpa prints its columns', async () => {
    await eventually('cpu-hungry at 5 replicas', async () => (await replicas('cpu-hungry')) === 5, 90_000);
    await eventually('kubectl get hpa shows 5 replicas at 200%', async () => {
      const out = (await kubectl('get', 'hpa')).stdout;
      return /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\ncpu-hungry\s+Deployment\/cpu-hungry\s+cpu: 200%\/50%\s+1\s+5\s+5\s+\d+s\n$/.test(out);
    }, 60_000);
    const events = await ok('get', 'events', '--field-selector', 'involvedObject.kind=HorizontalPodAutoscaler', '-o', 'json');
    const messages = JSON.parse(events).items.filter((e: any) => e.reason === 'SuccessfulRescale').map((e: any) => e.message);
    assert.ok(messages.includes('New size: 4; reason: cpu resource utilization (percentage of request) above target'), messages.join('\n'));
    const hpa = JSON.parse(await ok('get', 'hpa', 'cpu-hungry', '-o', 'json'));
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.equal(hpa.status.desiredReplicas, 5);
    const cond = (t: string) => hpa.status.conditions.find((c: any) => c.type === t);
    assert.equal(cond('ScalingActive').reason, 'ValidMetricFound');
    assert.equal(cond('ScalingLimited').status, 'True');
    assert.equal(cond('ScalingLimited').reason, 'TooManyReplicas');
  });

  it('when the load drops, after the stabilization window, it scales down to minReplicas', async () => {
    await ok('patch', 'deployment', 'cpu-hungry', '-p', '{"spec":{"template":{"metadata":{"annotations":{"jetkube.io/synthetic-usage":"cpu=10m,memory=32Mi"}}}}}');
    await eventually('cpu-hungry back at 1 replica', async () => (await replicas('cpu-hungry')) === 1, 120_000);
    const events = JSON.parse(await ok('get', 'events', '--field-selector', 'involvedObject.kind=HorizontalPodAutoscaler', '-o', 'json'));
    const messages = events.items.filter((e: any) => e.reason === 'SuccessfulRescale').map((e: any) => e.message);
    assert.ok(messages.includes('New size: 1; reason: All metrics below target'), messages.join('\n'));
  });

  it('kubectl autoscale creates an autoscaling/v2 HPA; pods without a cpu request: ScalingActive False', async () => {
    await ok('create', 'deployment', 'plain', '--image=nginx:1.27');
    assert.equal(await ok('autoscale', 'deployment', 'plain', '--cpu-percent=50', '--min=1', '--max=5'), 'horizontalpodautoscaler.autoscaling/plain autoscaled\n');
    const hpa = JSON.parse(await ok('get', 'hpa', 'plain', '-o', 'json'));
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
    assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [1, 5]);
    await eventually('ScalingActive False: missing request', async () => {
      const h = JSON.parse(await ok('get', 'hpa', 'plain', '-o', 'json'));
      const c = h.status.conditions?.find((x: any) => x.type === 'ScalingActive');
      return c?.status === 'False' && c.reason === 'FailedGetResourceMetric' && /missing request for cpu in container nginx of Pod plain-/.test(c.message);
    }, 60_000);
    const refused = await kubectl('autoscale', 'deployment', 'plain', '--name', 'bad', '--min=3', '--max=2');
    assert.notEqual(refused.code, 0);
  });
});

describe('kubectl top against `jetkube up --runtime process`', { skip: KUBECTL_SKIP, timeout: 240_000 }, () => {
  const suite = kubectlUpSuite('ktop', 1, 'process');
  const { kubectl, ok } = suite;

  it('kubectl top pod, --containers and top node measure a real process from /proc', async (t) => {
    await ok('run', 'spin', '--image=busybox:1.36', '--', 'sh', '-c', 'while :; do i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done; sleep 0.2; done');
    // A process runtime's container outlives the kubelet: the pod is deleted (its process stopped) before the suite ends.
    t.after(async () => void (await kubectl('delete', 'pod', 'spin', '--grace-period=1', '--wait=true')));
    await ok('wait', '--for=condition=Ready', 'pod/spin', '--timeout=60s');
    await eventually('kubectl top pod spin measures cpu and memory', async () => {
      const r = await kubectl('top', 'pod', 'spin');
      const m = /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\nspin\s+(\d+)m\s+(\d+)Mi\s*\n$/.exec(r.stdout);
      return !!m && Number(m[1]) > 0;
    }, 60_000);
    assert.match(await ok('top', 'pod', 'spin', '--containers'), /^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\nspin\s+spin\s+\d+m\s+\d+Mi/);
    assert.match(await ok('top', 'node', suite.node), new RegExp(`\\n${suite.node}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`));
    const jk = await suite.jkctl('top', 'pod', 'spin');
    assert.equal(jk.code, 0, jk.stderr);
    assert.match(jk.stdout, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\nspin\s+\d+m\s+\d+Mi/);
  });
});
