/** The StatefulSet reconcile against the writer port's in-memory twin: caches fed by hand, writes counted. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryWriter, type ObjectWriter, type ResourceWriter } from '../../shared/client/index.js';
import { ManualClock } from '../../shared/clock.js';
import { createLogger } from '../../shared/log.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { Pod } from '../../shared/resources/types.js';
import type { ControllerRevision, StatefulSet } from '../../shared/resources/statefulset-types.js';
import { defaultStatefulSet } from '../../shared/resources/statefulset-defaults.js';
import { podEventMessage, statefulSetReconciler } from '../../services/controller-manager/statefulset/controller.js';
import { T0, at, cacheOf } from './controller-fixtures.js';

const silent = createLogger('test', 'silent');
const KEY = 'default/web';

function newSet(replicas = 3, spec: Partial<StatefulSet['spec']> = {}): StatefulSet {
  return defaultStatefulSet({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', generation: 1, creationTimestamp: at(-100) },
    spec: {
      replicas,
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1' }] } },
      ...spec,
    },
  });
}

function setup(set = newSet()) {
  const clock = new ManualClock(T0);
  const writer = new MemoryWriter(clock);
  const seeded = writer.seed<StatefulSet>('statefulsets', set);
  const setCache = cacheOf<StatefulSet>('statefulsets', seeded);
  const podCache = cacheOf<Pod>('pods');
  const crCache = cacheOf<ControllerRevision>('controllerrevisions');
  const events: { reason: string; message: string }[] = [];
  const recorder = { record: (_o: KObject, _t: string, reason: string, message: string) => void events.push({ reason, message }) };
  const reconcile = statefulSetReconciler({ statefulSets: setCache, pods: podCache, revisions: crCache, writer, clock, recorder, log: silent });
  const pods = () => writer.resource<Pod>('pods').listAll('default');
  const catchUp = async () => {
    setCache.feed(...(await writer.resource<StatefulSet>('statefulsets').listAll('default')));
    podCache.feed(...(await pods()));
    crCache.feed(...(await writer.resource<ControllerRevision>('controllerrevisions').listAll('default')));
  };
  /** Play the kubelet: the pod Running and Ready. */
  const ready = async (name: string) => {
    const client = writer.resource<Pod>('pods');
    const p = await client.get('default', name);
    await client.updateStatus({
      ...p,
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(clock.now().getTime() - 60_000).toISOString() }] },
    } as Pod);
  };
  return { writer, reconcile, catchUp, events, pods, ready, clock, setCache, podCache };
}

const names = (pods: readonly Pod[]) => pods.map((p) => p.metadata.name).sort();

describe('StatefulSet reconcile against the in-memory writer', () => {
  it('3 replicas, OrderedReady: a revision and web-0 only; web-1 once web-0 is Running and Ready', async () => {
    const t = setup();
    await t.reconcile(KEY);
    assert.equal(t.writer.count('create', 'controllerrevisions'), 1);
    assert.deepEqual(names(await t.pods()), ['web-0']);
    assert.deepEqual(t.events, [{ reason: 'SuccessfulCreate', message: 'create Pod web-0 in StatefulSet web successful' }]);
    await t.catchUp();
    await t.reconcile(KEY);
    assert.deepEqual(names(await t.pods()), ['web-0'], 'web-0 is not Ready yet: no web-1');
    await t.ready('web-0');
    await t.catchUp();
    await t.reconcile(KEY);
    assert.deepEqual(names(await t.pods()), ['web-0', 'web-1']);
    const web1 = (await t.pods()).find((p) => p.metadata.name === 'web-1')!;
    assert.equal(web1.spec.hostname, 'web-1');
    assert.equal(web1.spec.subdomain, 'web');
    assert.equal(web1.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'web-1');
    assert.equal(web1.metadata.ownerReferences?.[0]?.kind, 'StatefulSet');
  });

  it('the same event twice on stale caches: no extra pod, no extra revision, no second event', async () => {
    const t = setup();
    await t.reconcile(KEY);
    await t.reconcile(KEY).catch((e: Error & { reason?: string }) => assert.equal(e.reason, 'Conflict', 'only the stale status write may fail'));
    assert.deepEqual(names(await t.pods()), ['web-0']);
    assert.equal((await t.writer.resource<ControllerRevision>('controllerrevisions').listAll('default')).length, 1);
    assert.equal(t.events.length, 1);
  });

  it('converged: running again writes nothing', async () => {
    const t = setup(newSet(2));
    for (let i = 0; i < 6; i++) {
      await t.catchUp();
      await t.reconcile(KEY).catch(() => undefined);
      for (const p of await t.pods()) if (p.status?.phase !== 'Running') await t.ready(p.metadata.name ?? '');
    }
    await t.catchUp();
    await t.reconcile(KEY);
    await t.catchUp();
    const before = t.writer.writes().length;
    await t.reconcile(KEY);
    assert.equal(t.writer.writes().length, before);
    const set = await t.writer.resource<StatefulSet>('statefulsets').get('default', 'web');
    assert.equal(set.status?.readyReplicas, 2);
    assert.equal(set.status?.currentRevision, set.status?.updateRevision);
  });

  it('minReadySeconds: a pod Ready for less than that blocks the next one and asks to be requeued', async () => {
    const t = setup(newSet(2, { minReadySeconds: 30 }));
    await t.reconcile(KEY);
    await t.catchUp();
    const client = t.writer.resource<Pod>('pods');
    const p = await client.get('default', 'web-0');
    await client.updateStatus({ ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: t.clock.now().toISOString() }] } } as Pod);
    await t.catchUp();
    const result = await t.reconcile(KEY);
    assert.deepEqual(names(await t.pods()), ['web-0'], 'web-0 is Ready but not available yet');
    assert.deepEqual(result, { requeueAfter: 30_000 });
  });

  it('a refused create: FailedCreate with Kubernetes\' message, and the error goes back to the queue', async () => {
    const t = setup(newSet(1));
    // The writer port, its pods refusing creates (as a quota would).
    const refusing: ObjectWriter = {
      resource<T extends KObject>(plural: string): ResourceWriter<T> {
        const base = t.writer.resource<T>(plural);
        if (plural !== 'pods') return base;
        const r = Object.create(base) as ResourceWriter<T>;
        r.create = async () => {
          throw Object.assign(new Error('pods "web-0" is forbidden: exceeded quota'), { reason: 'Forbidden' });
        };
        return r;
      },
    };
    const crCache = cacheOf<ControllerRevision>('controllerrevisions');
    const recorder = { record: (_o: KObject, _t: string, reason: string, message: string) => void t.events.push({ reason, message }) };
    const reconcile = statefulSetReconciler({ statefulSets: t.setCache, pods: t.podCache, revisions: crCache, writer: refusing, clock: t.clock, recorder, log: silent });
    await assert.rejects(reconcile(KEY), /exceeded quota/);
    assert.deepEqual(t.events, [{ reason: 'FailedCreate', message: 'create Pod web-0 in StatefulSet web failed error: pods "web-0" is forbidden: exceeded quota' }]);
  });

  it('an orphan pod named <set>-<n> matching the selector is adopted; one with another name is not', async () => {
    const t = setup(newSet(1));
    const orphan = (name: string): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1' }] },
    });
    t.podCache.feed(t.writer.seed<Pod>('pods', orphan('web-0')), t.writer.seed<Pod>('pods', orphan('other')));
    await t.reconcile(KEY);
    const pods = await t.pods();
    assert.equal(pods.find((p) => p.metadata.name === 'web-0')?.metadata.ownerReferences?.[0]?.uid, 'uid-web');
    assert.equal(pods.find((p) => p.metadata.name === 'other')?.metadata.ownerReferences, undefined);
    assert.equal(t.writer.count('create', 'pods'), 0);
  });

  it('event messages are Kubernetes\' recordPodEvent wording', () => {
    const table: [Parameters<typeof podEventMessage>, string][] = [
      [['create', 'web-0', 'web'], 'create Pod web-0 in StatefulSet web successful'],
      [['delete', 'web-2', 'web'], 'delete Pod web-2 in StatefulSet web successful'],
      [['create', 'web-0', 'web', new Error('quota')], 'create Pod web-0 in StatefulSet web failed error: quota'],
    ];
    for (const [args, want] of table) assert.equal(podEventMessage(...args), want);
  });
});
