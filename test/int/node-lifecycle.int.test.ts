/**
 * The node lifecycle controller against a real gateway, NATS and Postgres, with a
 * controller-manager running replicaset + deployment + nodelifecycle (grace 1.5 s, default
 * toleration 1 s). The test plays the kubelets through the API: it renews each node's Lease in
 * kube-node-lease, writes Ready=True when a node "comes back", and binds pods (no scheduler).
 *
 *  1. A Deployment of 2 runs on node-a; node-a's Lease stops being renewed → node-a goes
 *     Ready=Unknown (NodeStatusUnknown) with the unreachable NoExecute + NoSchedule taints, its
 *     pods are evicted after the toleration and stay Terminating, the ReplicaSet's replacements
 *     land on node-b. node-b (renewed) is never written to.
 *  2. The controller-manager restarts: nothing is written again (node-a, the evicted pods), and
 *     there is exactly one NodeNotReady and one TaintManagerEviction per pod.
 *  3. node-a's Lease resumes and the test writes Ready=True → both taints go.
 *  4. A static node (Ready written by hand, no heartbeat, no Lease) is never aged or tainted.
 *  5. Deleting a node force-deletes the pods bound to it (the Terminating ones too).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { streamEvents } from '../harness.js';
import { eventually, sleep } from '../controller-stack.js';
import type { Config } from '../../shared/config.js';
import { createLogger } from '../../shared/log.js';
import type { StoredEvent } from '../../shared/eventlog/index.js';
import { GatewayClient } from '../../shared/client/index.js';
import { isConflict } from '../../shared/errors.js';
import type { Lease, Node, Pod } from '../../shared/resources/types.js';
import { startControllerManager, type RunningControllerManager } from '../../services/controller-manager/manager.js';
import { TAINT_NODE_UNREACHABLE } from '../../services/controller-manager/nodelifecycle/index.js';
import { deployment, startStack, type Stack } from '../stack.js';

const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');
const CONTROLLERS = ['replicaset', 'deployment', 'nodelifecycle'];
const GRACE_MS = 1500;
const TOLERATION_S = 1;
const RENEW_MS = 250;
const LEASE_NS = 'kube-node-lease';

const microTime = (d = new Date()) => d.toISOString().replace('Z', '000Z');
const seconds = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000) => eventually(what, fn, timeoutMs, 50);

/** Writes per object uid: `ADDED/MODIFIED/DELETED` counts. */
function writesOf(events: readonly StoredEvent[], uids: readonly string[]): Record<string, { ADDED: number; MODIFIED: number; DELETED: number }> {
  const out: Record<string, { ADDED: number; MODIFIED: number; DELETED: number }> = {};
  for (const uid of uids) out[uid] = { ADDED: 0, MODIFIED: 0, DELETED: 0 };
  for (const e of events) {
    const w = out[e.object.metadata.uid ?? ''];
    if (w) w[e.type]++;
  }
  return out;
}

const nodeObject = (name: string, heartbeat: boolean): Node => {
  const capacity = { cpu: '8', memory: '16Gi', pods: '110' };
  const now = seconds();
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: {},
    status: {
      capacity,
      allocatable: capacity,
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', ...(heartbeat ? { lastHeartbeatTime: now } : {}), lastTransitionTime: now },
      ],
    },
  };
};

const ready = (n: Node | undefined) => n?.status?.conditions?.find((c) => c.type === 'Ready');
const lifecycleTaints = (n: Node) => (n.spec?.taints ?? []).filter((t) => t.key.startsWith('node.kubernetes.io/')).map((t) => `${t.key}:${t.effect}`).sort();

describe('node lifecycle controller', () => {
  let stack: Stack;
  let cfg: Config;
  let client: GatewayClient;
  let cm: RunningControllerManager | undefined;
  /** Nodes whose Lease the test keeps renewing. */
  const renewing = new Set<string>();
  /** Where the test's stand-in scheduler binds new pods. */
  let bindTo = 'node-a';
  let stopped = false;
  let loops: Promise<void>[] = [];
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(2)}s`;

  const startCm = async () => {
    const m = await startControllerManager({ ...cfg, gatewayUrl: stack.url }, silent, {
      controllers: CONTROLLERS,
      workers: 2,
      nodeMonitorGracePeriodMs: GRACE_MS,
      defaultTolerationSeconds: TOLERATION_S,
      leaderElection: { enabled: false },
    });
    await m.ctx.informers.waitForSync();
    return m;
  };
  const getNode = (name: string) => client.nodes.get(undefined, name);
  const pods = async () => (await client.pods.list('default')).items;
  const events = async (reason: string) => (await client.events.list('default')).items.filter((e) => e.reason === reason);

  before(async () => {
    stack = await startStack('nodelc');
    cfg = stack.cfg;
    client = new GatewayClient({ url: stack.url });
    for (const name of ['node-a', 'node-b']) {
      await client.nodes.create(undefined, nodeObject(name, true));
      await client.leases.create(LEASE_NS, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: LEASE_NS },
        spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime() },
      } as Lease);
      renewing.add(name);
    }
    // The kubelets' heartbeats.
    loops.push(
      (async () => {
        while (!stopped) {
          await Promise.all(
            [...renewing].map((name) => client.leases.patch(LEASE_NS, name, { spec: { renewTime: microTime() } }, 'merge').catch(() => undefined)),
          );
          await sleep(RENEW_MS);
        }
      })(),
    );
    // A scheduler stand-in: bind new pods of the Deployment to `bindTo`.
    loops.push(
      (async () => {
        while (!stopped) {
          try {
            for (const p of await pods()) {
              if (!p.spec.nodeName && !p.metadata.deletionTimestamp && p.metadata.labels?.app === 'web') {
                await client.bind('default', p.metadata.name ?? '', bindTo).catch(() => undefined);
              }
            }
          } catch {
            /* the gateway is going away */
          }
          await sleep(100);
        }
      })(),
    );
    cm = await startCm();
  });

  after(async () => {
    stopped = true;
    await Promise.allSettled(loops);
    await cm?.close();
    await client?.close();
    await stack?.close();
  });

  let evicted: Pod[] = [];
  let nodeAUid = '';
  let nodeBUid = '';

  it('a node whose Lease stops is marked Unknown and tainted; its pods are evicted and replaced on node-b', async (t) => {
    // A static node and a pod on it, for the later checks.
    await client.nodes.create(undefined, nodeObject('node-c', false));
    await client.pods.create('default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'on-c' },
      spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] },
    } as Pod);
    await client.bind('default', 'on-c', 'node-c');

    await client.deployments.create('default', deployment('web', 2) as never);
    const onA = await waitFor('2 pods bound to node-a', async () => {
      const ps = (await pods()).filter((p) => p.metadata.labels?.app === 'web' && p.spec.nodeName === 'node-a');
      return ps.length === 2 ? ps : undefined;
    });
    nodeAUid = (await getNode('node-a')).metadata.uid ?? '';
    nodeBUid = (await getNode('node-b')).metadata.uid ?? '';
    t.diagnostic(`pods on node-a at ${elapsed()}`);

    bindTo = 'node-b';
    renewing.delete('node-a');
    const stoppedAt = Date.now();

    const unknown = await waitFor('node-a Ready=Unknown', async () => {
      const n = await getNode('node-a');
      return ready(n)?.status === 'Unknown' ? n : undefined;
    });
    const toUnknown = Date.now() - stoppedAt;
    const r = ready(unknown)!;
    assert.equal(r.reason, 'NodeStatusUnknown');
    assert.equal(r.message, 'Kubelet stopped posting node status.');
    assert.ok(r.lastHeartbeatTime, 'the last heartbeat is kept');
    // Not before the grace period: the status write (stream time) comes > grace after the last renewal.
    const lastRenew = Date.parse((await client.leases.get(LEASE_NS, 'node-a')).spec?.renewTime ?? '');
    const write = (await streamEvents(cfg)).find(
      (e) => e.object.metadata.uid === unknown.metadata.uid && ready(e.object as Node)?.status === 'Unknown',
    );
    assert.ok(write, 'the Unknown status write is on the stream');
    const sinceRenew = write.time.getTime() - lastRenew;
    assert.ok(sinceRenew >= GRACE_MS, `marked Unknown ${sinceRenew} ms after the last renewal`);

    const tainted = await waitFor('node-a tainted unreachable', async () => {
      const n = await getNode('node-a');
      return lifecycleTaints(n).length === 2 ? n : undefined;
    });
    assert.deepEqual(lifecycleTaints(tainted), [`${TAINT_NODE_UNREACHABLE}:NoExecute`, `${TAINT_NODE_UNREACHABLE}:NoSchedule`]);
    assert.ok(tainted.spec?.taints?.find((x) => x.effect === 'NoExecute')?.timeAdded, 'NoExecute taint has timeAdded');
    t.diagnostic(`node-a Unknown ${sinceRenew} ms after its last renewal, ${toUnknown} ms after renewals stopped; tainted at ${elapsed()}`);

    evicted = await waitFor('the node-a pods evicted', async () => {
      const ps = (await pods()).filter((p) => onA.some((o) => o.metadata.uid === p.metadata.uid));
      return ps.length === 2 && ps.every((p) => p.metadata.deletionTimestamp) ? ps : undefined;
    });
    t.diagnostic(`node-a pods terminating ${Date.now() - stoppedAt} ms after renewals stopped (${elapsed()})`);

    const replacements = await waitFor('2 replacements running on node-b', async () => {
      const ps = (await pods()).filter((p) => p.metadata.labels?.app === 'web' && !p.metadata.deletionTimestamp);
      return ps.length === 2 && ps.every((p) => p.spec.nodeName === 'node-b') ? ps : undefined;
    });
    assert.equal(replacements.length, 2);

    const nb = await getNode('node-b');
    assert.equal(ready(nb)?.status, 'True');
    assert.deepEqual(nb.spec?.taints ?? [], []);
    t.diagnostic(`replacements on node-b at ${elapsed()}`);
  });

  it('after a controller-manager restart nothing is written twice', async (t) => {
    const uids = [nodeAUid, nodeBUid, ...evicted.map((p) => p.metadata.uid ?? '')];
    // Let the first instance's last writes (if any) land before counting.
    await sleep(300);
    const before = writesOf(await streamEvents(cfg), uids);
    await cm?.close();
    cm = await startCm();
    // Longer than the grace period and the toleration: anything due would have been written.
    await sleep(GRACE_MS + TOLERATION_S * 1000);
    const afterRestart = writesOf(await streamEvents(cfg), uids);
    assert.deepEqual(afterRestart, before, 'no writes to node-a, node-b or the evicted pods after the restart');

    // node-a: created, status → Unknown, taints; node-b: created only.
    assert.deepEqual(afterRestart[nodeAUid], { ADDED: 1, MODIFIED: 2, DELETED: 0 });
    assert.deepEqual(afterRestart[nodeBUid], { ADDED: 1, MODIFIED: 0, DELETED: 0 });
    for (const p of evicted) {
      // created, bound, deletionTimestamp set: the eviction is one write, and the pod stays Terminating.
      assert.deepEqual(afterRestart[p.metadata.uid ?? ''], { ADDED: 1, MODIFIED: 2, DELETED: 0 }, p.metadata.name);
    }
    const still = await pods();
    for (const p of evicted) assert.ok(still.find((q) => q.metadata.uid === p.metadata.uid)?.metadata.deletionTimestamp, 'stays Terminating on an unreachable node');

    const notReady = await events('NodeNotReady');
    assert.deepEqual(notReady.map((e) => e.involvedObject.name), ['node-a']);
    const evictions = await events('TaintManagerEviction');
    assert.deepEqual(evictions.map((e) => e.involvedObject.name).sort(), evicted.map((p) => p.metadata.name).sort());
    for (const e of evictions) assert.equal(e.message, `Marking for deletion Pod default/${e.involvedObject.name}`);
    t.diagnostic(`restart checked at ${elapsed()}`);
  });

  it('the node comes back: its Lease resumes, the kubelet writes Ready=True, the taints go', async (t) => {
    renewing.add('node-a');
    const back = Date.now();
    await waitFor('Ready=True written', async () => {
      const n = await getNode('node-a');
      const now = seconds();
      const conditions = [{ type: 'Ready', status: 'True' as const, reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }];
      try {
        await client.nodes.updateStatus({ ...n, status: { ...n.status, conditions } });
        return true;
      } catch (e) {
        if (isConflict(e)) return undefined;
        throw e;
      }
    });
    const clean = await waitFor('node-a untainted', async () => {
      const n = await getNode('node-a');
      return lifecycleTaints(n).length === 0 ? n : undefined;
    });
    assert.equal(ready(clean)?.status, 'True');
    t.diagnostic(`node-a untainted ${Date.now() - back} ms after it came back (${elapsed()})`);
    // It stays Ready while the Lease is renewed (the old heartbeat in the status does not matter).
    await sleep(GRACE_MS + 300);
    const later = await getNode('node-a');
    assert.equal(ready(later)?.status, 'True');
    assert.deepEqual(lifecycleTaints(later), []);
  });

  it('a static node (hand-written Ready, no heartbeat, no Lease) is never aged', async () => {
    const c = await getNode('node-c');
    assert.ok(Date.now() - Date.parse(c.metadata.creationTimestamp ?? '') > GRACE_MS * 2, 'created well over the grace period ago');
    assert.equal(ready(c)?.status, 'True');
    assert.deepEqual(c.spec?.taints ?? [], []);
    const on = (await pods()).find((p) => p.metadata.name === 'on-c');
    assert.ok(on && !on.metadata.deletionTimestamp, 'its pod is left alone');
  });

  it('deleting a node force-deletes the pods bound to it, Terminating ones included', async (t) => {
    const start = Date.now();
    await client.nodes.delete(undefined, 'node-c');
    await waitFor('the pod on node-c gone', async () => !(await pods()).some((p) => p.metadata.name === 'on-c'));

    renewing.delete('node-a');
    await client.nodes.delete(undefined, 'node-a');
    await waitFor('the Terminating pods of node-a gone', async () => {
      const ps = await pods();
      return !ps.some((p) => evicted.some((e) => e.metadata.uid === p.metadata.uid));
    });
    const all = await streamEvents(cfg);
    const w = writesOf(all, evicted.map((p) => p.metadata.uid ?? ''));
    for (const p of evicted) assert.equal(w[p.metadata.uid ?? '']!.DELETED, 1, `one tombstone for ${p.metadata.name}`);
    const replacements = (await pods()).filter((p) => p.metadata.labels?.app === 'web');
    assert.equal(replacements.length, 2, 'the replacements on node-b are untouched');
    assert.ok(replacements.every((p) => p.spec.nodeName === 'node-b' && !p.metadata.deletionTimestamp));
    t.diagnostic(`orphans force-deleted within ${Date.now() - start} ms (${elapsed()})`);
  });
});
