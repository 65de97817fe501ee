#!/usr/bin/env node
/**
 * An example operator for jetkube, written as one would for any Kubernetes cluster, with
 * @kubernetes/client-node and nothing jetkube-specific: `node examples/operator/operator.mjs`.
 * It reads the usual kubeconfig (KUBECONFIG, ~/.kube/config, or in-cluster).
 *
 * For every WebApp (examples/operator/webapp-crd.yaml) it keeps a Deployment and a Service of the
 * same name, both owned by the WebApp (ownerReferences with controller: true), so deleting the
 * WebApp lets the garbage collector remove them. It writes the WebApp's status (phase, ready
 * replicas, observed generation) through the status subresource.
 *
 * Shape: informers on WebApps and on the Deployments it manages only put a key
 * (namespace/name) on a queue; one worker reconciles keys: read the WebApp, server-side apply the
 * children (idempotent), compute the status, write it when it changed. Errors requeue with backoff.
 *
 * Environment: WATCH_NAMESPACE (default: all namespaces), LOG_LEVEL=debug for more lines.
 */
import * as k8s from '@kubernetes/client-node';

const GROUP = 'demo.jetkube.dev';
const VERSION = 'v1';
const PLURAL = 'webapps';
const MANAGER = 'webapp-operator';
const MANAGED_BY = 'app.kubernetes.io/managed-by';
const NAMESPACE = process.env.WATCH_NAMESPACE || '';
const DEBUG = process.env.LOG_LEVEL === 'debug';

const log = (level, msg, fields = {}) => {
  if (level === 'debug' && !DEBUG) return;
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
};

const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const objects = k8s.KubernetesObjectApi.makeApiClient(kc);

// ------------------------------------------------------------------ desired state (pure)

const labelsOf = (wa) => ({ 'app.kubernetes.io/name': wa.metadata.name, 'app.kubernetes.io/instance': wa.metadata.name, [MANAGED_BY]: MANAGER });
const selectorOf = (wa) => ({ 'app.kubernetes.io/instance': wa.metadata.name, [MANAGED_BY]: MANAGER });
const ownerRef = (wa) => ({ apiVersion: `${GROUP}/${VERSION}`, kind: 'WebApp', name: wa.metadata.name, uid: wa.metadata.uid, controller: true, blockOwnerDeletion: true });

function desiredDeployment(wa) {
  const port = wa.spec.port ?? 8080;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: wa.metadata.name, namespace: wa.metadata.namespace, labels: labelsOf(wa), ownerReferences: [ownerRef(wa)] },
    spec: {
      replicas: wa.spec.replicas ?? 1,
      selector: { matchLabels: selectorOf(wa) },
      template: {
        metadata: { labels: labelsOf(wa) },
        spec: {
          containers: [
            {
              name: 'app',
              image: wa.spec.image,
              ...(wa.spec.command ? { command: wa.spec.command } : {}),
              ports: [{ name: 'http', containerPort: port }],
              env: [
                { name: 'PORT', value: String(port) },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              ],
            },
          ],
        },
      },
    },
  };
}

function desiredService(wa) {
  const port = wa.spec.port ?? 8080;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: wa.metadata.name, namespace: wa.metadata.namespace, labels: labelsOf(wa), ownerReferences: [ownerRef(wa)] },
    spec: { selector: selectorOf(wa), ports: [{ name: 'http', port, targetPort: 'http' }] },
  };
}

function statusOf(wa, deployment) {
  const want = wa.spec.replicas ?? 1;
  const ready = deployment?.status?.readyReplicas ?? 0;
  return {
    phase: ready >= want ? 'Ready' : 'Progressing',
    deployment: wa.metadata.name,
    service: wa.metadata.name,
    readyReplicas: ready,
    observedGeneration: wa.metadata.generation ?? 0,
  };
}

const sameStatus = (a = {}, b = {}) => ['phase', 'deployment', 'service', 'readyReplicas', 'observedGeneration'].every((k) => a[k] === b[k]);

// ------------------------------------------------------------------ reconcile (I/O)

async function reconcile(key) {
  const [namespace, name] = key.split('/');
  let wa;
  try {
    wa = await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name });
  } catch (e) {
    if (e?.code === 404) return log('debug', 'webapp gone: its children are the garbage collector\'s', { key });
    throw e;
  }
  if (wa.metadata.deletionTimestamp) return;
  for (const child of [desiredDeployment(wa), desiredService(wa)]) {
    await objects.patch(child, undefined, undefined, MANAGER, true, k8s.PatchStrategy.ServerSideApply);
  }
  const deployment = await apps.readNamespacedDeployment({ name, namespace }).catch((e) => (e?.code === 404 ? undefined : Promise.reject(e)));
  const status = statusOf(wa, deployment);
  if (sameStatus(wa.status, status)) return;
  await custom.patchNamespacedCustomObjectStatus(
    { group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: { metadata: { resourceVersion: wa.metadata.resourceVersion }, status } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  log('info', 'webapp reconciled', { key, ...status });
}

// ------------------------------------------------------------------ queue: only keys travel, one worker

const queued = new Set();
const failures = new Map();
let wake;
function enqueue(key, delayMs = 0) {
  if (delayMs > 0) return void setTimeout(() => enqueue(key), delayMs);
  queued.add(key);
  wake?.();
}
async function worker() {
  for (;;) {
    if (queued.size === 0) await new Promise((r) => (wake = r));
    const [key] = queued;
    if (key === undefined) continue;
    queued.delete(key);
    try {
      await reconcile(key);
      failures.delete(key);
    } catch (e) {
      const n = (failures.get(key) ?? 0) + 1;
      failures.set(key, n);
      const delay = Math.min(30_000, 100 * 2 ** n);
      log(e?.code === 409 ? 'debug' : 'warn', 'reconcile failed; requeueing', { key, code: e?.code, err: String(e?.body ?? e?.message ?? e).slice(0, 300), delayMs: delay });
      enqueue(key, delay);
    }
  }
}

// ------------------------------------------------------------------ informers

const keyOf = (o) => `${o.metadata.namespace}/${o.metadata.name}`;
const path = (base) => (NAMESPACE ? `${base}/namespaces/${NAMESPACE}` : base);

function run(informer, what) {
  informer.on('error', (e) => {
    log('warn', 'watch failed; restarting', { what, err: String(e?.message ?? e) });
    setTimeout(() => informer.start().catch(() => undefined), 2000);
  });
  return informer.start();
}

const webapps = k8s.makeInformer(kc, `${path(`/apis/${GROUP}/${VERSION}`)}/${PLURAL}`, () =>
  NAMESPACE
    ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NAMESPACE, plural: PLURAL })
    : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL }),
);
for (const ev of ['add', 'update']) webapps.on(ev, (o) => enqueue(keyOf(o)));

const selector = `${MANAGED_BY}=${MANAGER}`;
const deployments = k8s.makeInformer(
  kc,
  `${path('/apis/apps/v1')}/deployments`,
  () => (NAMESPACE ? apps.listNamespacedDeployment({ namespace: NAMESPACE, labelSelector: selector }) : apps.listDeploymentForAllNamespaces({ labelSelector: selector })),
  selector,
);
const ownerKey = (d) => {
  const ref = (d.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === 'WebApp' && r.apiVersion === `${GROUP}/${VERSION}`);
  return ref ? `${d.metadata.namespace}/${ref.name}` : undefined;
};
for (const ev of ['add', 'update', 'delete']) deployments.on(ev, (d) => { const k = ownerKey(d); if (k) enqueue(k); });

await Promise.all([run(webapps, 'webapps'), run(deployments, 'deployments')]);
void worker();
log('info', 'webapp operator started', { server: kc.getCurrentCluster()?.server, namespace: NAMESPACE || '(all)' });

const shutdown = async () => {
  log('info', 'stopping');
  await Promise.allSettled([webapps.stop(), deployments.stop()]);
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
