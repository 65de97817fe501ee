/**
 * Containers really run: the control plane (`jetkube up --nodes 0`) and two kubelets
 * (`jetkube kubelet --runtime process`, each its own process) on a fresh prefix. Everything goes
 * through the gateway as a user would; the containers are local processes (node -e ...).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../shared/config.js';
import { dropPrefix, testConfig, testPort } from '../harness.js';
import { api } from '../stack.js';
import { eventually, sleep } from '../controller-stack.js';
import { envFor, JETKUBE, startJetkube, stop } from './cli.js';
import { killContainers } from './cluster.js';

const NS = '/api/v1/namespaces/default';
const NODE = process.execPath;
// Node names are unique per run: a node's pod range derives from its name, and two runs at once
// must not hand out the same loopback addresses.
const RUN = Math.random().toString(36).slice(2, 7);
const A = `node-a-${RUN}`;
const B = `node-b-${RUN}`;

interface KubeletProc {
  readonly name: string;
  readonly root: string;
  child: ChildProcess;
}

/** The pid of the running container `container` of pod `pod`, from the process runtime's files. */
function containerPid(root: string, pod: string, container: string): number | undefined {
  const dir = join(root, 'containers');
  for (const id of readdirSync(dir)) {
    try {
      const meta = JSON.parse(readFileSync(join(dir, id, 'meta.json'), 'utf8')) as { labels: Record<string, string> };
      const st = JSON.parse(readFileSync(join(dir, id, 'state.json'), 'utf8')) as { state: string; pid?: number };
      if (meta.labels['io.jetkube.pod.name'] === pod && meta.labels['io.jetkube.container.name'] === container && st.state === 'running') return st.pid;
    } catch {
      /* being written */
    }
  }
  return undefined;
}

const httpServer = (extra = '') =>
  `${extra}require('http').createServer((q,s)=>s.end(process.env.POD_NAME)).listen(8080, process.env.POD_IP)`;

const podEnv = [
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
];

describe('kubelet with the process runtime, end to end', () => {
  let cfg: Config;
  let base: string;
  let up: ChildProcess;
  let work: string;
  const kubelets: KubeletProc[] = [];

  async function startKubelet(name: string): Promise<KubeletProc> {
    const root = join(work, name);
    const port = await testPort();
    const env = {
      ...envFor(cfg),
      JETKUBE_AUTH: 'off',
      GATEWAY_URL: base,
      KUBELET_ROOT_DIR: root,
      KUBELET_PORT: String(port),
      CRASHLOOP_BACKOFF_BASE: '0.5',
      CRASHLOOP_BACKOFF_MAX: '4',
      KUBELET_RELIST_MS: '200',
      NODE_LEASE_RENEW_INTERVAL: '1',
      NODE_STATUS_UPDATE_FREQUENCY: '2',
    };
    const child = spawn(NODE, [JETKUBE, 'kubelet', '--runtime', 'process', '--node-name', name], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    await eventually(`kubelet ${name} ready`, async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 90_000);
    const k = { name, root, child };
    kubelets.push(k);
    return k;
  }

  before(async () => {
    cfg = await testConfig('kubelet', { port: await testPort() });
    base = `http://127.0.0.1:${cfg.port}`;
    work = mkdtempSync(join(tmpdir(), 'jetkube-e2e-'));
    // Long enough that a kubelet restarted under a loaded machine's CPU is back before its node is
    // declared unreachable (which would evict the pods the restart test expects to keep).
    process.env.NODE_MONITOR_GRACE_PERIOD = '6';
    process.env.DEFAULT_TOLERATION_SECONDS = '1';
    up = await startJetkube(['up', '--insecure', '--nodes', '0'], cfg, `${base}/readyz`);
    await startKubelet(A);
    await startKubelet(B);
  });

  after(async () => {
    for (const k of kubelets) {
      await stop(k.child);
      killContainers(k.root);
    }
    if (up) await stop(up);
    await dropPrefix(cfg);
    rmSync(work, { recursive: true, force: true });
  });

  const pods = async (selector: string) =>
    ((await api(base, 'GET', `${NS}/pods?labelSelector=${encodeURIComponent(selector)}`)).body.items as any[]).filter((p) => !p.metadata.deletionTimestamp);
  const getPod = async (name: string) => (await api(base, 'GET', `${NS}/pods/${name}`)).body;

  it('a Deployment of 3 becomes 3 running processes, Ready through a readiness probe, each answering on its pod IP', async () => {
    const r = await api(base, 'POST', '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            terminationGracePeriodSeconds: 5,
            containers: [{
              name: 'web',
              image: 'node:20',
              command: [NODE, '-e', httpServer()],
              env: podEnv,
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
            }],
          },
        },
      },
    });
    assert.equal(r.status, 201);
    const ready = await eventually('3 ready pods', async () => {
      const ps = await pods('app=web');
      return ps.length === 3 && ps.every((p) => p.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True') && ps;
    });
    assert.deepEqual(new Set(ready.map((p: any) => p.status.phase)), new Set(['Running']));
    assert.equal(new Set(ready.map((p: any) => p.status.podIP)).size, 3, 'every pod has its own IP');
    for (const p of ready) {
      assert.equal(await (await fetch(`http://${p.status.podIP}:8080/`)).text(), p.metadata.name);
      assert.equal(p.status.containerStatuses[0].restartCount, 0);
      assert.match(p.status.containerStatuses[0].containerID, /^process:\/\//);
    }
    const dep = await eventually('deployment available', async () => {
      const d = (await api(base, 'GET', '/apis/apps/v1/namespaces/default/deployments/web')).body;
      return d.status?.availableReplicas === 3 && d;
    });
    assert.equal(dep.status.readyReplicas, 3);
  });

  it('a killed process is restarted: restartCount 1, lastState terminated with 137', async () => {
    const [p] = await pods('app=web');
    const k = kubelets.find((x) => x.name === p.spec.nodeName)!;
    const pid = containerPid(k.root, p.metadata.name, 'web');
    assert.ok(pid, 'the container process exists');
    process.kill(pid, 'SIGKILL');
    const after = await eventually('restarted and ready', async () => {
      const q = await getPod(p.metadata.name);
      const cs = q.status?.containerStatuses?.[0];
      return cs?.restartCount === 1 && cs.ready && cs.state.running && q;
    });
    assert.equal(after.status.containerStatuses[0].lastState.terminated.exitCode, 137);
    assert.equal(after.metadata.uid, p.metadata.uid, 'the same pod, restarted in place');
  });

  it('a crashing container goes into CrashLoopBackOff with growing delays', async () => {
    const r = await api(base, 'POST', `${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'crasher' },
      spec: { containers: [{ name: 'c', image: 'node:20', command: [NODE, '-e', 'console.log("crash"); process.exit(2)'] }] },
    });
    assert.equal(r.status, 201);
    const seen = new Map<number, number>();
    let backoffReason = '';
    await eventually('4 restarts', async () => {
      const cs = (await getPod('crasher')).status?.containerStatuses?.[0];
      if (cs && !seen.has(cs.restartCount)) seen.set(cs.restartCount, Date.now());
      if (cs?.state?.waiting?.reason === 'CrashLoopBackOff') backoffReason = cs.state.waiting.message;
      return cs?.restartCount >= 4;
    }, 60_000);
    assert.match(backoffReason, /^back-off .* restarting failed container=c pod=crasher_default/);
    const gap = (a: number, b: number) => seen.get(b)! - seen.get(a)!;
    assert.ok(seen.has(1) && seen.has(3) && seen.has(4), `restart counts observed: ${[...seen.keys()]}`);
    assert.ok(gap(3, 4) > gap(0, 1) || !seen.has(0), `delays grow: 0→1 ${seen.has(0) ? gap(0, 1) : '?'} ms, 3→4 ${gap(3, 4)} ms`);
    const logs = await api(base, 'GET', `${NS}/pods/crasher/log?previous=true`);
    assert.equal(logs.status, 200);
    assert.equal(logs.body, 'crash\n');
    assert.equal((await api(base, 'DELETE', `${NS}/pods/crasher`)).status, 200);
  });

  it('deleting a pod sends SIGTERM, waits, then the pod is gone', async () => {
    const mark = join(work, 'sigterm-mark');
    const r = await api(base, 'POST', `${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'graceful' },
      spec: {
        terminationGracePeriodSeconds: 10,
        containers: [{
          name: 'c',
          image: 'node:20',
          command: [NODE, '-e', `process.on('SIGTERM', () => { require('fs').writeFileSync(process.env.MARK, 'term'); setTimeout(() => process.exit(0), 300) }); setInterval(() => {}, 1000); console.log('up')`],
          env: [{ name: 'MARK', value: mark }],
        }],
      },
    });
    assert.equal(r.status, 201);
    const p = await eventually('running', async () => {
      const q = await getPod('graceful');
      return q.status?.phase === 'Running' && q;
    });
    const k = kubelets.find((x) => x.name === p.spec.nodeName)!;
    // Running means started, not that the SIGTERM handler is installed yet: wait for its "up".
    await eventually('the handler installed', async () => (await api(base, 'GET', `${NS}/pods/graceful/log`)).body === 'up\n');
    const pid = containerPid(k.root, 'graceful', 'c')!;
    const del = await api(base, 'DELETE', `${NS}/pods/graceful`);
    assert.equal(del.status, 200);
    assert.ok(del.body.metadata.deletionTimestamp, 'deleted gracefully: a deletionTimestamp first');
    await eventually('pod gone', async () => (await api(base, 'GET', `${NS}/pods/graceful`)).status === 404);
    assert.equal(readFileSync(mark, 'utf8'), 'term', 'the process got SIGTERM');
    assert.throws(() => process.kill(pid, 0), 'the process is gone');
  });

  it('restartPolicy Never: a pod ends Succeeded or Failed with the exit code', async () => {
    for (const [name, code] of [['job-ok', 0], ['job-fail', 3]] as const) {
      const r = await api(base, 'POST', `${NS}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'node:20', command: [NODE, '-e', `process.exit(${code})`] }] },
      });
      assert.equal(r.status, 201);
    }
    const ok = await eventually('succeeded', async () => {
      const q = await getPod('job-ok');
      return q.status?.phase === 'Succeeded' && q;
    });
    assert.equal(ok.status.containerStatuses[0].state.terminated.exitCode, 0);
    assert.equal(ok.status.containerStatuses[0].state.terminated.reason, 'Completed');
    const failed = await eventually('failed', async () => {
      const q = await getPod('job-fail');
      return q.status?.phase === 'Failed' && q;
    });
    assert.equal(failed.status.containerStatuses[0].state.terminated.exitCode, 3);
    assert.equal(failed.status.containerStatuses[0].restartCount, 0);
  });

  it('init containers run first; env comes from a ConfigMap, a Secret and the downward API; logs through the gateway', async () => {
    await api(base, 'POST', `${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { GREETING: 'hello' } });
    await api(base, 'POST', `${NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, data: { token: Buffer.from('s3cret').toString('base64') } });
    const r = await api(base, 'POST', `${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'envpod' },
      spec: {
        restartPolicy: 'Never',
        initContainers: [{ name: 'init', image: 'node:20', command: [NODE, '-e', `require('fs').writeFileSync('init.txt', 'from-init')`] }],
        containers: [{
          name: 'c',
          image: 'node:20',
          command: [NODE, '-e', `console.log([process.env.GREETING, process.env.TOKEN, process.env.NS, require('fs').readFileSync('init.txt','utf8'), process.env.MSG].join(' '))`],
          envFrom: [{ configMapRef: { name: 'settings' } }],
          env: [
            { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
            { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'MSG', value: '$(GREETING)-world' },
          ],
        }],
      },
    });
    assert.equal(r.status, 201);
    const done = await eventually('succeeded', async () => {
      const q = await getPod('envpod');
      return q.status?.phase === 'Succeeded' && q;
    });
    assert.equal(done.status.initContainerStatuses[0].state.terminated.exitCode, 0);
    assert.equal(done.status.conditions.find((c: any) => c.type === 'Initialized').status, 'True');
    const logs = await api(base, 'GET', `${NS}/pods/envpod/log?container=c`);
    assert.equal(logs.body, 'hello s3cret default from-init hello-world\n');
    const tail = await api(base, 'GET', `${NS}/pods/envpod/log?container=c&timestamps=true&tailLines=1`);
    assert.match(tail.body, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z hello/);
  });

  it('a missing ConfigMap keeps the container waiting with CreateContainerConfigError, until it appears', async () => {
    await api(base, 'POST', `${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'needs-config' },
      spec: { containers: [{ name: 'c', image: 'node:20', command: [NODE, '-e', 'setInterval(()=>{},1000)'], envFrom: [{ configMapRef: { name: 'later' } }] }] },
    });
    const w = await eventually('waiting', async () => (await getPod('needs-config')).status?.containerStatuses?.[0]?.state?.waiting);
    assert.equal(w.reason, 'CreateContainerConfigError');
    assert.equal(w.message, 'configmap "later" not found');
    await api(base, 'POST', `${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later' }, data: { A: '1' } });
    await eventually('running', async () => (await getPod('needs-config')).status?.phase === 'Running');
    await api(base, 'DELETE', `${NS}/pods/needs-config`);
  });

  it('a kubelet restarted keeps its containers: no restart, restart counts kept, no status write', async () => {
    const before = await pods('app=web');
    const k = kubelets.find((x) => x.name === A)!;
    await stop(k.child);
    kubelets.splice(kubelets.indexOf(k), 1);
    const again = await startKubelet(A);
    assert.ok(again);
    await sleep(2500);
    const afterPods = await pods('app=web');
    for (const p of before) {
      const q = afterPods.find((x) => x.metadata.name === p.metadata.name);
      assert.ok(q, `${p.metadata.name} still exists`);
      assert.equal(q.status.containerStatuses[0].containerID, p.status.containerStatuses[0].containerID, 'the same container');
      assert.equal(q.status.containerStatuses[0].restartCount, p.status.containerStatuses[0].restartCount);
      assert.equal(q.status.containerStatuses[0].ready, true);
    }
  });

  it('stopping one kubelet of two moves its pods to the other node', async () => {
    const b = kubelets.find((x) => x.name === B)!;
    const onB = (await pods('app=web')).filter((p) => p.spec.nodeName === B);
    if (onB.length === 0) return; // the scheduler put all three on node-a: nothing to move
    b.child.kill('SIGKILL');
    await eventually('node-b Unknown', async () => {
      const n = (await api(base, 'GET', `/api/v1/nodes/${B}`)).body;
      return n.status.conditions.find((c: any) => c.type === 'Ready')?.status === 'Unknown';
    }, 30_000);
    const moved = await eventually('3 ready pods on node-a', async () => {
      const ps = await pods('app=web');
      return ps.length === 3 && ps.every((p) => p.spec.nodeName === A && p.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True') && ps;
    }, 45_000);
    for (const p of onB) assert.ok(!moved.some((q: any) => q.metadata.name === p.metadata.name), 'the pods of node-b were replaced');
  });
});
