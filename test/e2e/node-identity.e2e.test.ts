/**
 * `jetkube up --secure --nodes 2 --runtime fake` with kubectl: each node of the one kubelet process
 * authenticates as itself (a client certificate per node under clients/), a Deployment still rolls
 * out to Ready across both, NodeRestriction refuses one node's credential on the other node (with
 * kube-apiserver's message, as kubectl prints it), and Secrets are encrypted at rest with the key
 * `up` made in the data directory.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Config } from '../../shared/config.js';
import { dropPrefix, testConfig } from '../harness.js';
import { freePort } from '../private-nats.js';
import { eventually } from '../wait.js';
import { envFor, run, stop, spawnSecureUp } from './cli.js';
import { KUBECTL_SKIP } from './kubectl-harness.js';

const NODE = `nid-${Math.random().toString(36).slice(2, 7)}`;
const [N1, N2] = [`${NODE}-1`, `${NODE}-2`];

describe('jetkube up --secure --nodes 2: one identity per node', { skip: KUBECTL_SKIP }, () => {
  let cfg: Config;
  let dir: string;
  let up: ChildProcess | undefined;
  let output = '';
  let env: NodeJS.ProcessEnv;
  const kubectl = (args: string[]) => run('kubectl', ['--request-timeout=20s', ...args], env);

  before(async () => {
    cfg = await testConfig('nide2e', { port: await freePort() });
    dir = await mkdtemp(join(tmpdir(), 'jetkube-node-identity-e2e-'));
    const upEnv: NodeJS.ProcessEnv = { ...envFor(cfg), JETKUBE_DATA_DIR: dir, NODE_NAME: NODE, KUBELET_PORT: '0', CLUSTER_DNS: `127.0.0.1:${await freePort()}` };
    delete upEnv.ENCRYPTION_PROVIDER_CONFIG; // up makes one in the data directory
    const started = await spawnSecureUp(['up', '--secure', '--nodes', '2', '--runtime', 'fake'], upEnv, (d) => (output += d));
    up = started.child;
    const kubeconfig = started.kubeconfig;
    env = { ...process.env, HOME: dir, KUBECONFIG: kubeconfig };
  });
  after(async () => {
    if (up) await stop(up);
    if (cfg) await dropPrefix(cfg);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('each node has its own client certificate, and both are Ready', async () => {
    for (const n of [N1, N2]) assert.ok(existsSync(join(dir, 'clients', `node-${n}.crt`)), `clients/node-${n}.crt`);
    await eventually('both nodes Ready', async () => {
      const r = await kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status} {end}']);
      return r.stdout.trim().split(' ').sort().join(' ') === `${N1}=True ${N2}=True`;
    }, 60_000);
  });

  it('a Deployment rolls out to Ready on both nodes', async () => {
    assert.equal((await kubectl(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=4'])).code, 0);
    const r = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    assert.equal(r.code, 0, r.stderr);
    const nodes = await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.nodeName}']);
    assert.deepEqual([...new Set(nodes.stdout.split(' '))].sort(), [N1, N2]);
  });

  it("one node's identity cannot modify the other node: kubectl prints NodeRestriction's 403", async () => {
    const as = ['--as', `system:node:${N1}`, '--as-group', 'system:nodes'];
    const refused = await kubectl(['label', 'node', N2, 'team=a', ...as]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`nodes "${N2}" is forbidden: node "${N1}" is not allowed to modify node "${N2}"`));
    const own = await kubectl(['label', 'node', N1, 'team=a', ...as]);
    assert.equal(own.code, 0, own.stderr);
  });

  it('Secrets are encrypted at rest with the key up made in the data directory', async () => {
    assert.ok(existsSync(join(dir, 'encryption-config.yaml')));
    assert.equal((await kubectl(['create', 'secret', 'generic', 'db', '--from-literal=password=e2e-s3cret'])).code, 0);
    const got = await kubectl(['get', 'secret', 'db', '-o', 'jsonpath={.data.password}']);
    assert.equal(Buffer.from(got.stdout, 'base64').toString(), 'e2e-s3cret');
    const db = new pg.Client({ connectionString: cfg.databaseUrl });
    await db.connect();
    try {
      const row = await eventually('the Secret projected', async () => (await db.query<{ object: string }>(`select object::text as object from "${cfg.prefix}".secrets where name = 'db'`)).rows[0]);
      assert.match(row.object, /k8s:enc:aesgcm:v1:key1:/);
      assert.doesNotMatch(row.object, /e2e-s3cret|ZTJlLXMzY3JldA/);
    } finally {
      await db.end();
    }
  });
});
