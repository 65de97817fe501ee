/**
 * The kubelet with the docker runtime against a real engine, through the gateway: a pod of
 * busybox httpd (host networking, bound to its pod IP) becomes Ready through an httpGet probe,
 * answers, logs; a killed container is restarted; a restarted kubelet adopts its container; a
 * deleted pod's container is stopped and removed. Skipped without an engine unless REQUIRE_DOCKER=1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type Dockerode from 'dockerode';
import type { Config } from '../../shared/config.js';
import { dropPrefix, testConfig } from '../harness.js';
import { api } from '../stack.js';
import { eventually, sleep } from '../controller-stack.js';
import { dockerForTests, TEST_IMAGE } from '../docker-image.js';
import { envFor, JETKUBE, run, startJetkube, stop } from './cli.js';
import { KUBECTL_SKIP } from './kubectl-harness.js';
import { tmpdir } from 'node:os';

const NS = '/api/v1/namespaces/default';
const RUN = Math.random().toString(36).slice(2, 7);
const NODE_NAME = `docker-${RUN}`;

describe('kubelet with the docker runtime, end to end', async () => {
  const d = await dockerForTests();
  const skip = 'skip' in d ? d.skip : undefined;
  let docker: Dockerode;
  let cfg: Config;
  let base: string;
  let up: ChildProcess | undefined;
  let kubelet: ChildProcess | undefined;
  let kubeletPort: number;

  async function startKubelet(): Promise<ChildProcess> {
    const env = { ...envFor(cfg), GATEWAY_URL: base, KUBELET_PORT: String(kubeletPort), KUBELET_RELIST_MS: '200', CRASHLOOP_BACKOFF_BASE: '0.5', CRASHLOOP_BACKOFF_MAX: '2', NODE_LEASE_RENEW_INTERVAL: '1' };
    const child = spawn(process.execPath, [JETKUBE, 'kubelet', '--runtime', 'docker', '--node-name', NODE_NAME], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    // A kubelet starting while other suites load both cores can take a while: wait longer than the default.
    await eventually('kubelet ready', async () => (await fetch(`http://127.0.0.1:${kubeletPort}/readyz`)).ok, 90_000);
    return child;
  }

  const containers = async () => docker.listContainers({ all: true, filters: { label: [`io.jetkube.node=${NODE_NAME}`] } });

  before(async () => {
    if (skip) return;
    docker = (d as { docker: Dockerode }).docker;
    cfg = await testConfig('kdocker', { port: 20000 + Math.floor(Math.random() * 10000) });
    base = `http://127.0.0.1:${cfg.port}`;
    kubeletPort = 30000 + Math.floor(Math.random() * 20000);
    up = await startJetkube(['up', '--nodes', '0'], cfg, `${base}/readyz`);
    kubelet = await startKubelet();
  });

  after(async () => {
    if (skip) return;
    if (kubelet) await stop(kubelet);
    for (const c of await containers().catch(() => [])) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    if (up) await stop(up);
    await dropPrefix(cfg);
  });

  const getPod = async (name: string) => (await api(base, 'GET', `${NS}/pods/${name}`)).body;

  it('runs a pod: Ready through an httpGet probe, answering on its pod IP, logs through the gateway', { skip }, async () => {
    const r = await api(base, 'POST', `${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'httpd' },
      spec: {
        terminationGracePeriodSeconds: 5,
        containers: [{
          name: 'web',
          image: TEST_IMAGE,
          imagePullPolicy: 'Never',
          command: ['sh', '-c', 'mkdir -p /www && echo "$POD_NAME" > /www/index.html && echo serving && exec httpd -f -p "$POD_IP:8080" -h /www'],
          env: [
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          ],
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
          livenessProbe: { exec: { command: ['true'] }, periodSeconds: 2 },
        }],
      },
    });
    assert.equal(r.status, 201);
    const p = await eventually('ready', async () => {
      const q = await getPod('httpd');
      return q.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True' && q;
    }, 30_000);
    assert.match(p.status.containerStatuses[0].containerID, /^docker:\/\//);
    assert.equal((await (await fetch(`http://${p.status.podIP}:8080/`)).text()).trim(), 'httpd');
    const logs = await api(base, 'GET', `${NS}/pods/httpd/log`);
    assert.equal(logs.body, 'serving\n');
  });

  it('kubectl exec runs through the engine: output, stderr, stdin and its end, the exit code', { skip: skip ?? KUBECTL_SKIP }, async () => {
    const env = { ...process.env, KUBECONFIG: '/dev/null', HOME: tmpdir() };
    const kubectl = (args: string[], input?: string) => run('kubectl', ['--server', base, '--request-timeout=30s', ...args], env, input);
    const r = await kubectl(['exec', 'httpd', '--', 'sh', '-c', 'echo $POD_NAME; echo err >&2; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'httpd\n');
    assert.match(r.stderr, /^err\ncommand terminated with exit code 3\n$/);
    const i = await kubectl(['exec', '-i', 'httpd', '--', 'sh', '-c', 'cat; echo done'], 'in\n');
    assert.equal(i.code, 0, i.stderr);
    assert.equal(i.stdout, 'in\ndone\n');
    // -it: kubectl needs a terminal on its stdin, so it runs under util-linux script, sized 29x97.
    // Engines before API 1.42 size an exec's terminal only after it started: ask a few times.
    const inner = `sh -c 'test -t 0 && for i in 1 2 3 4 5 6 7 8 9 10; do set -- $(stty size); [ $1 != 0 ] && break; sleep 0.1; done; stty size'`;
    const t = await run('script', ['-qefc', `stty cols 97 rows 29; kubectl --server ${base} exec -it httpd -- ${inner}`, '/dev/null'], env);
    assert.equal(t.code, 0, t.stdout + t.stderr);
    assert.match(t.stdout, /29 97\r?\n/);
  });

  it('a killed container is restarted with restartCount 1', { skip }, async () => {
    const before = await getPod('httpd');
    const id = before.status.containerStatuses[0].containerID.replace('docker://', '');
    await docker.getContainer(id).kill({ signal: 'SIGKILL' });
    const p = await eventually('restarted', async () => {
      const q = await getPod('httpd');
      const cs = q.status?.containerStatuses?.[0];
      return cs?.restartCount === 1 && cs.ready && q;
    }, 30_000);
    assert.equal(p.status.containerStatuses[0].lastState.terminated.exitCode, 137);
  });

  it('a restarted kubelet adopts the running container', { skip }, async () => {
    const before = await getPod('httpd');
    await stop(kubelet!);
    kubelet = await startKubelet();
    await sleep(2000);
    const p = await getPod('httpd');
    assert.equal(p.status.containerStatuses[0].containerID, before.status.containerStatuses[0].containerID);
    assert.equal(p.status.containerStatuses[0].restartCount, before.status.containerStatuses[0].restartCount);
    assert.equal(p.status.containerStatuses[0].ready, true);
  });

  it('deleting the pod stops and removes its container', { skip }, async () => {
    assert.equal((await api(base, 'DELETE', `${NS}/pods/httpd`)).status, 200);
    await eventually('pod gone', async () => (await api(base, 'GET', `${NS}/pods/httpd`)).status === 404, 30_000);
    await eventually('containers removed', async () => (await containers()).length === 0, 10_000);
  });
});
