/**
 * `jetkube up --secure` with no NATS_URL runs locked (issue 16 item 5): its own nats-server with
 * the generated users on a loopback port, Postgres roles for the projector and the gateway. The
 * whole chain works (a Deployment's pods are scheduled onto the fake nodes and run; a pod reading
 * a Secret volume and a ConfigMap variable runs: the kubelets get them through the gateway), each
 * component connects as its own NATS user (shared/nats-lock/reads.ts) and none hit a permission it
 * lacks (the server's log has no violation), the kubelet's credential from the data directory
 * cannot forge an event nor read Secrets, the server stops with `up`, and a second `up` on the same
 * data directory finds everything as it was.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { NATS_ROLES, natsUserName } from '../../shared/nats-lock/config.js';
import { streamName, type Config } from '../../shared/config.js';
import { dropDbRoles, dropPrefix, testConfig } from '../harness.js';
import { freePort, hasNatsServer, NATS_BIN } from '../private-nats.js';
import { eventually } from '../wait.js';
import { envFor, run, stop, spawnSecureUp, configuredPodManifest } from './cli.js';
import { KUBECTL_SKIP } from './kubectl-harness.js';

const NODE = `locked-${Math.random().toString(36).slice(2, 7)}`;

describe('jetkube up --secure: NATS and Postgres locked', { skip: KUBECTL_SKIP || (hasNatsServer ? false : `${NATS_BIN} not installed`) }, () => {
  let cfg: Config;
  let dir: string;
  let up: ChildProcess | undefined;
  let output = '';
  let kubeconfig = '';
  const kubectl = (args: string[]) => run('kubectl', ['--request-timeout=20s', ...args], { ...process.env, HOME: dir, KUBECONFIG: kubeconfig });

  before(async () => {
    cfg = await testConfig('lockede2e', { port: await freePort() });
    dir = await mkdtemp(join(tmpdir(), 'jetkube-locked-e2e-'));
    const env: NodeJS.ProcessEnv = {
      ...envFor(cfg),
      NATS_SERVER_BIN: NATS_BIN,
      JETKUBE_DATA_DIR: dir,
      NODE_NAME: NODE,
      KUBELET_PORT: '0',
      CLUSTER_DNS: `127.0.0.1:${await freePort()}`,
    };
    delete env.NATS_URL; // `up` runs its own, locked
    upEnv = env;
    await startUp();
  });
  let upEnv: NodeJS.ProcessEnv;
  const startUp = async () => {
    output = '';
    ({ child: up, kubeconfig } = await spawnSecureUp(['up', '--secure', '--nodes', '2', '--runtime', 'fake'], upEnv, (d) => (output += d)));
  };
  after(async () => {
    if (up) await stop(up);
    if (cfg) {
      await dropPrefix(cfg);
      await dropDbRoles(cfg);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a Deployment: its pods are scheduled onto the fake nodes and run', async () => {
    const r = await kubectl(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3']);
    assert.equal(r.code, 0, r.stderr);
    const placed = await eventually(
      'three pods Running on the nodes',
      async () => {
        const g = await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.spec.nodeName} {.status.phase}{"\\n"}{end}']);
        const lines = g.stdout.trim().split('\n').filter(Boolean);
        return lines.length === 3 && lines.every((l) => l.endsWith(' Running')) ? lines : undefined;
      },
      60_000,
    );
    for (const l of placed) assert.match(l, new RegExp(`^${NODE}-[12] Running$`));
  });

  it('a pod with a Secret volume and a ConfigMap variable runs: its kubelet read them through the gateway', async () => {
    const manifest = join(dir, 'config-pod.yaml');
    await writeFile(manifest, configuredPodManifest(false));
    const r = await kubectl(['apply', '-f', manifest]);
    assert.equal(r.code, 0, r.stderr);
    await eventually('the pod Running', async () => (await kubectl(['get', 'pod', 'configured', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running' || undefined, 60_000);
  });

  it('its nats-server runs the generated configuration, one user per component, and logged no permission violation', async () => {
    const conf = await readFile(join(dir, 'nats', 'nats.conf'), 'utf8');
    assert.match(conf, /authorization \{/);
    for (const role of NATS_ROLES) assert.match(conf, new RegExp(`user: "${natsUserName(role)}"`));
    assert.doesNotMatch(conf, /jetkube-reader/);
    const log = await readFile(join(dir, 'nats', 'nats.log'), 'utf8');
    assert.doesNotMatch(log, /Violation/);
  });

  it("the kubelet's credential: a forged Pod event is refused (the stream does not move), and so is reading Secrets", async () => {
    const url = (await readFile(join(dir, 'nats', 'url'), 'utf8')).trim();
    const password = (await readFile(join(dir, 'secrets', 'kubelet', 'nats-password'), 'utf8')).trim();
    const nc = await connect({ servers: url, user: 'jetkube-kubelet', pass: password });
    try {
      const jsm = await jetstreamManager(nc);
      const stream = streamName(cfg.prefix);
      const before = (await jsm.streams.info(stream)).state.messages;
      await assert.rejects(jetstream(nc).publish(`${cfg.prefix}.res.pods.default.forged`, '{"v":1,"type":"ADDED","object":{}}', { timeout: 5000 }), /Permissions Violation/);
      assert.equal((await jsm.streams.info(stream)).state.messages, before);
      await assert.rejects(jsm.consumers.add(stream, { name: 'steal', ack_policy: AckPolicy.None, filter_subject: `${cfg.prefix}.res.secrets.>` }), /Permissions Violation/);
      await assert.rejects(jsm.direct.getMessage(stream, { last_by_subj: `${cfg.prefix}.res.secrets.default.creds` }), /Permissions Violation/);
      await assert.rejects(jsm.direct.getMessage(stream, { seq: 1 }), /Permissions Violation/);
    } finally {
      await nc.close();
    }
  });

  it('stopping up stops its nats-server', async () => {
    const pid = Number((await readFile(join(dir, 'nats', 'pid'), 'utf8')).trim());
    assert.ok(existsSync(`/proc/${pid}`));
    assert.equal(await stop(up!), 0);
    up = undefined;
    await eventually('nats-server gone', async () => !existsSync(`/proc/${pid}`) || (await readFile(`/proc/${pid}/cmdline`, 'utf8')) === '', 10_000);
  });

  it('started again on the same data directory: the same users and roles, the log and the projections kept; it scales', async () => {
    await startUp();
    const get = await kubectl(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}']);
    assert.equal(get.stdout, '3', get.stderr);
    assert.equal((await kubectl(['scale', 'deployment', 'web', '--replicas=4'])).code, 0);
    await eventually(
      'four pods Running',
      async () => {
        const g = await kubectl(['get', 'pods', '-l', 'app=web', '--field-selector=status.phase=Running', '-o', 'name']);
        return g.stdout.trim().split('\n').filter(Boolean).length === 4;
      },
      60_000,
    );
  });
});
