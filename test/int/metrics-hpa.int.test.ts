/**
 * Resource metrics end to end inside one process, on real NATS and Postgres: a real kubelet (fake
 * runtime, pods bound to it at create) serves /stats/summary and /metrics/resource; the gateway
 * scrapes it for metrics.k8s.io (list, get, label selector, NotFound, discovery); the HPA
 * controller reads those metrics and sets a Deployment's, a StatefulSet's and a custom resource's
 * replicas through their /scale, with its status, conditions and SuccessfulRescale event; an
 * autoscaling/v1 read shows the same object.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../shared/log.js';
import { startKubelets, type RunningKubelets } from '../../services/kubelet/index.js';
import { kubeletConfigFromEnv } from '../../services/kubelet/config.js';
import { startControllerStack, type ControllerStack } from '../controller-stack.js';
import { api } from '../stack.js';
import { eventually } from '../wait.js';

process.env.HPA_SYNC_PERIOD = '1';

describe('metrics.k8s.io from a real kubelet, and the HPA controller', { timeout: 180_000 }, () => {
  let cs: ControllerStack;
  let kubelets: RunningKubelets;
  let dir: string;
  let node: string;

  before(async () => {
    cs = await startControllerStack('mhpa', ['horizontalpodautoscaling']);
    dir = await mkdtemp(join(tmpdir(), 'jk-mhpa-'));
    node = `mhpa-${cs.stack.cfg.prefix.slice(-6)}`;
    const kcfg = kubeletConfigFromEnv({ ...process.env, KUBELET_PORT: '0', KUBELET_RELIST_MS: '200', KUBELET_ROOT_DIR: dir, NODE_IP: '127.0.0.1' }, { runtime: 'fake', nodeName: node });
    kubelets = await startKubelets({ ...cs.stack.cfg, gatewayUrl: cs.url }, [kcfg], createLogger('kubelet', 'silent'));
  });
  after(async () => {
    await kubelets?.close();
    await cs?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const pod = (name: string, usage: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'burn' }, annotations: { 'jetkube.io/synthetic-usage': usage } },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m' } } }] },
  });

  it('the kubelet serves its Summary and resource metrics', async () => {
    for (const [n, u] of [['burn-1', 'cpu=300m,memory=16Mi'], ['burn-2', 'cpu=300m,memory=16Mi'], ['other', 'cpu=50m']] as const) {
      const r = await api(cs.url, 'POST', '/api/v1/namespaces/default/pods', n === 'other' ? { ...pod(n, u), metadata: { name: n, annotations: { 'jetkube.io/synthetic-usage': u } } } : pod(n, u));
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    await eventually('three containers measured', async () => {
      const s = (await (await fetch(`${kubelets.url}/stats/summary?node=${node}`)).json()) as any;
      return s.pods?.length === 3;
    }, 60_000);
    const s = (await (await fetch(`${kubelets.url}/stats/summary`)).json()) as any;
    assert.equal(s.node.nodeName, node);
    assert.equal(s.pods.find((p: any) => p.podRef.name === 'burn-1').containers[0].memory.workingSetBytes, 16 * 2 ** 20);
    const text = await (await fetch(`${kubelets.url}/metrics/resource`)).text();
    assert.match(text, /^container_cpu_usage_seconds_total\{container="c",namespace="default",pod="burn-1"\} [\d.e-]+ \d+$/m);
    assert.match(text, /^node_memory_working_set_bytes 33554432 \d+$/m);
    const unknown = await fetch(`${kubelets.url}/stats/summary?node=nope`);
    assert.equal(unknown.status, 404);
  });

  it('the kubelet counts its Lease renewals and pod syncs on /metrics', async () => {
    const sample = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const text = await eventually('a scheduled Lease renewal counted', async () => {
      const t = await (await fetch(`${kubelets.url}/metrics`)).text();
      return sample(t, 'jetkube_kubelet_lease_renewals_total{outcome="succeeded"}') >= 1 ? t : undefined;
    }, 30_000);
    assert.ok(sample(text, 'jetkube_kubelet_lease_renewals_total{outcome="attempted"}') >= 1);
    assert.equal(sample(text, 'jetkube_kubelet_lease_renewals_total{outcome="failed"}') || 0, 0);
    assert.ok(sample(text, 'jetkube_kubelet_pod_syncs_total{result="ok"}') >= 1, 'the pods above were synced');
    // One node is no pool: no bound, nothing waits.
    assert.equal(sample(text, 'jetkube_kubelet_pod_syncs_waiting'), 0);
  });

  it('metrics.k8s.io: discovery, list with a label selector, get, NotFound', async () => {
    const groups = await api(cs.url, 'GET', '/apis');
    assert.ok(groups.body.groups.some((g: any) => g.name === 'metrics.k8s.io' && g.preferredVersion.version === 'v1beta1'));
    const resources = await api(cs.url, 'GET', '/apis/metrics.k8s.io/v1beta1');
    assert.deepEqual(resources.body.resources.map((r: any) => [r.name, r.kind, r.namespaced]), [['nodes', 'NodeMetrics', false], ['pods', 'PodMetrics', true]]);
    const list = await api(cs.url, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dburn');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items.map((i: any) => i.metadata.name), ['burn-1', 'burn-2']);
    assert.equal(list.body.items[0].containers[0].usage.cpu, '300m');
    assert.equal(list.body.items[0].containers[0].usage.memory, '16Mi');
    const one = await api(cs.url, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/other');
    assert.equal(one.body.containers[0].usage.cpu, '50m');
    const nodeMetrics = await api(cs.url, 'GET', `/apis/metrics.k8s.io/v1beta1/nodes/${node}`);
    assert.equal(nodeMetrics.body.usage.cpu, '650m');
    const missing = await api(cs.url, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.message, 'podmetrics.metrics.k8s.io "nope" not found');
    const watch = await api(cs.url, 'GET', '/apis/metrics.k8s.io/v1beta1/pods?watch=true');
    assert.equal(watch.status, 405);
  });

  it('the HPA scales a Deployment through /scale from those metrics', async () => {
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'burn' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'burn' } }, template: { metadata: { labels: { app: 'burn' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
    };
    assert.equal((await api(cs.url, 'POST', '/apis/apps/v1/namespaces/default/deployments', dep)).status, 201);
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'burn' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'burn' }, minReplicas: 1, maxReplicas: 4, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
    };
    const created = await api(cs.url, 'POST', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', hpa);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // 2 pods at 300% of their request against 50%: 12 wanted, 4 allowed (max(2 × 2, 4) and maxReplicas).
    await eventually('the Deployment at 4 replicas', async () => (await api(cs.url, 'GET', '/apis/apps/v1/namespaces/default/deployments/burn')).body.spec.replicas === 4, 60_000);
    await eventually('the HPA status', async () => {
      const h = (await api(cs.url, 'GET', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/burn')).body;
      return h.status?.desiredReplicas === 4 && h.status.currentMetrics?.[0]?.resource?.current?.averageUtilization === 300;
    }, 30_000);
    const events = (await api(cs.url, 'GET', '/api/v1/namespaces/default/events')).body.items.filter((e: any) => e.involvedObject.kind === 'HorizontalPodAutoscaler');
    assert.ok(events.some((e: any) => e.reason === 'SuccessfulRescale' && e.message === 'New size: 4; reason: cpu resource utilization (percentage of request) above target'));
    const v1 = await api(cs.url, 'GET', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/burn');
    assert.equal(v1.body.apiVersion, 'autoscaling/v1');
    assert.equal(v1.body.spec.targetCPUUtilizationPercentage, 50);
    assert.equal(v1.body.status.currentCPUUtilizationPercentage, 300);
    const patch = await api(cs.url, 'PATCH', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/burn', { spec: { maxReplicas: 3 } }, 'application/merge-patch+json');
    assert.equal(patch.status, 405);
  });

  it('a StatefulSet target, memory AverageValue: scaled through its /scale too', async () => {
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'burn-sts' },
      spec: { replicas: 2, serviceName: 'burn', selector: { matchLabels: { app: 'burn' } }, template: { metadata: { labels: { app: 'burn' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
    };
    assert.equal((await api(cs.url, 'POST', '/apis/apps/v1/namespaces/default/statefulsets', sts)).status, 201);
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'burn-sts' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'burn-sts' }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '10Mi' } } }] },
    };
    assert.equal((await api(cs.url, 'POST', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', hpa)).status, 201);
    // 16Mi a pod against 10Mi: 4 wanted, 3 allowed.
    await eventually('the StatefulSet at 3 replicas', async () => (await api(cs.url, 'GET', '/apis/apps/v1/namespaces/default/statefulsets/burn-sts')).body.spec.replicas === 3, 60_000);
  });

  it('a custom resource with a scale subresource: found through discovery, scaled through its /scale', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'burners.metrics.example.com' },
      spec: {
        group: 'metrics.example.com',
        scope: 'Namespaced',
        names: { plural: 'burners', singular: 'burner', kind: 'Burner' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } }, status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' } } } } } },
            subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
          },
        ],
      },
    };
    assert.equal((await api(cs.url, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
    const base = '/apis/metrics.example.com/v1/namespaces/default/burners';
    await eventually('the Burner kind served', async () => (await api(cs.url, 'POST', base, { apiVersion: 'metrics.example.com/v1', kind: 'Burner', metadata: { name: 'b' }, spec: { replicas: 2 } })).status === 201, 30_000);
    const cur = (await api(cs.url, 'GET', `${base}/b`)).body;
    const st = await api(cs.url, 'PUT', `${base}/b/status`, { ...cur, status: { replicas: 2, selector: 'app=burn' } });
    assert.equal(st.status, 200, JSON.stringify(st.body));
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'burner' },
      spec: { scaleTargetRef: { apiVersion: 'metrics.example.com/v1', kind: 'Burner', name: 'b' }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
    };
    assert.equal((await api(cs.url, 'POST', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', hpa)).status, 201);
    await eventually('the Burner at 3 replicas', async () => (await api(cs.url, 'GET', `${base}/b`)).body.spec.replicas === 3, 60_000);
  });

  it('a refused HPA: a metric type jetkube cannot serve', async () => {
    const bad = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'bad' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'burn' }, maxReplicas: 3, metrics: [{ type: 'External', external: {} }] },
    };
    const r = await api(cs.url, 'POST', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', bad);
    assert.equal(r.status, 422);
    assert.equal(r.body.details.causes[0].field, 'spec.metrics[0].type');
  });
});
