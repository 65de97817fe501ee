/**
 * jkctl history, diff, changes and get --at as a user runs them: the compiled binary against
 * `jetkube up --nodes 1 --runtime fake`, while the controllers roll a Deployment out and scale it.
 * Also kubectl 1.32 (on PATH) reading the history API: `get --raw`, `get revisions --field-selector`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../shared/config.js';
import { dropPrefix, testConfig } from '../harness.js';
import { freePort } from '../private-nats.js';
import { eventually } from '../wait.js';
import { envFor, JKCTL, run, startJetkube, stop } from './cli.js';

const RUN = Math.random().toString(36).slice(2, 7);
const NODE = `jkh-${RUN}`;

const manifest = (image: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ${image}
`;

describe('jkctl history/diff/changes/get --at against `jetkube up --runtime fake`', () => {
  let cfg: Config;
  let base: string;
  let up: ChildProcess;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const seq: Record<string, number> = {};
  const jk = (...args: string[]) => run(process.execPath, [JKCTL, ...args], env);
  const ok = async (...args: string[]) => {
    const r = await jk(...args);
    assert.equal(r.code, 0, `jkctl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const rv = async () => Number(JSON.parse(await ok('get', 'deploy', 'web', '-o', 'json')).metadata.resourceVersion);

  before(async () => {
    cfg = await testConfig('jkhist', { port: await freePort() });
    base = `http://127.0.0.1:${cfg.port}`;
    dir = await mkdtemp(join(tmpdir(), 'jk-history-'));
    process.env.NODE_NAME = NODE;
    process.env.KUBELET_PORT = '0';
    up = await startJetkube(['up', '--insecure', '--nodes', '1', '--runtime', 'fake'], cfg, `${base}/readyz`);
    env = { ...envFor(cfg), GATEWAY_URL: base };
    await eventually('a Ready node', async () => /\sReady\s/.test((await jk('get', 'nodes')).stdout));
    const file = join(dir, 'web.yaml');
    await writeFile(file, manifest('web:v1', 3));
    await ok('apply', '-f', file);
    await ok('rollout', 'status', 'deploy/web', '--timeout', '90s');
    seq.v1 = await rv();
    await ok('scale', 'deploy/web', '--replicas', '5');
    await ok('rollout', 'status', 'deploy/web', '--timeout', '90s');
    seq.scaled = await rv();
    await writeFile(file, manifest('web:v2', 5));
    await ok('apply', '-f', file);
    await ok('rollout', 'status', 'deploy/web', '--timeout', '90s');
    seq.v2 = await rv();
  });
  after(async () => {
    if (up) await stop(up);
    if (cfg) await dropPrefix(cfg);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('jkctl history prints the revisions with what changed in one line', async () => {
    const out = await ok('history', 'deploy/web');
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0]!, /^SEQ\s+TIME\s+TYPE\s+AUTHOR\s+CHANGE$/);
    assert.match(lines[1]!, /^\d+\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+ADDED\s+system:admin\s+created$/);
    assert.ok(lines.some((l) => /\sMODIFIED\s+system:admin\s+spec\.replicas 3→5$/.test(l)), out);
    assert.ok(lines.some((l) => /\sMODIFIED\s+system:admin\s+image web:v1→web:v2/.test(l)), out);
    assert.ok(lines.some((l) => /\sMODIFIED\s+system:admin\s+status\./.test(l)), 'status writes of the controller are revisions too');
    const json = JSON.parse(await ok('history', 'deployment', 'web', '-o', 'json'));
    assert.equal(json.kind, 'RevisionList');
    assert.equal(json.items[0].object.spec.replicas, 3);
  });

  it('jkctl diff prints a unified YAML diff between two points', async () => {
    const out = await ok('diff', 'deploy/web', '--from', String(seq.v1), '--to', String(seq.v2));
    assert.match(out, new RegExp(`^--- deployments/web@\\d+\\n\\+\\+\\+ deployments/web@${seq.v2}\\n`));
    assert.match(out, /^-  replicas: 3$/m);
    assert.match(out, /^\+  replicas: 5$/m);
    assert.match(out, /^-\s+image: web:v1$/m);
    assert.match(out, /^\+\s+image: web:v2$/m);
    const since = await ok('diff', 'deploy/web', '--since', '1h');
    assert.match(since, /^\+\s+image: web:v2$/m, 'an hour ago the deployment did not exist: everything is added');
    const json = JSON.parse(await ok('diff', 'deploy/web', '--from', String(seq.v1), '--to', String(seq.scaled), '-o', 'json'));
    assert.ok(json.patch.some((op: any) => op.path === '/spec/replicas' && op.value === 5));
    const bad = await jk('diff', 'deploy/web', '--from', 'yesterday');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid argument "yesterday" for "--from" flag/);
  });

  it('jkctl get --at prints the objects as they were', async () => {
    const then = JSON.parse(await ok('get', 'deploy', 'web', '--at', String(seq.v1), '-o', 'json'));
    assert.equal(then.spec.replicas, 3);
    assert.equal(then.spec.template.spec.containers[0].image, 'web:v1');
    const pods = (await ok('get', 'pods', '--at', String(seq.v1))).trimEnd().split('\n');
    assert.match(pods[0]!, /^NAME\s+READY\s+STATUS/);
    assert.equal(pods.length, 4, pods.join('\n'));
    const rsNow = (await ok('get', 'rs', '-o', 'name')).trim().split('\n');
    const rsThen = (await ok('get', 'rs', '--at', String(seq.v1), '-o', 'name')).trim().split('\n');
    assert.equal(rsNow.length, 2);
    assert.equal(rsThen.length, 1);
    const before = await jk('get', 'deploy', 'web', '--at', '1');
    assert.equal(before.code, 1);
    assert.match(before.stderr, /deployments\.apps "web" not found/);
  });

  it('jkctl changes lists what was added, modified and deleted', async () => {
    const out = await ok('changes', '--from', String(seq.scaled), '--kind', 'deploy');
    assert.match(out.split('\n')[0]!, /^KIND\s+NAME\s+CHANGE\s+REVISIONS\s+LAST SEQ\s+TIME\s+SUMMARY$/);
    assert.match(out, /^Deployment\s+web\s+MODIFIED\s+\d+\s+\d+\s+\S+\s+image web:v1→web:v2/m);
    const all = await ok('changes', '--since', '1h');
    assert.match(all, /^Deployment\s+web\s+ADDED\s/m);
    assert.equal(all.split('\n').filter((l) => /^ReplicaSet\s+web-\S+\s+ADDED\s/.test(l)).length, 2);
    assert.ok(all.split('\n').filter((l) => /^Pod\s+web-\S+\s+(ADDED|DELETED)\s/.test(l)).length >= 5);
    const none = await jk('changes', '--from', String(seq.v2 + 100000));
    assert.notEqual(none.code, 0);
  });

  it('kubectl reads the history API with get --raw', () => {
    const kubectl = spawnSync('kubectl', ['--server', base, 'get', '--raw', `/apis/history.jetkube.io/v1/namespaces/default/revisions?kind=deploy&name=web&limit=1`], { encoding: 'utf8' });
    assert.equal(kubectl.status, 0, kubectl.stderr);
    const body = JSON.parse(kubectl.stdout);
    assert.equal(body.kind, 'RevisionList');
    assert.equal(body.items.length, 1);
    const table = spawnSync('kubectl', ['--server', base, 'get', 'revisions', '--field-selector', 'involvedObject.kind=Deployment,involvedObject.name=web'], { encoding: 'utf8' });
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /^NAME\s+TYPE\s+OBJECT\s+CHANGE\s+TIME\n/);
    assert.match(table.stdout, /^deployments\.web\.\d+\s+MODIFIED\s+Deployment\/web\s+spec\.replicas 3→5\s/m);
    const groups = spawnSync('kubectl', ['--server', base, 'api-versions'], { encoding: 'utf8' });
    assert.equal(groups.status, 0, groups.stderr);
    assert.match(groups.stdout, /^history\.jetkube\.io\/v1$/m);
  });
});
