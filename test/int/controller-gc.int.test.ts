/**
 * The garbage collector and the namespace controller against a real gateway, NATS and Postgres,
 * with a controller-manager running only those two controllers. Owners are ConfigMaps (no
 * ReplicaSet controller needed); dependents are pods and configmaps with ownerReferences.
 *
 * Background, Foreground (order asserted on a watch and by stream sequence) and Orphan deletion; a
 * dependent with two owners; namespace deletion (Terminating, content goes, new content refused,
 * the namespace goes once a held finalizer is released); and a controller-manager killed with
 * SIGKILL mid-way (a child process running this very file) whose successor finishes the job with
 * exactly one tombstone per object and no other writes. A last fresh start writes nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { streamEvents, lastSeq } from '../harness.js';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../shared/config.js';
import { createLogger } from '../../shared/log.js';
import type { StoredEvent } from '../../shared/eventlog/index.js';
import { startControllerManager, type RunningControllerManager } from '../../services/controller-manager/manager.js';
import { api, collectWatch, startStack, type Stack, type WatchEvent } from '../stack.js';
import { eventually } from '../wait.js';

const CONTROLLERS = ['garbagecollector', 'namespace'] as const;
const CHILD_FLAG = 'JETKUBE_GC_TEST_CHILD';
const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');

// ----------------------------------------------------------------------------------------------
// Child mode: this file run by fork() is a controller-manager process the test can SIGKILL.

if (process.env[CHILD_FLAG] === '1') {
  const cfg = loadConfig(process.env);
  const cm = await startControllerManager(cfg, createLogger('controller-manager', cfg.logLevel), { controllers: CONTROLLERS, leaderElection: { enabled: false } });
  await cm.ctx.informers.waitForSync();
  process.send?.('ready');
} else {
  suite();
}

// ----------------------------------------------------------------------------------------------
// Fixtures and helpers

interface Ref {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  blockOwnerDeletion?: boolean;
  controller?: boolean;
}

const refTo = (o: any, block = true): Ref => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  uid: o.metadata.uid,
  ...(block ? { blockOwnerDeletion: true } : {}),
});

const cmObj = (name: string, owners: Ref[] = [], extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(owners.length ? { ownerReferences: owners } : {}), ...extra },
  data: { k: name },
});

const podObj = (name: string, owners: Ref[] = []) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...(owners.length ? { ownerReferences: owners } : {}) },
  spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
});

const nsPath = (ns: string) => `/api/v1/namespaces/${ns}`;

const waitFor = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000) => eventually(what, fn, timeoutMs, 50);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes per object (by uid) among `events`, by event type. */
function writesByUid(events: readonly StoredEvent[]): Map<string, { kind: string; name: string; ADDED: number; MODIFIED: number; DELETED: number }> {
  const m = new Map<string, { kind: string; name: string; ADDED: number; MODIFIED: number; DELETED: number }>();
  for (const e of events) {
    const uid = e.object.metadata.uid ?? '';
    let w = m.get(uid);
    if (!w) m.set(uid, (w = { kind: e.object.kind, name: e.object.metadata.name ?? '', ADDED: 0, MODIFIED: 0, DELETED: 0 }));
    w[e.type]++;
  }
  return m;
}

// ----------------------------------------------------------------------------------------------

function suite(): void {
  describe('garbage collector and namespace controller', () => {
    let stack: Stack;
    let cfg: Config;
    let cm: RunningControllerManager | undefined;

    const call = <T = any>(method: string, path: string, body?: unknown, ct?: string) => api<T>(stack.url, method, path, body, ct);

    async function create(ns: string, plural: string, obj: any): Promise<any> {
      const group = plural === 'deployments' || plural === 'replicasets' ? '/apis/apps/v1' : '/api/v1';
      const r = await call('POST', `${group}/namespaces/${ns}/${plural}`, obj);
      assert.equal(r.status, 201, `create ${plural}/${obj.metadata.name}: ${JSON.stringify(r.body)}`);
      return r.body;
    }
    async function createNs(name: string): Promise<any> {
      const r = await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body;
    }
    const get = (ns: string, plural: string, name: string) => call('GET', `/api/v1/namespaces/${ns}/${plural}/${name}`);
    const del = (ns: string, plural: string, name: string, propagationPolicy?: string) =>
      call('DELETE', `/api/v1/namespaces/${ns}/${plural}/${name}`, {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        ...(propagationPolicy ? { propagationPolicy } : {}),
      });
    const gone = (ns: string, plural: string, name: string) =>
      waitFor(`${plural}/${name} to go`, async () => ((await get(ns, plural, name)).status === 404 ? true : undefined));

    async function startCm(): Promise<RunningControllerManager> {
      const m = await startControllerManager({ ...cfg, gatewayUrl: stack.url }, silent, { controllers: CONTROLLERS, leaderElection: { enabled: false } });
      await m.ctx.informers.waitForSync();
      return m;
    }

    before(async () => {
      stack = await startStack('ctrlgc');
      cfg = stack.cfg;
      cm = await startCm();
    });
    after(async () => {
      await cm?.close();
      await stack?.close();
    });

    it('Background: the owner goes at once, its dependents after it', async () => {
      const ns = 'gc-bg';
      await createNs(ns);
      const owner = await create(ns, 'configmaps', cmObj('owner'));
      for (let i = 0; i < 3; i++) await create(ns, 'pods', podObj(`p${i}`, [refTo(owner)]));
      for (let i = 0; i < 2; i++) await create(ns, 'configmaps', cmObj(`c${i}`, [refTo(owner, false)]));
      const bystander = await create(ns, 'configmaps', cmObj('bystander'));

      const r = await del(ns, 'configmaps', 'owner');
      assert.equal(r.status, 200);
      assert.equal((await get(ns, 'configmaps', 'owner')).status, 404, 'Background removes the owner at once');
      for (let i = 0; i < 3; i++) await gone(ns, 'pods', `p${i}`);
      for (let i = 0; i < 2; i++) await gone(ns, 'configmaps', `c${i}`);
      const still = await get(ns, 'configmaps', 'bystander');
      assert.equal(still.status, 200);
      assert.equal(still.body.metadata.uid, bystander.metadata.uid);
    });

    it('Foreground: the owner waits with a deletionTimestamp until its dependents (and theirs) are gone', async () => {
      const ns = 'gc-fg';
      await createNs(ns);
      const owner = await create(ns, 'configmaps', cmObj('owner'));
      const mid = await create(ns, 'configmaps', cmObj('mid', [refTo(owner)]));
      assert.ok(mid.metadata.uid);
      const leaf = await create(ns, 'pods', podObj('leaf', [refTo(mid)]));
      await create(ns, 'pods', podObj('direct', [refTo(owner)]));
      const last = await create(ns, 'configmaps', cmObj('sibling', [refTo(owner)]));
      const from = last.metadata.resourceVersion;

      const watching = collectWatch(
        stack.url,
        `${nsPath(ns)}/configmaps?watch=true&resourceVersion=${from}`,
        (evs) => evs.some((e) => e.type === 'DELETED' && e.object.metadata.name === 'owner'),
        20_000,
      );
      const r = await del(ns, 'configmaps', 'owner', 'Foreground');
      assert.equal(r.status, 200);
      assert.ok(r.body.metadata.deletionTimestamp, 'the owner stays, marked for deletion');
      assert.deepEqual(r.body.metadata.finalizers, ['foregroundDeletion']);

      const { events } = await watching;
      const seqOf = (pred: (e: WatchEvent) => boolean) => {
        const e = events.find(pred);
        return e ? Number(e.object.metadata.resourceVersion) : undefined;
      };
      const ownerMarked = seqOf((e) => e.type === 'MODIFIED' && e.object.metadata.name === 'owner' && !!e.object.metadata.deletionTimestamp);
      const midMarked = seqOf((e) => e.type === 'MODIFIED' && e.object.metadata.name === 'mid' && !!e.object.metadata.deletionTimestamp);
      const midGone = seqOf((e) => e.type === 'DELETED' && e.object.metadata.name === 'mid');
      const siblingGone = seqOf((e) => e.type === 'DELETED' && e.object.metadata.name === 'sibling');
      const ownerGone = seqOf((e) => e.type === 'DELETED' && e.object.metadata.name === 'owner');
      assert.ok(ownerMarked && midMarked && midGone && siblingGone && ownerGone, JSON.stringify(events.map((e) => [e.type, e.object.metadata.name])));
      // mid has a dependent of its own: it is itself deleted in the foreground.
      const midMarkedObj = events.find((e) => e.type === 'MODIFIED' && e.object.metadata.name === 'mid')!.object;
      assert.ok(midMarkedObj.metadata.finalizers.includes('foregroundDeletion'));
      assert.ok(ownerMarked < midMarked && midMarked < midGone && midGone < ownerGone && siblingGone < ownerGone);

      // The pods' tombstones precede the owners' (resourceVersions are stream sequences).
      const podEvents = (await streamEvents(cfg)).filter((e) => e.object.kind === 'Pod' && e.object.metadata.namespace === ns && e.type === 'DELETED');
      const leafGone = podEvents.find((e) => e.object.metadata.uid === leaf.metadata.uid)?.seq;
      const directGone = podEvents.find((e) => e.object.metadata.name === 'direct')?.seq;
      assert.ok(leafGone && directGone, 'both pods got a tombstone');
      assert.ok(leafGone < midGone, 'the leaf pod went before its owner mid');
      assert.ok(directGone < ownerGone, 'the direct pod went before the owner');
      assert.equal((await get(ns, 'configmaps', 'owner')).status, 404);
    });

    it('Orphan: dependents stay without the reference, the owner goes', async () => {
      const ns = 'gc-orphan';
      await createNs(ns);
      const owner = await create(ns, 'configmaps', cmObj('owner'));
      const other = await create(ns, 'configmaps', cmObj('other-owner'));
      await create(ns, 'pods', podObj('p0', [refTo(owner)]));
      await create(ns, 'pods', podObj('p1', [refTo(owner), refTo(other)]));
      await create(ns, 'configmaps', cmObj('c0', [refTo(owner)]));

      const r = await del(ns, 'configmaps', 'owner', 'Orphan');
      assert.equal(r.status, 200);
      await gone(ns, 'configmaps', 'owner');
      await sleep(500); // room for a mistaken Background collection after the owner's tombstone
      for (const [plural, name] of [['pods', 'p0'], ['pods', 'p1'], ['configmaps', 'c0']] as const) {
        const d = await get(ns, plural, name);
        assert.equal(d.status, 200, `${plural}/${name} survives`);
        const refs: Ref[] = d.body.metadata.ownerReferences ?? [];
        assert.ok(!refs.some((x) => x.uid === owner.metadata.uid), `${name} lost its reference to the owner`);
        // As on Kubernetes: an orphan with no owner left has no ownerReferences field, not `[]`.
        if (name !== 'p1') assert.equal(d.body.metadata.ownerReferences, undefined, `${name} has no empty ownerReferences`);
      }
      const p1 = await get(ns, 'pods', 'p1');
      assert.deepEqual((p1.body.metadata.ownerReferences as Ref[]).map((x) => x.uid), [other.metadata.uid], 'the other reference stays');
    });

    it('a dependent with two owners survives the deletion of one, and goes with the second', async () => {
      const ns = 'gc-two';
      await createNs(ns);
      const a = await create(ns, 'configmaps', cmObj('owner-a'));
      const b = await create(ns, 'configmaps', cmObj('owner-b'));
      const shared = await create(ns, 'pods', podObj('shared', [refTo(a), refTo(b)]));
      const onlyA = await create(ns, 'pods', podObj('only-a', [refTo(a)]));

      assert.equal((await del(ns, 'configmaps', 'owner-a')).status, 200);
      await gone(ns, 'pods', 'only-a');
      const s1 = await waitFor('the dangling reference to be dropped', async () => {
        const r = await get(ns, 'pods', 'shared');
        assert.equal(r.status, 200, 'the shared dependent survives');
        return (r.body.metadata.ownerReferences as Ref[]).length === 1 ? r.body : undefined;
      });
      assert.equal(s1.metadata.uid, shared.metadata.uid);
      assert.equal(s1.metadata.ownerReferences[0].uid, b.metadata.uid);
      assert.ok(onlyA.metadata.uid);

      assert.equal((await del(ns, 'configmaps', 'owner-b')).status, 200);
      await gone(ns, 'pods', 'shared');
    });

    it('namespace deletion: Terminating, content goes, new content refused, then the namespace goes', async () => {
      const ns = 'doomed';
      await createNs(ns);
      for (let i = 0; i < 3; i++) await create(ns, 'pods', podObj(`p${i}`));
      for (let i = 0; i < 2; i++) await create(ns, 'configmaps', cmObj(`c${i}`));
      for (let i = 0; i < 2; i++) {
        await create(ns, 'secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: `s${i}` }, stringData: { k: 'v' } });
      }
      await create(ns, 'deployments', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } },
        },
      });
      // Held by someone else's finalizer: keeps the namespace Terminating until the test lets go.
      await create(ns, 'configmaps', cmObj('held', [], { finalizers: ['example.com/hold'] }));

      const r = await call('DELETE', nsPath(ns));
      assert.equal(r.status, 200);
      assert.equal(r.body.status.phase, 'Terminating');

      const late = await call('POST', `${nsPath(ns)}/configmaps`, cmObj('late2'));
      assert.equal(late.status, 403, JSON.stringify(late.body));

      // Everything but the held configmap goes; the held one is marked for deletion.
      const left = await waitFor('content to go', async () => {
        const kinds = ['pods', 'configmaps', 'secrets'];
        const items: any[] = [];
        for (const k of kinds) items.push(...(await call('GET', `${nsPath(ns)}/${k}`)).body.items);
        items.push(...(await call('GET', `/apis/apps/v1/namespaces/${ns}/deployments`)).body.items);
        return items.length === 1 && items[0].metadata.deletionTimestamp ? items : undefined;
      });
      assert.equal(left[0].metadata.name, 'held');

      const terminating = await waitFor('status conditions', async () => {
        const n = await call('GET', nsPath(ns));
        const c = (n.body.status?.conditions ?? []).find((x: any) => x.type === 'NamespaceFinalizersRemaining');
        return c?.status === 'True' ? n.body : undefined;
      });
      assert.equal(terminating.status.phase, 'Terminating');
      assert.deepEqual(terminating.spec.finalizers, ['kubernetes']);
      const content = terminating.status.conditions.find((x: any) => x.type === 'NamespaceContentRemaining');
      assert.equal(content.status, 'True');
      assert.match(content.message, /configmaps\. has 1 resource instances/);

      // Let go: the configmap leaves, then the namespace.
      const held = await get(ns, 'configmaps', 'held');
      const p = await call(
        'PATCH',
        `${nsPath(ns)}/configmaps/held`,
        { metadata: { finalizers: [], resourceVersion: held.body.metadata.resourceVersion } },
        'application/merge-patch+json',
      );
      assert.equal(p.status, 200, JSON.stringify(p.body));
      await waitFor('the namespace to go', async () => ((await call('GET', nsPath(ns))).status === 404 ? true : undefined));

      // One tombstone per object, and the namespace's own writes are few.
      const events = (await streamEvents(cfg)).filter((e) => e.object.metadata.namespace === ns || (e.object.kind === 'Namespace' && e.object.metadata.name === ns));
      for (const [uid, w] of writesByUid(events)) {
        assert.equal(w.DELETED, 1, `${w.kind}/${w.name} (${uid}) has one tombstone`);
      }
    });

    it('a controller-manager killed mid-way: its successor finishes with one tombstone per object and no other writes', async (t) => {
      await cm?.close();
      cm = undefined;
      const ns = 'gc-restart';
      await createNs(ns);
      const owner = await create('default', 'configmaps', cmObj('restart-owner'));
      const N = 120;
      const create8 = async (names: string[], fn: (n: string) => Promise<unknown>) => {
        for (let i = 0; i < names.length; i += 8) await Promise.all(names.slice(i, i + 8).map(fn));
      };
      await create8(Array.from({ length: N }, (_, i) => `d${i}`), (n) => create('default', 'configmaps', cmObj(`restart-${n}`, [refTo(owner)])));
      await create8(Array.from({ length: N }, (_, i) => `x${i}`), (n) => create(ns, 'configmaps', cmObj(n)));
      await create8(Array.from({ length: N / 2 }, (_, i) => `p${i}`), (n) => create(ns, 'pods', podObj(n)));
      const before = await lastSeq(cfg);

      // A controller-manager in its own process, started before the deletions, killed while working.
      const child = await forkControllerManager(cfg, stack.url);
      try {
        assert.equal((await del('default', 'configmaps', 'restart-owner')).status, 200);
        assert.equal((await call('DELETE', nsPath(ns))).status, 200);
        const started = await lastSeq(cfg);
        await waitFor('the child to start deleting', async () => ((await lastSeq(cfg)) > started + 10 ? true : undefined), 20_000);
      } finally {
        child.kill('SIGKILL');
      }
      const atKill = await lastSeq(cfg);
      const expected = N + 1 + N + N / 2 + 1; // tombstones: dependents, owner, namespace content, namespace
      const events0 = (await streamEvents(cfg)).filter((e) => e.seq > before);
      const deletedAtKill = events0.filter((e) => e.type === 'DELETED').length;
      t.diagnostic(`killed after ${deletedAtKill} of ${expected} tombstones`);
      assert.ok(deletedAtKill < expected, `killed mid-way (${deletedAtKill} of ${expected} tombstones written)`);

      cm = await startCm();
      await waitFor('the namespace to go', async () => ((await call('GET', nsPath(ns))).status === 404 ? true : undefined), 30_000);
      await waitFor('the dependents to go', async () => {
        const items = (await call('GET', '/api/v1/namespaces/default/configmaps')).body.items as any[];
        return items.some((i) => i.metadata.name.startsWith('restart-')) ? undefined : true;
      }, 30_000);

      const events = (await streamEvents(cfg)).filter((e) => e.seq > before);
      const deletes = events.filter((e) => e.type === 'DELETED');
      assert.equal(deletes.length, expected, `${deletes.length} tombstones, expected ${expected} (killed at seq ${atKill})`);
      for (const [uid, w] of writesByUid(events)) {
        assert.equal(w.DELETED, 1, `${w.kind}/${w.name} (${uid}) has exactly one tombstone`);
        if (w.kind !== 'Namespace' && w.kind !== 'Event') assert.equal(w.MODIFIED, 0, `${w.kind}/${w.name} was not written besides its deletion`);
      }
      const nsWrites = events.filter((e) => e.object.kind === 'Namespace' && e.type === 'MODIFIED');
      t.diagnostic(`namespace status/finalize writes: ${nsWrites.length}`);
      assert.ok(nsWrites.length <= 6, `the namespace was written ${nsWrites.length} times`);

      // A fresh start over the finished state (every cache built from the log's snapshot) writes nothing.
      await cm.close();
      const quiet = await lastSeq(cfg);
      cm = await startCm();
      await sleep(1500);
      assert.equal(await lastSeq(cfg), quiet, 'a restart over a finished state writes nothing');
    });
  });
}

/** This file as a controller-manager process (see child mode at the top); resolves once its caches synced. */
async function forkControllerManager(cfg: Config, gatewayUrl: string): Promise<ChildProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [CHILD_FLAG]: '1',
    NATS_URL: cfg.natsUrl,
    DATABASE_URL: cfg.databaseUrl,
    JETKUBE_PREFIX: cfg.prefix,
    GATEWAY_URL: gatewayUrl,
    LOG_LEVEL: process.env.LOG_LEVEL || 'silent',
  };
  delete env.NODE_TEST_CONTEXT;
  const child = fork(fileURLToPath(import.meta.url), [], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the child controller-manager did not start')), 20_000);
    child.once('message', () => (clearTimeout(timer), resolve()));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`the child controller-manager exited (${code})`))));
  });
  return child;
}
