/**
 * jkctl as a user runs it: the compiled binary (dist/services/jkctl/main.js) as a child process
 * against `jetkube up --nodes 2 --runtime fake` (pods become Running and Ready without processes).
 * apply (with kubectl's three-way strategic merge patch), get, rollout status/history/undo, scale,
 * describe, events, get -w, delete --cascade and errors; logs against one more kubelet with the process runtime (the fake one has no logs);
 * replay with its progress bar.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../shared/config.js';
import { dropPrefix, testConfig, testPort } from '../harness.js';
import { eventually } from '../wait.js';
import { envFor, JETKUBE, JKCTL, run, startJetkube, stop } from './cli.js';

// Node names are unique per run: a node's pod range derives from its name.
const RUN = Math.random().toString(36).slice(2, 7);
const NODE = `jk-${RUN}`;
const LOG_NODE = `jklog-${RUN}`;

const manifest = (image: string) => `# the web app
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 80
`;

/** Start a long-running jkctl and collect its output; stop() ends it. */
function spawnJkctl(env: NodeJS.ProcessEnv, args: string[]): { out: () => string; stop: () => Promise<void> } {
  const child: ChildProcess = spawn(process.execPath, [JKCTL, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { out: () => out, stop: async () => void (await stop(child)) };
}

describe('jkctl against `jetkube up --nodes 2 --runtime fake`', () => {
  let cfg: Config;
  let base: string;
  let up: ChildProcess;
  let logKubelet: ChildProcess | undefined;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const jk = (...args: string[]) => run(process.execPath, [JKCTL, ...args], env);
  const ok = async (...args: string[]) => {
    const r = await jk(...args);
    assert.equal(r.code, 0, `jkctl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const deploymentJson = async () => JSON.parse(await ok('get', 'deploy', 'web', '-o', 'json'));

  before(async () => {
    cfg = await testConfig('jkctl', { port: await testPort() });
    base = `http://127.0.0.1:${cfg.port}`;
    dir = await mkdtemp(join(tmpdir(), 'jk-jkctl-'));
    process.env.NODE_NAME = NODE;
    process.env.KUBELET_PORT = '0';
    up = await startJetkube(['up', '--insecure', '--nodes', '2', '--runtime', 'fake'], cfg, `${base}/readyz`);
    env = { ...envFor(cfg), JETKUBE_AUTH: 'off', GATEWAY_URL: base };
    await eventually('two Ready nodes', async () => (await jk('get', 'nodes')).stdout.match(/\sReady\s/g)?.length === 2);
  });
  after(async () => {
    if (logKubelet) await stop(logKubelet);
    if (up) await stop(up);
    if (cfg) await dropPrefix(cfg);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('applies a manifest: created, then unchanged', async () => {
    const file = join(dir, 'web.yaml');
    await writeFile(file, manifest('nginx:1.27'));
    assert.equal(await ok('apply', '-f', file), 'service/web created\ndeployment.apps/web created\n');
    assert.equal(await ok('apply', '-f', file), 'service/web unchanged\ndeployment.apps/web unchanged\n');
  });

  it('follows the rollout and prints kubectl tables', async () => {
    const status = await ok('rollout', 'status', 'deploy/web', '--timeout', '60s');
    assert.match(status, /deployment "web" successfully rolled out\n$/);
    const deploy = await ok('get', 'deploy');
    assert.match(deploy, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+3\/3\s+3\s+3\s+\d+s\n$/);
    const pods = (await ok('get', 'pods', '-o', 'wide')).trimEnd().split('\n');
    assert.match(pods[0]!, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    assert.equal(pods.length, 4, pods.join('\n'));
    for (const p of pods.slice(1)) assert.match(p, new RegExp(`^web-\\S+\\s+1/1\\s+Running\\s+0\\s+\\d+s\\s+127\\.\\d+\\.\\d+\\.\\d+\\s+${NODE}-[12]\\s+<none>\\s+<none>$`));
    // Columns are three spaces apart, like kubectl.
    assert.match(pods[0]!, /^NAME {3,}READY {3}STATUS {4}RESTARTS {3}AGE/);
    const svc = await ok('get', 'svc', 'web');
    assert.match(svc, /^web\s+NodePort\s+\d+\.\d+\.\d+\.\d+\s+<none>\s+80:\d+\/TCP\s/m);
    const all = await ok('get', 'deploy,svc', '-A');
    assert.match(all, /^NAMESPACE\s+NAME\s+READY/);
    assert.match(all, /^default\s+deployment\.apps\/web\s+3\/3/m);
    assert.match(all, /^default\s+service\/web\s+NodePort/m);
    assert.equal((await ok('get', 'pods', '-o', 'name')).trimEnd().split('\n').filter((l) => l.startsWith('pod/web-')).length, 3);
  });

  it('rolls out a new image, lists two revisions, and rolls back to the first image', async () => {
    const file = join(dir, 'web-1.28.yaml');
    await writeFile(file, manifest('nginx:1.28'));
    assert.equal(await ok('apply', '-f', file), 'service/web unchanged\ndeployment.apps/web configured\n');
    await ok('rollout', 'status', 'deployment', 'web', '--timeout', '60s');
    assert.equal((await deploymentJson()).spec.template.spec.containers[0].image, 'nginx:1.28');
    const history = await ok('rollout', 'history', 'deploy/web');
    assert.match(history, /^deployment\.apps\/web \nREVISION {2}CHANGE-CAUSE\n1 {9}<none>\n2 {9}<none>\n/);
    assert.equal(await ok('rollout', 'undo', 'deploy/web'), 'deployment.apps/web rolled back\n');
    assert.equal((await deploymentJson()).spec.template.spec.containers[0].image, 'nginx:1.27');
    await ok('rollout', 'status', 'deploy/web', '--timeout', '60s');
    await eventually('revision 3 in the history', async () => /^3\s+<none>$/m.test(await ok('rollout', 'history', 'deploy/web')));
    const again = await ok('rollout', 'undo', 'deploy/web', '--to-revision', '3');
    assert.match(again, /skipped rollback \(current template already matches revision 3\)/);
  });

  it('scales through /scale, and get -w prints the change', async () => {
    const watch = spawnJkctl(env, ['get', 'deploy', 'web', '-w']);
    try {
      await eventually('the watch printed the deployment', async () => /^web\s+3\/3/m.test(watch.out()));
      assert.equal(await ok('scale', 'deploy/web', '--replicas', '1'), 'deployment.apps/web scaled\n');
      await eventually('a 1/1 row', async () => /^web\s+1\/1\s+1\s+1\s/m.test(watch.out()), 30_000);
      assert.match(watch.out(), /^NAME\s+READY/);
      assert.equal(watch.out().match(/^NAME\s/gm)!.length, 1, 'the header once');
    } finally {
      await watch.stop();
    }
    await eventually('one pod left', async () => (await ok('get', 'pods', '-l', 'app=web', '-o', 'name')).trimEnd().split('\n').length === 1);
  });

  it('describes a pod and a deployment, with their events', async () => {
    const name = (await ok('get', 'pods', '-l', 'app=web', '-o', 'name')).trim().replace('pod/', '');
    const pod = await ok('describe', 'pod', name);
    for (const re of [/^Name:\s+web-/m, /^Namespace:\s+default$/m, /^Status:\s+Running$/m, new RegExp(`^Node:\\s+${NODE}-[12]/127\\.0\\.0\\.1$`, 'm'), /^Controlled By:\s+ReplicaSet\/web-/m, /^Containers:\n {2}web:\n/m, /^ {4}Image:\s+nginx:1\.27$/m, /^ {2}Ready\s+True $/m, /^Events:\n {2}Type\s+Reason\s+Age\s+From\s+Message\n/m, /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\//]) {
      assert.match(pod, re);
    }
    const d = await ok('describe', 'deploy/web');
    assert.match(d, /^Replicas:\s+1 desired \| 1 updated \| 1 total \| 1 available \| 0 unavailable$/m);
    assert.match(d, /^NewReplicaSet:\s+web-\S+ \(1\/1 replicas created\)$/m);
    assert.match(d, /ScalingReplicaSet/);
    // The endpoints controller follows the scale-down on its own time.
    await eventually('the service has one endpoint', async () => /^Endpoints:\s+127\.\d+\.\d+\.\d+:80$/m.test(await ok('describe', 'svc', 'web')));
  });

  it('lists events oldest first', async () => {
    const out = await ok('events');
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0]!, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    assert.ok(lines.some((l) => /\sNormal\s+ScalingReplicaSet\s+Deployment\/web\s/.test(l)), out);
    assert.ok(lines.some((l) => /\sNormal\s+Scheduled\s+Pod\/web-/.test(l)), out);
    assert.match(await ok('events', '-A', '--for', 'deploy/web'), /^NAMESPACE\s+LAST SEEN[\s\S]*default\s+\S+\s+Normal\s+ScalingReplicaSet\s+Deployment\/web/);
  });

  it('reports errors like kubectl: exit 1 from the server, exit 2 for usage', async () => {
    const missing = await jk('get', 'pods', 'nosuch');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'Error from server (NotFound): pods "nosuch" not found\n');
    const kind = await jk('get', 'widgets');
    assert.equal(kind.code, 1);
    assert.match(kind.stderr, /^error: the server doesn't have a resource type "widgets"$/m);
    assert.equal((await jk('get')).code, 2);
    assert.equal((await jk('scale', 'deploy/web')).code, 2, '--replicas is required');
    assert.equal((await jk('get', 'pods', '-o', 'table')).code, 2);
    const empty = await jk('get', 'cm', '-n', 'empty');
    assert.equal(empty.code, 0);
    assert.equal(empty.stderr, 'No resources found in empty namespace.\n');
  });

  it('prints (and follows) container logs from a process-runtime kubelet', async () => {
    const port = await testPort();
    logKubelet = spawn(process.execPath, [JETKUBE, 'kubelet', '--runtime', 'process', '--node-name', LOG_NODE], {
      env: { ...env, KUBELET_ROOT_DIR: join(dir, 'kubelet'), KUBELET_PORT: String(port), NODE_TAINTS: 'jetkube.test/logs=true:NoSchedule', KUBELET_RELIST_MS: '200' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await eventually('the log kubelet ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);
    // The container ends itself, so nothing outlives the test even if the kubelet does not stop it.
    const program = "let i = 0; setInterval(() => console.log('line ' + ++i), 200); setTimeout(() => process.exit(0), 60000)";
    const podFile = join(dir, 'logpod.json');
    await writeFile(podFile, JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'logpod' },
      spec: {
        nodeName: LOG_NODE,
        restartPolicy: 'Never',
        tolerations: [{ key: 'jetkube.test/logs', operator: 'Exists' }],
        containers: [{ name: 'talker', image: 'node:20', command: [process.execPath, '-e', program] }],
      },
    }));
    assert.equal(await ok('apply', '-f', podFile), 'pod/logpod created\n');
    await eventually('three lines logged', async () => /line 3\n/.test(await ok('logs', 'logpod')), 30_000);
    assert.match(await ok('logs', 'pod/logpod', '-c', 'talker', '--tail', '1'), /^line \d+\n$/);
    const follow = spawnJkctl(env, ['logs', '-f', 'logpod']);
    try {
      const seen = (await ok('logs', 'logpod')).trimEnd().split('\n').length;
      await eventually('followed lines beyond the first read', async () => follow.out().trimEnd().split('\n').length > seen + 2);
    } finally {
      await follow.stop();
    }
    const nope = await jk('logs', 'nosuch');
    assert.equal(nope.code, 1);
    assert.match(nope.stderr, /^Error from server \(NotFound\): pods "nosuch" not found$/m);
    assert.equal(await ok('delete', 'pod', 'logpod', '--timeout', '30s'), 'pod "logpod" deleted\n');
  });

  it('deletes with --cascade=foreground: the Deployment is gone with its ReplicaSets and pods', async () => {
    assert.equal(await ok('delete', 'deploy', 'web', '--cascade=foreground', '--timeout', '60s'), 'deployment.apps "web" deleted\n');
    const gone = await jk('get', 'deploy', 'web');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /NotFound/);
    await eventually('no ReplicaSets', async () => (await jk('get', 'rs')).stderr === 'No resources found in default namespace.\n');
    assert.equal(await ok('delete', 'svc/web'), 'service "web" deleted\n');
  });

  it('apply merges Service ports by port: an added port leaves the first one its nodePort', async () => {
    const svc = (...ports: number[]) => `apiVersion: v1
kind: Service
metadata:
  name: ports
spec:
  type: NodePort
  selector: {app: ports}
  ports:
${ports.map((p) => `  - name: p${p}\n    port: ${p}\n    targetPort: ${p}\n`).join('')}`;
    const file = join(dir, 'ports.yaml');
    const get = async () => JSON.parse(await ok('get', 'svc', 'ports', '-o', 'json'));
    await writeFile(file, svc(80));
    assert.equal(await ok('apply', '-f', file), 'service/ports created\n');
    const first = await get();
    const nodePort = first.spec.ports[0].nodePort;
    assert.ok(Number.isInteger(nodePort), JSON.stringify(first.spec));

    await writeFile(file, svc(80, 443));
    assert.equal(await ok('apply', '-f', file), 'service/ports configured\n');
    const second = await get();
    assert.deepEqual(second.spec.ports.map((p: { port: number }) => p.port), [80, 443]);
    assert.equal(second.spec.ports[0].nodePort, nodePort, 'the first port keeps its node port');
    assert.ok(Number.isInteger(second.spec.ports[1].nodePort) && second.spec.ports[1].nodePort !== nodePort);
    assert.equal(second.spec.clusterIP, first.spec.clusterIP);
    assert.equal(await ok('apply', '-f', file), 'service/ports unchanged\n');

    await writeFile(file, svc(443));
    assert.equal(await ok('apply', '-f', file), 'service/ports configured\n');
    const third = await get();
    assert.deepEqual(third.spec.ports.map((p: { port: number; nodePort: number }) => [p.port, p.nodePort]), [[443, second.spec.ports[1].nodePort]]);
    assert.equal(await ok('delete', 'svc/ports'), 'service "ports" deleted\n');
  });

  it('apply changes a Deployment strategy to Recreate: $retainKeys clears the defaulted rollingUpdate', async () => {
    const deploy = (strategy: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: strat
spec:
  replicas: 1
  selector:
    matchLabels: {app: strat}
${strategy}  template:
    metadata:
      labels: {app: strat}
    spec:
      containers:
      - name: c
        image: busybox
`;
    const file = join(dir, 'strat.yaml');
    await writeFile(file, deploy(''));
    assert.equal(await ok('apply', '-f', file), 'deployment.apps/strat created\n');
    const get = async () => JSON.parse(await ok('get', 'deploy', 'strat', '-o', 'json'));
    assert.equal((await get()).spec.strategy.type, 'RollingUpdate');
    assert.ok((await get()).spec.strategy.rollingUpdate, 'defaulted');

    await writeFile(file, deploy('  strategy:\n    type: Recreate\n'));
    assert.equal(await ok('apply', '-f', file), 'deployment.apps/strat configured\n');
    assert.deepEqual((await get()).spec.strategy, { type: 'Recreate' });
    assert.equal(await ok('apply', '-f', file), 'deployment.apps/strat unchanged\n');
    assert.equal(await ok('delete', 'deploy', 'strat', '--timeout', '60s'), 'deployment.apps "strat" deleted\n');
  });

  it('replays the log with a progress bar', async () => {
    const r = await jk('replay');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\[##########\] 100% [\d,]+ ev\/s/);
    // A warning may follow: deleted objects' older history can be compacted away already.
    assert.match(r.stdout, new RegExp(`^replayed [\\d,]+ events up to sequence \\d+ in [\\d.]+ s into schema "${cfg.prefix}"\\n(warning: .*\\n)?$`));
  });
});
