/**
 * The kubelet with the docker runtime against a real engine, through the gateway: a pod of
 * busybox httpd (host networking, bound to its pod IP) becomes Ready through an httpGet probe,
 * answers, logs; a killed container is restarted; a restarted kubelet adopts its container; a
 * deleted pod's container is stopped and removed; a pod reads its configMap (bind-mounted
 * read-only, a subPath too, and an update reaching a running container) and writes an emptyDir
 * and a Memory emptyDir (a tmpfs the kubelet mounts, shared with an init container). Skipped
 * without an engine unless REQUIRE_DOCKER=1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type Dockerode from 'dockerode';
import type { Config } from '../../shared/config.js';
import { dropPrefix, testConfig, testPort } from '../harness.js';
import { api } from '../stack.js';
import { eventually, sleep } from '../controller-stack.js';
import { dockerForTests, TEST_IMAGE } from '../docker-image.js';
import { envFor, JETKUBE, run, startJetkube, stop } from './cli.js';
import { KUBECTL_SKIP } from './kubectl-harness.js';
import { tmpdir } from 'node:os';
import { freePort } from '../private-nats.js';

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
    // A ConfigMap update reaches a mounted file within a sync period plus the kubelet's 10 s cache,
    // as in Kubernetes: a 5 s sync period (not 60) keeps that test within its wait.
    const env = { ...envFor(cfg), JETKUBE_AUTH: 'off', GATEWAY_URL: base, KUBELET_PORT: String(kubeletPort), KUBELET_RELIST_MS: '200', KUBELET_SYNC_FREQUENCY: '5', CRASHLOOP_BACKOFF_BASE: '0.5', CRASHLOOP_BACKOFF_MAX: '2', NODE_LEASE_RENEW_INTERVAL: '1' };
    const child = spawn(process.execPath, [JETKUBE, 'kubelet', '--runtime', 'docker', '--node-name', NODE_NAME], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    // Its log, to say why when it does not become ready (the last 40 lines).
    const lines: string[] = [];
    child.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean).slice(-40)) && lines.splice(0, Math.max(0, lines.length - 40)));
    let exited: string | undefined;
    child.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
    // A kubelet starting while other suites load both cores can take a while: wait longer than the default.
    try {
      await eventually('kubelet ready', async () => {
        if (exited) throw new Error(exited);
        return (await fetch(`http://127.0.0.1:${kubeletPort}/readyz`)).ok;
      }, 90_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}; ${exited ?? 'still running'}; its log:\n${lines.join('\n')}`);
    }
    return child;
  }

  const containers = async () => docker.listContainers({ all: true, filters: { label: [`io.jetkube.node=${NODE_NAME}`] } });

  before(async () => {
    if (skip) return;
    docker = (d as { docker: Dockerode }).docker;
    cfg = await testConfig('kdocker', { port: await testPort() });
    base = `http://127.0.0.1:${cfg.port}`;
    kubeletPort = await freePort();
    // metrics.k8s.io scrapes the kubelet every 2 s here (default 15 s), for a shorter `kubectl top` step.
    process.env.METRICS_RESOLUTION = '2';
    up = await startJetkube(['up', '--insecure', '--nodes', '0'], cfg, `${base}/readyz`);
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

  it('kubectl port-forward reaches the container through the engine; kubectl top shows its usage from the engine\'s stats', { skip: skip ?? KUBECTL_SKIP }, async () => {
    const env = { ...process.env, KUBECONFIG: '/dev/null', HOME: tmpdir() };
    const local = await freePort();
    const pf = spawn('kubectl', ['--server', base, 'port-forward', 'pod/httpd', `${local}:8080`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      pf.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      pf.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      await eventually('Forwarding from', async () => out.includes(`Forwarding from 127.0.0.1:${local} -> 8080`), 30_000);
      assert.equal((await (await fetch(`http://127.0.0.1:${local}/`)).text()).trim(), 'httpd', out);
    } finally {
      pf.kill('SIGTERM');
    }
    const top = await eventually('kubectl top pod httpd', async () => {
      const r = await run('kubectl', ['--server', base, 'top', 'pod', 'httpd', '--containers'], env);
      return r.code === 0 && /^httpd\s+web\s+\d+m\s+\d+Mi/m.test(r.stdout) && r.stdout;
    }, 60_000, 1000);
    assert.match(top, /^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
  });

  it('kubectl attach -i sends stdin to a stdinOnce container through the engine', { skip: skip ?? KUBECTL_SKIP }, async () => {
    const env = { ...process.env, KUBECONFIG: '/dev/null', HOME: tmpdir() };
    const r = await api(base, 'POST', `${NS}/pods`, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'echoer' },
      spec: { restartPolicy: 'Never', containers: [{ name: 'e', image: TEST_IMAGE, imagePullPolicy: 'Never', stdin: true, stdinOnce: true, command: ['sh', '-c', 'read line; echo "got $line"'] }] },
    });
    assert.equal(r.status, 201);
    await eventually('echoer running', async () => (await getPod('echoer')).status?.phase === 'Running', 30_000);
    const a = await run('kubectl', ['--server', base, '--request-timeout=30s', 'attach', '-i', 'echoer'], env, 'hello\n');
    assert.match(a.stdout, /got hello/, a.stderr);
    await eventually('echoer Succeeded', async () => (await getPod('echoer')).status?.phase === 'Succeeded', 30_000);
    assert.equal((await api(base, 'DELETE', `${NS}/pods/echoer`)).status, 200);
    await eventually('echoer gone', async () => (await api(base, 'GET', `${NS}/pods/echoer`)).status === 404, 30_000);
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

  it('volumes: a configMap bind-mounted read-only (and by subPath), an emptyDir, a Memory emptyDir (tmpfs) shared with an init container', { skip }, async () => {
    const cm = await api(base, 'POST', `${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'vol-cfg' }, data: { greeting: 'hello' } });
    assert.equal(cm.status, 201);
    const secret = await api(base, 'POST', `${NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'vol-secret' }, stringData: { password: 's3cret' } });
    assert.equal(secret.status, 201);
    const r = await api(base, 'POST', `${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'volumes' },
      spec: {
        restartPolicy: 'Never',
        initContainers: [{ name: 'init', image: TEST_IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', 'echo from-init > /mem/init'], volumeMounts: [{ name: 'mem', mountPath: '/mem' }] }],
        containers: [{
          name: 'c',
          image: TEST_IMAGE,
          imagePullPolicy: 'Never',
          // Shell builtins only (the test image may hold just sh and sleep).
          command: ['sh', '-c', [
            'show() { while IFS= read -r l || [ -n "$l" ]; do echo "$l"; done < "$1"; }',
            'show /etc/cfg/greeting',
            'show /etc/greeting',
            '(echo x > /etc/cfg/new) 2>/dev/null && echo writable || echo read-only',
            'echo kept > /scratch/f && show /scratch/f',
            'while read -r dev mnt fs rest; do [ "$mnt" = /mem ] && echo "$fs"; done < /proc/mounts',
            'show /mem/init',
            'show /etc/creds/password',
          ].join('; ')],
          volumeMounts: [
            { name: 'cfg', mountPath: '/etc/cfg' },
            { name: 'cfg', mountPath: '/etc/greeting', subPath: 'greeting' },
            { name: 'scratch', mountPath: '/scratch' },
            { name: 'mem', mountPath: '/mem' },
            { name: 'creds', mountPath: '/etc/creds' },
          ],
        }],
        volumes: [
          { name: 'cfg', configMap: { name: 'vol-cfg' } },
          { name: 'scratch', emptyDir: {} },
          { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
          { name: 'creds', secret: { secretName: 'vol-secret', defaultMode: 0o400 } },
        ],
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const p = await eventually('finished', async () => {
      const q = await getPod('volumes');
      return ['Succeeded', 'Failed'].includes(q.status?.phase) && q;
    }, 60_000);
    const logs = await api(base, 'GET', `${NS}/pods/volumes/log`);
    assert.equal(p.status.phase, 'Succeeded', String(logs.body));
    assert.equal(logs.body, 'hello\nhello\nread-only\nkept\ntmpfs\nfrom-init\ns3cret\n');
    const tmpfsMounts = async () => (await readFile('/proc/mounts', 'utf8')).split('\n').filter((l) => l.includes(p.metadata.uid) && l.startsWith('tmpfs ')).length;
    // Three: the Memory emptyDir (shared by the init and app containers), the secret, and the
    // ServiceAccount token volume (kube-api-access-…) the gateway's admission added to the pod.
    assert.equal(await tmpfsMounts(), 3, 'the kubelet mounted a tmpfs for the Memory emptyDir, one for the secret and one for the projected ServiceAccount token');
    assert.equal((await api(base, 'DELETE', `${NS}/pods/volumes`)).status, 200);
    await eventually('pod gone', async () => (await api(base, 'GET', `${NS}/pods/volumes`)).status === 404, 30_000);
    await eventually('its tmpfs unmounted', async () => (await tmpfsMounts()) === 0, 30_000);
  });

  it('a ConfigMap update reaches the file inside the running container (the bind-mounted directory sees the ..data swap)', { skip }, async () => {
    const r = await api(base, 'POST', `${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'cfg-watch' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{
          name: 'c',
          image: TEST_IMAGE,
          imagePullPolicy: 'Never',
          command: ['sh', '-c', 'while true; do read -r v < /etc/cfg/greeting; echo "$v"; sleep 0.3; done'],
          volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }],
        }],
        volumes: [{ name: 'cfg', configMap: { name: 'vol-cfg' } }],
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await eventually('hello shown', async () => String((await api(base, 'GET', `${NS}/pods/cfg-watch/log`)).body).includes('hello\n'), 60_000);
    const cm = (await api(base, 'GET', `${NS}/configmaps/vol-cfg`)).body;
    assert.equal((await api(base, 'PUT', `${NS}/configmaps/vol-cfg`, { ...cm, data: { greeting: 'updated' } })).status, 200);
    await eventually('update shown', async () => String((await api(base, 'GET', `${NS}/pods/cfg-watch/log`)).body).includes('updated\n'), 60_000);
    assert.equal((await api(base, 'DELETE', `${NS}/pods/cfg-watch`)).status, 200);
    await eventually('pod gone', async () => (await api(base, 'GET', `${NS}/pods/cfg-watch`)).status === 404, 30_000);
  });

  it('securityContext: user, groups, dropped capabilities, no_new_privs and a read-only root filesystem reach the container; runAsNonRoot over a root image is refused', { skip }, async () => {
    // Shell builtins only: the fields of /proc/self/status, and whether / takes a new file.
    const script = 'while read k v rest; do case $k in Uid:|Gid:|Groups:|CapBnd:|NoNewPrivs:) echo "$k $v $rest";; esac; done < /proc/self/status; (: > /x) 2>/dev/null && echo writable || echo readonly';
    const pod = (name: string, sc: Record<string, unknown>, podSc: Record<string, unknown> = {}) => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name },
      spec: { restartPolicy: 'Never', securityContext: podSc, containers: [{ name: 'c', image: TEST_IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', script], securityContext: sc }] },
    });
    assert.equal((await api(base, 'POST', `${NS}/pods`, pod('secure', { runAsUser: 1000, runAsGroup: 3000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }, { supplementalGroups: [4000] }))).status, 201);
    await eventually('secure finished', async () => (await getPod('secure')).status?.phase === 'Succeeded', 60_000);
    const out = await fetch(`${base}${NS}/pods/secure/log`).then((r) => r.text());
    const field = (k: string) => out.split('\n').find((l) => l.startsWith(`${k}: `))?.split(' ')[1];
    const fields = (k: string) => out.split('\n').find((l) => l.startsWith(`${k}: `))?.split(' ').slice(1).filter(Boolean).sort();
    assert.equal(field('Uid'), '1000', out);
    assert.equal(field('Gid'), '3000', out);
    // The engine lists the primary group among the supplementary ones too.
    assert.ok(fields('Groups')?.includes('4000'), out);
    assert.equal(BigInt(`0x${field('CapBnd')}`), 0n, out);
    assert.equal(field('NoNewPrivs'), '1', out);
    assert.match(out, /^readonly$/m);

    assert.equal((await api(base, 'POST', `${NS}/pods`, pod('nonroot', { runAsNonRoot: true }))).status, 201);
    const waiting = await eventually('nonroot refused', async () => {
      const w = (await getPod('nonroot')).status?.containerStatuses?.[0]?.state?.waiting;
      return w?.reason === 'CreateContainerConfigError' && w;
    }, 60_000);
    const uid = (await getPod('nonroot')).metadata.uid;
    assert.equal(waiting.message, `container has runAsNonRoot and image will run as root (pod: "nonroot_default(${uid})", container: c)`);
    for (const name of ['secure', 'nonroot']) await api(base, 'DELETE', `${NS}/pods/${name}`);
    for (const name of ['secure', 'nonroot']) await eventually(`${name} gone`, async () => (await api(base, 'GET', `${NS}/pods/${name}`)).status === 404, 30_000);
  });

  it('a PersistentVolumeClaim (local-path) is bind-mounted: what one pod writes, the next one reads', { skip }, async () => {
    const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'keep' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } };
    assert.equal((await api(base, 'POST', `${NS}/persistentvolumeclaims`, claim)).status, 201);
    const pod = (name: string, script: string) => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name },
      spec: { restartPolicy: 'Never', volumes: [{ name: 'keep', persistentVolumeClaim: { claimName: 'keep' } }], containers: [{ name: 'c', image: TEST_IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', script], volumeMounts: [{ name: 'keep', mountPath: '/keep' }] }] },
    });
    assert.equal((await api(base, 'POST', `${NS}/pods`, pod('writer', 'echo kept > /keep/note'))).status, 201);
    await eventually('writer Succeeded', async () => (await getPod('writer')).status?.phase === 'Succeeded', 60_000);
    assert.equal((await api(base, 'GET', `${NS}/persistentvolumeclaims/keep`)).body.status?.phase, 'Bound');
    assert.equal((await api(base, 'DELETE', `${NS}/pods/writer`)).status, 200);
    assert.equal((await api(base, 'POST', `${NS}/pods`, pod('reader', 'cat /keep/note'))).status, 201);
    await eventually('reader Succeeded', async () => (await getPod('reader')).status?.phase === 'Succeeded', 60_000);
    assert.equal((await api(base, 'GET', `${NS}/pods/reader/log`)).body, 'kept\n');
    assert.equal((await api(base, 'DELETE', `${NS}/pods/reader`)).status, 200);
    await eventually('pods gone', async () => (await api(base, 'GET', `${NS}/pods/reader`)).status === 404 && (await api(base, 'GET', `${NS}/pods/writer`)).status === 404, 30_000);
    assert.equal((await api(base, 'DELETE', `${NS}/persistentvolumeclaims/keep`)).status, 200);
  });

  it('deleting the pod stops and removes its container', { skip }, async () => {
    assert.equal((await api(base, 'DELETE', `${NS}/pods/httpd`)).status, 200);
    await eventually('pod gone', async () => (await api(base, 'GET', `${NS}/pods/httpd`)).status === 404, 30_000);
    await eventually('containers removed', async () => (await containers()).length === 0, 10_000);
  });
});
