/**
 * Issue 3's "done when", through the `jetkube up` binary with every service: a posted Deployment
 * becomes a ReplicaSet and pods bound to nodes; a new image rolls out; kubectl scales it and rolls
 * it back; every step is visible in the projections with plain SQL. No kubelet yet: the test plays
 * one, marking bound pods Running and Ready through the API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawnSync, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { dropPrefix, testConfig, testPort } from '../harness.js';
import { run, startJetkube, stop } from './cli.js';
import type { Config } from '../../shared/config.js';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

async function json(base: string, method: string, path: string, body?: unknown, type = 'application/json'): Promise<any> {
  const r = await fetch(base + path, { method, headers: body ? { 'content-type': type } : {}, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out: ${what}${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Plays the kubelet: every bound, not-yet-ready pod becomes Running and Ready; terminating pods go. */
function fakeKubelet(base: string): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const l = await json(base, 'GET', '/api/v1/pods?resourceVersion=0').catch(() => undefined);
      for (const p of l?.body?.items ?? []) {
        if (!p.spec.nodeName) continue;
        if (p.metadata.deletionTimestamp) {
          const path = `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`;
          await json(base, 'DELETE', path, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 }).catch(() => undefined);
          continue;
        }
        if (p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')) continue;
        const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        const status = {
          ...p.status,
          phase: 'Running',
          conditions: [
            ...(p.status?.conditions ?? []).filter((c: any) => !['Ready', 'ContainersReady', 'Initialized'].includes(c.type)),
            { type: 'Initialized', status: 'True', lastTransitionTime: now },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status: 'True', lastTransitionTime: now },
          ],
        };
        await json(base, 'PUT', `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}/status`, { ...p, status }).catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

describe('control loops through `jetkube up`', () => {
  let cfg: Config;
  let up: ChildProcess;
  let base: string;
  let sql: pg.Client;
  let kubelet: { stop(): Promise<void> };

  before(async () => {
    cfg = await testConfig('cplane', { port: await testPort() });
    base = `http://127.0.0.1:${cfg.port}`;
    up = await startJetkube(['up', '--insecure', '--nodes', '0'], cfg, `${base}/readyz`);
    sql = new pg.Client({ connectionString: cfg.databaseUrl });
    await sql.connect();
    for (const name of ['node-a', 'node-b']) {
      const capacity = { cpu: '4', memory: '8Gi', pods: '110' };
      const r = await json(base, 'POST', '/api/v1/nodes', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name, labels: { 'kubernetes.io/hostname': name } },
        status: { capacity, allocatable: capacity, conditions: [{ type: 'Ready', status: 'True' }] },
      });
      assert.equal(r.status, 201);
    }
    kubelet = fakeKubelet(base);
  });
  after(async () => {
    await kubelet?.stop();
    await sql?.end();
    if (up) assert.equal(await stop(up), 0, 'jetkube up exits 0 on SIGTERM');
    await dropPrefix(cfg);
  });

  const rows = async (q: string) => (await sql.query(q.replaceAll('$schema', `"${cfg.prefix}"`))).rows;

  it('turns a Deployment into a ReplicaSet and bound, ready pods, visible in SQL', async () => {
    const yaml = await readFile(new URL('../../../test/fixtures/nginx-deployment.yaml', import.meta.url), 'utf8');
    assert.equal((await json(base, 'POST', '/apis/apps/v1/namespaces/default/deployments', yaml, 'application/yaml')).status, 201);
    const d = await until('deployment available', async () => {
      const r = await json(base, 'GET', '/apis/apps/v1/namespaces/default/deployments/web');
      return r.body.status?.availableReplicas === 3 && r.body.status?.updatedReplicas === 3 ? r.body : undefined;
    });
    assert.equal(d.status.observedGeneration, d.metadata.generation);
    assert.ok(d.status.conditions.some((c: any) => c.type === 'Available' && c.status === 'True'));
    const rs = (await json(base, 'GET', '/apis/apps/v1/namespaces/default/replicasets')).body.items;
    assert.equal(rs.length, 1);
    assert.equal(rs[0].metadata.annotations['deployment.kubernetes.io/revision'], '1');
    // The list above waited for the projector, so SQL sees the same.
    await json(base, 'GET', '/api/v1/pods');
    const pods = await rows(`select name, node_name, phase, ready, owner_kind from $schema.pods order by name`);
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.ok(['node-a', 'node-b'].includes(p.node_name), JSON.stringify(p));
      assert.equal(p.owner_kind, 'ReplicaSet');
    }
    const evs = await rows(`select reason from $schema.kube_events`);
    const reasons = new Set(evs.map((e) => e.reason));
    for (const r of ['ScalingReplicaSet', 'SuccessfulCreate', 'Scheduled']) assert.ok(reasons.has(r), `an Event with reason ${r}`);
  });

  it('rolls out a new image and keeps the history in the events table', async () => {
    const r = await json(
      base,
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/web',
      { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } } } },
      'application/strategic-merge-patch+json',
    );
    assert.equal(r.status, 200);
    await until('rolled out', async () => {
      const d = (await json(base, 'GET', '/apis/apps/v1/namespaces/default/deployments/web')).body;
      const pods = (await json(base, 'GET', '/api/v1/namespaces/default/pods')).body.items.filter((p: any) => !p.metadata.deletionTimestamp);
      return (
        d.status?.updatedReplicas === 3 &&
        d.status?.availableReplicas === 3 &&
        d.status?.replicas === 3 &&
        pods.length === 3 &&
        pods.every((p: any) => p.spec.containers[0].image === 'nginx:1.28')
      );
    });
    await json(base, 'GET', '/apis/apps/v1/replicasets');
    const rs = await rows(`select name, replicas, images, annotations->>'deployment.kubernetes.io/revision' as rev from $schema.replicasets order by rev`);
    assert.deepEqual(
      rs.map((x) => [x.rev, x.replicas, x.images]),
      [
        ['1', 0, ['nginx:1.27']],
        ['2', 3, ['nginx:1.28']],
      ],
    );
    const hist = await rows(`select type from $schema.events where kind = 'Deployment' and name = 'web' order by sequence`);
    assert.equal(hist[0]!.type, 'ADDED');
    assert.ok(hist.length > 3, 'spec and status changes are in the log');
  });

  it('kubectl scales and rolls back', { skip: hasKubectl ? false : 'kubectl is not installed' }, async () => {
    const env = { ...process.env, KUBECONFIG: '/dev/null', HOME: tmpdir() };
    const kubectl = (...args: string[]) => run('kubectl', ['--server', base, '--request-timeout=20s', ...args], env);
    const sc = await kubectl('scale', 'deployment/web', '--replicas=5');
    assert.equal(sc.code, 0, sc.stderr);
    await until('5 available', async () => (await json(base, 'GET', '/apis/apps/v1/namespaces/default/deployments/web')).body.status?.availableReplicas === 5);
    const undo = await kubectl('rollout', 'undo', 'deployment/web');
    assert.equal(undo.code, 0, undo.stderr);
    await until('rolled back to nginx:1.27', async () => {
      const pods = (await json(base, 'GET', '/api/v1/namespaces/default/pods')).body.items.filter((p: any) => !p.metadata.deletionTimestamp);
      return pods.length === 5 && pods.every((p: any) => p.spec.containers[0].image === 'nginx:1.27' && p.spec.nodeName);
    });
    const status = await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /successfully rolled out/);
    const rs = (await json(base, 'GET', '/apis/apps/v1/namespaces/default/replicasets')).body.items;
    assert.equal(rs.length, 2, 'the old ReplicaSet came back; no third one');
    const back = rs.find((x: any) => x.spec.template.spec.containers[0].image === 'nginx:1.27');
    assert.equal(back.metadata.annotations['deployment.kubernetes.io/revision'], '3');
    const history = await kubectl('rollout', 'history', 'deployment/web');
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /\b2\b[\s\S]*\b3\b/);
  });
});
