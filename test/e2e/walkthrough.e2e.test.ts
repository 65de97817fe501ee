/**
 * The README's walkthrough, step by step, as a newcomer runs it without Docker: `jetkube up --nodes 2
 * --runtime process`, then jkctl (the compiled binary) and plain HTTP: apply examples/web.yaml,
 * watch the rollout, curl the service by cluster IP and node port, kill a pod and see it replaced,
 * roll to v2 and back, query the projections with SQL, replay the log and build a point-in-time
 * schema; run the stateful example (a claim per pod, data kept across the pod's replacement) and
 * the CPU-hungry one (`kubectl top`, the HPA scaling it up). Also:
 * every file in examples/ applies cleanly and what it makes reaches Ready.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { api } from '../stack.js';
import { eventually } from '../wait.js';
import { envFor, JETKUBE, JKCTL, run } from './cli.js';
import { httpGet, startProcessCluster, type ProcessCluster } from './cluster.js';
import { KUBECTL_SKIP } from './kubectl-harness.js';
import { freePort } from '../private-nats.js';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
const NS = '/api/v1/namespaces/default';

describe('the README walkthrough, without Docker', () => {
  let c: ProcessCluster;
  let env: NodeJS.ProcessEnv;
  const jk = (...args: string[]) => run(process.execPath, [JKCTL, ...args], env);
  const jkOk = async (...args: string[]) => {
    const r = await jk(...args);
    assert.equal(r.code, 0, `jkctl ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const sql = async (q: string) => {
    const client = new pg.Client({ connectionString: c.cfg.databaseUrl });
    await client.connect();
    try {
      await client.query(`set search_path = ${c.cfg.prefix}`);
      return (await client.query(q)).rows;
    } finally {
      await client.end();
    }
  };
  let clusterIP: string;

  before(async () => {
    // metrics and the HPA on a shorter period than their defaults (15 s), for a shorter test.
    c = await startProcessCluster('walk', 2, { METRICS_RESOLUTION: '5', HPA_SYNC_PERIOD: '5' });
    env = { ...envFor(c.cfg), GATEWAY_URL: c.base };
  });
  after(async () => c?.close());

  it('applies examples/web.yaml and rolls it out', async () => {
    const out = await jkOk('apply', '-f', `${EXAMPLES}web.yaml`);
    assert.match(out, /deployment\.apps\/web created/);
    assert.match(out, /service\/web created/);
    const status = await jkOk('rollout', 'status', 'deployment/web', '--timeout', '90s');
    assert.match(status, /deployment "web" successfully rolled out/);
    const pods = await jkOk('get', 'pods', '-o', 'wide');
    assert.match(pods.split('\n')[0]!, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    assert.equal(pods.split('\n').filter((l) => /^web-\S+\s+1\/1\s+Running/.test(l)).length, 3, pods);
    const svc = await jkOk('get', 'svc', 'web');
    assert.match(svc, /web\s+NodePort\s+127\.12\.\d+\.\d+\s+<none>\s+80:30080\/TCP/);
    clusterIP = /NodePort\s+(\S+)/.exec(svc)![1]!;
  });

  it('answers through the cluster IP and node port 30080, from every pod', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add((await httpGet(clusterIP, 80)).trim());
    assert.equal(seen.size, 3, [...seen].join(', '));
    for (const s of seen) assert.match(s, /^web v1 from web-/);
    assert.match(await httpGet('127.0.0.1', 30080), /^web v1 from web-/);
  });

  it('forwards a local port to the Service with kubectl port-forward', { skip: KUBECTL_SKIP }, async () => {
    const local = await freePort();
    const pf = spawn('kubectl', ['--server', c.base, 'port-forward', 'svc/web', `${local}:80`], { env: { ...process.env, KUBECONFIG: '/dev/null', HOME: tmpdir() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    pf.stdout.on('data', (d) => (out += d));
    pf.stderr.on('data', (d) => (out += d));
    try {
      await eventually(`kubectl port-forward listening: ${out}`, async () => out.includes(`Forwarding from 127.0.0.1:${local} -> 8080`), 30_000, 50);
      assert.match(await httpGet('127.0.0.1', local), /^web v1 from web-/);
    } finally {
      if (pf.exitCode === null && pf.signalCode === null) {
        const exited = new Promise((r) => pf.once('exit', r));
        pf.kill('SIGTERM');
        await exited;
      }
    }
  });

  it('replaces a deleted pod', async () => {
    const name = (await jkOk('get', 'pods', '-l', 'app=web', '-o', 'name')).split('\n')[0]!;
    assert.match(await jkOk('delete', name), /pod "web-\S+" deleted/);
    await eventually('3 ready pods again', async () => {
      const out = await jkOk('get', 'pods', '-l', 'app=web', '--no-headers');
      const ready = out.split('\n').filter((l) => /\s1\/1\s+Running/.test(l));
      return ready.length === 3 && !out.includes(name.replace('pod/', '') + ' ');
    }, 60_000, 500);
  });

  it('rolls to v2 and back', async () => {
    const v2 = readFileSync(`${EXAMPLES}web.yaml`, 'utf8').replace('value: v1', 'value: v2');
    const out = await run(process.execPath, [JKCTL, 'apply', '-f', '-'], env, v2);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /deployment\.apps\/web configured/);
    assert.match(out.stdout, /service\/web unchanged/);
    await jkOk('rollout', 'status', 'deployment/web', '--timeout', '90s');
    await eventually('v2 answers', async () => /^web v2/.test(await httpGet(clusterIP, 80)), 20_000, 200);
    const history = await jkOk('rollout', 'history', 'deployment/web');
    assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+\S+\n2\s+/);
    assert.match(await jkOk('rollout', 'undo', 'deployment/web'), /deployment\.apps\/web rolled back/);
    await jkOk('rollout', 'status', 'deployment/web', '--timeout', '90s');
    await eventually('v1 answers again', async () => {
      for (let i = 0; i < 6; i++) if (!/^web v1/.test(await httpGet(clusterIP, 80))) return false;
      return true;
    }, 30_000, 300);
  });

  it('shows where pods run and the deployment history in SQL', async () => {
    const pods = await sql(`select name, node_name, phase from pods where labels->>'app' = 'web' order by name`);
    assert.ok(pods.length >= 3);
    for (const p of pods) assert.ok(c.nodeNames.includes(p.node_name), `${p.name} on ${p.node_name}`);
    const history = await sql(`select sequence, type from events where kind = 'Deployment' and name = 'web' order by sequence`);
    assert.equal(history[0].type, 'ADDED');
    assert.ok(history.length > 5, 'spec and status changes are all in the log');
  });

  it('replays the log into the same rows, and builds the cluster as it was before v2', async () => {
    const before = await sql('select name, replicas, resource_version from deployments order by name');
    const r = await run(process.execPath, [JETKUBE, 'replay'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^replayed \d+ events up to sequence \d+/);
    const afterReplay = await sql('select name, replicas, resource_version from deployments order by name');
    assert.deepEqual(afterReplay.map((x) => x.name), before.map((x) => x.name));
    // The sequence where the Deployment was first created: the cluster as it was then.
    const [first] = await sql(`select min(sequence)::int as seq from events where kind = 'Deployment' and name = 'web'`);
    const asof = await run(process.execPath, [JETKUBE, 'replay', '--to-seq', String(first.seq)], env);
    assert.equal(asof.code, 0, asof.stderr);
    const rows = await sql(`select name, replicas from ${c.cfg.prefix}_asof_${first.seq}.deployments`);
    assert.deepEqual(rows, [{ name: 'web', replicas: 3 }]);
    const images = await sql(`select object->'spec'->'template'->'spec'->'containers'->0->'env'->0->>'value' as v from ${c.cfg.prefix}_asof_${first.seq}.deployments`);
    assert.equal(images[0].v, 'v1');
  });

  it('examples/stateful.yaml: each pod has its own claim, and its data outlives the pod', async () => {
    const out = await jkOk('apply', '-f', `${EXAMPLES}stateful.yaml`);
    assert.match(out, /statefulset\.apps\/counter created/);
    await jkOk('rollout', 'status', 'statefulset/counter', '--timeout', '120s');
    const pvc = await jkOk('get', 'pvc');
    assert.match(pvc.split('\n')[0]!, /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE/);
    for (const n of ['data-counter-0', 'data-counter-1']) assert.match(pvc, new RegExp(`${n}\\s+Bound\\s+pvc-\\S+\\s+64Mi\\s+RWO\\s+local-path\\s+<unset>`), pvc);
    assert.match(await jkOk('get', 'sc'), /local-path \(default\)\s+jetkube\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false/);
    await eventually('counter-0 logged its first start', async () => /counter-0 start 1/.test((await jk('logs', 'counter-0')).stdout), 60_000, 500);
    const before = (await api(c.base, 'GET', `${NS}/pods/counter-0`)).body;
    await jkOk('delete', 'pod', 'counter-0');
    await eventually('counter-0 replaced and counting on', async () => {
      const p = (await api(c.base, 'GET', `${NS}/pods/counter-0`)).body;
      if (p.metadata?.uid === before.metadata.uid) return false;
      return /counter-0 start 2/.test((await jk('logs', 'counter-0')).stdout);
    }, 90_000, 500);
    const after = (await api(c.base, 'GET', `${NS}/pods/counter-0`)).body;
    assert.equal(after.spec.nodeName, before.spec.nodeName, 'kept on the node that holds its volume');
    if (!KUBECTL_SKIP) {
      await eventually('counter-0 Running', async () => (await api(c.base, 'GET', `${NS}/pods/counter-0`)).body.status?.phase === 'Running', 60_000, 300);
      const r = await run('kubectl', ['--server', c.base, 'exec', 'counter-0', '--', 'cat', 'data/starts'], { ...process.env, KUBECONFIG: '/dev/null' });
      assert.equal(r.stdout.trim(), '2', r.stderr);
    }
  });

  it('examples/cpu-hungry.yaml: kubectl top shows the pod burning cpu, and the HPA scales the Deployment up', { skip: KUBECTL_SKIP }, async () => {
    const kubectl = (...args: string[]) => run('kubectl', ['--server', c.base, ...args], { ...process.env, KUBECONFIG: '/dev/null' });
    const applied = await kubectl('apply', '-f', `${EXAMPLES}cpu-hungry.yaml`);
    assert.equal(applied.code, 0, applied.stderr);
    const top = await eventually('kubectl top pods lists cpu-hungry with its usage', async () => {
      const r = await kubectl('top', 'pods', '-l', 'app=cpu-hungry');
      return r.code === 0 && /^cpu-hungry-\S+\s+[1-9]\d*m\s+\d+Mi/m.test(r.stdout) && r.stdout;
    }, 120_000, 1000);
    assert.match(top, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    await eventually('the HPA scaled cpu-hungry above 1', async () => {
      const r = await kubectl('get', 'hpa', 'cpu-hungry', '-o', 'jsonpath={.status.desiredReplicas}');
      return Number(r.stdout) > 1;
    }, 120_000, 1000);
    assert.equal((await kubectl('delete', '-f', `${EXAMPLES}cpu-hungry.yaml`)).code, 0);
  });

  it('applies every file in examples/ and everything it makes becomes Ready', async () => {
    const files = readdirSync(EXAMPLES).filter((f) => /\.ya?ml$/.test(f)).sort();
    assert.ok(files.includes('web.yaml') && files.includes('echo.yaml'));
    for (const f of files) {
      const out = await jkOk('apply', '-f', `${EXAMPLES}${f}`);
      assert.match(out, /(created|configured|unchanged)/, `${f}: ${out}`);
      for (const line of out.trim().split('\n')) {
        const [ref] = line.split(' ');
        const [kind, name] = ref!.split('/') as [string, string];
        if (kind === 'deployment.apps') {
          await jkOk('rollout', 'status', `deployment/${name}`, '--timeout', '90s');
        } else if (kind === 'statefulset.apps') {
          await jkOk('rollout', 'status', `statefulset/${name}`, '--timeout', '120s');
        } else if (kind === 'node') {
          const n = (await api(c.base, 'GET', `/api/v1/nodes/${name}`)).body;
          assert.equal(n.status.conditions.find((x: any) => x.type === 'Ready')?.status, 'True', `${f}: node ${name}`);
          // Hand-written nodes have no kubelet: take them out again so nothing lands there.
          await jkOk('delete', 'node', name);
        } else if (kind === 'job.batch') {
          await eventually(`${f}: job ${name} Complete`, async () => {
            const j = (await api(c.base, 'GET', `/apis/batch/v1/namespaces/default/jobs/${name}`)).body;
            return (j.status?.conditions ?? []).some((x: any) => x.type === 'Complete' && x.status === 'True');
          }, 90_000, 500);
          const row = (await jkOk('get', 'jobs', name)).split('\n')[1] ?? '';
          assert.match(row, new RegExp(`^${name}\\s+Complete\\s+(\\d+)/\\1\\s`), `${f}: ${row}`);
        } else if (kind === 'cronjob.batch') {
          // Its first Job comes at the next schedule; here: it is served and not suspended.
          const cj = (await api(c.base, 'GET', `/apis/batch/v1/namespaces/default/cronjobs/${name}`)).body;
          assert.equal(cj.spec?.suspend, false, `${f}: cronjob ${name}`);
        } else if (kind === 'horizontalpodautoscaler.autoscaling') {
          // Its pods' real cpu, measured from /proc and served by metrics.k8s.io, reaches the HPA.
          await eventually(`${f}: hpa ${name} computes from metrics`, async () => {
            const h = (await api(c.base, 'GET', `/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/${name}`)).body;
            return (h.status?.conditions ?? []).some((x: any) => x.type === 'ScalingActive' && x.status === 'True');
          }, 90_000, 500);
          assert.match(await jkOk('top', 'pod', '-l', `app=${name}`), new RegExp(`^NAME\\s+CPU\\(cores\\)\\s+MEMORY\\(bytes\\)\\s*\\n${name}-\\S+\\s+\\d+m\\s+\\d+Mi`), f);
          // Done with it: its busy loops would take cpu from the rest of the suite.
          await jkOk('delete', 'hpa', name);
          await jkOk('delete', 'deployment', name);
        } else if (kind === 'service') {
          await eventually(`${f}: endpoints of ${name}`, async () => {
            const ep = (await api(c.base, 'GET', `${NS}/endpoints/${name}`)).body;
            return (ep.subsets ?? []).some((s: any) => s.addresses?.length);
          }, 60_000, 500);
        }
      }
    }
  });
});
