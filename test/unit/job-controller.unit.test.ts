/**
 * The Job reconcile against the writer port's in-memory twin: caches fed by hand, a manual clock,
 * the writes counted. Planning decisions are job-plan.unit.test.ts's business; here: the executor
 * applies them in order, announces pods to the expectations, and a repeated reconcile writes nothing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryWriter } from '../../shared/client/index.js';
import { ManualClock } from '../../shared/clock.js';
import { createLogger } from '../../shared/log.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { Pod } from '../../shared/resources/types.js';
import type { Job } from '../../shared/resources/batch/types.js';
import { JOB_TRACKING_FINALIZER } from '../../shared/resources/batch/types.js';
import { defaultJob, generateSelector } from '../../shared/resources/batch/defaults.js';
import { jobReconciler } from '../../services/controller-manager/job/controller.js';
import { Expectations } from '../../services/controller-manager/replicaset/expectations.js';
import type { BackoffRecord } from '../../services/controller-manager/job/backoff.js';
import { T0, cacheOf } from './controller-fixtures.js';

const silent = createLogger('test', 'silent');
const KEY = 'default/work';

function recorder() {
  const events: string[] = [];
  return { events, record: (_o: KObject, _t: string, reason: string, message: string) => void events.push(`${reason}: ${message}`) };
}

function newJob(spec: Partial<Job['spec']> = {}): Job {
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'work', namespace: 'default', uid: 'job-uid-1' },
    spec: {
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      ...spec,
    },
  };
  return generateSelector(defaultJob(job));
}

function setup(spec: Partial<Job['spec']> = {}) {
  const clock = new ManualClock(T0);
  const writer = new MemoryWriter(clock);
  const job = writer.seed<Job>('jobs', newJob(spec));
  const jobs = cacheOf<Job>('jobs', job);
  const pods = cacheOf<Pod>('pods');
  const expectations = new Expectations();
  const backoff = new Map<string, BackoffRecord>();
  const rec = recorder();
  const reconcile = jobReconciler({ jobs, pods, writer, clock, expectations, backoff, recorder: rec, log: silent });
  const catchUp = async () => {
    jobs.feed(...(await writer.resource<Job>('jobs').listAll('default')));
    const live = await writer.resource<Pod>('pods').listAll('default');
    for (const p of pods.list()) if (!live.some((l) => l.metadata.uid === p.metadata.uid)) pods.drop(p);
    pods.feed(...live);
  };
  /** What the pod informer's handler does for each pod it sees created. */
  const observeCreates = (n: number) => expectations.creationObserved(KEY, n);
  /** Play the kubelet: the pod ends in `phase`. */
  const finish = async (name: string, phase: 'Succeeded' | 'Failed') => {
    const w = writer.resource<Pod>('pods');
    const p = await w.get('default', name);
    await w.updateStatus({ ...p, status: { ...(p.status ?? {}), phase } });
  };
  const podNames = async () => (await writer.resource<Pod>('pods').listAll('default')).map((p) => p.metadata.name ?? '').sort();
  return { clock, writer, jobs, pods, expectations, rec, reconcile, catchUp, observeCreates, finish, podNames };
}

describe('Job reconcile against the in-memory writer', () => {

  it('manualSelector: an orphan pod the selector matches is adopted with the tracking finalizer and counted; another controller\'s pod is left alone', async () => {
    const t = setup({ manualSelector: true, selector: { matchLabels: { app: 'pi' } }, template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }, completions: 1, parallelism: 1 });
    const pw = t.writer.resource<Pod>('pods');
    const orphan = t.writer.seed<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: 'default', uid: 'stray-uid', labels: { app: 'pi' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] }, status: { phase: 'Running' } });
    t.writer.seed<Pod>('pods', {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'theirs', namespace: 'default', uid: 'theirs-uid', labels: { app: 'pi' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', controller: true }] },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    await t.catchUp();
    await t.reconcile(KEY);
    const adopted = await pw.get('default', orphan.metadata.name ?? '');
    assert.deepEqual(adopted.metadata.ownerReferences?.map((r) => [r.kind, r.uid, r.controller]), [['Job', 'job-uid-1', true]]);
    assert.ok(adopted.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER));
    assert.equal(t.writer.count('create', 'pods'), 0, 'the adopted pod is the one active pod: none created');
    const theirs = await pw.get('default', 'theirs');
    assert.deepEqual(theirs.metadata.ownerReferences?.map((r) => r.uid), ['rs-uid']);
    // It succeeds: the Job completes on the adopted pod.
    await t.catchUp();
    await t.finish('stray', 'Succeeded');
    await t.catchUp();
    await t.reconcile(KEY);
    await t.catchUp();
    await t.reconcile(KEY);
    const job = await t.writer.resource<Job>('jobs').get('default', 'work');
    assert.equal(job.status?.succeeded, 1);
  });
  it('completions 3, parallelism 2: creates 2 pods owned by the Job, with the tracking finalizer', async () => {
    const t = setup({ completions: 3, parallelism: 2 });
    await t.reconcile(KEY);
    assert.equal(t.writer.count('create', 'pods'), 2);
    const pods = await t.writer.resource<Pod>('pods').listAll('default');
    for (const p of pods) {
      assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'work', uid: 'job-uid-1', controller: true, blockOwnerDeletion: true }]);
      assert.ok(p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER));
      assert.equal(p.metadata.labels?.['batch.kubernetes.io/job-name'], 'work');
      assert.match(p.metadata.name ?? '', /^work-/);
    }
    assert.deepEqual(t.rec.events.map((e) => e.split(':')[0]), ['SuccessfulCreate', 'SuccessfulCreate']);
    assert.ok(t.rec.events.every((e) => /^SuccessfulCreate: Created pod: work-\w+$/.test(e)), t.rec.events.join('\n'));
    const job = await t.writer.resource<Job>('jobs').get('default', 'work');
    assert.equal(job.status?.active, 2);
    assert.ok(job.status?.startTime);
  });

  it('the same reconcile twice creates nothing more: before the pods are seen (expectations) and after (converged)', async () => {
    const t = setup({ completions: 3, parallelism: 2 });
    await t.reconcile(KEY);
    // The Job informer saw the status write; the pod informer has not seen the pods yet.
    t.jobs.feed(await t.writer.resource<Job>('jobs').get('default', 'work'));
    await t.reconcile(KEY);
    assert.equal(t.writer.count('create', 'pods'), 2, 'no creation while the creations are expected');
    t.observeCreates(2);
    await t.catchUp();
    await t.reconcile(KEY);
    await t.catchUp();
    const before = t.writer.writes().length;
    await t.reconcile(KEY);
    assert.equal(t.writer.count('create', 'pods'), 2);
    assert.equal(t.writer.writes().length, before, 'converged: nothing to write');
  });

  it('runs to Complete with succeeded=3 and exactly 3 pods created; every finished pod is released', async () => {
    const t = setup({ completions: 3, parallelism: 2 });
    for (let round = 0; round < 10; round++) {
      const created = t.writer.count('create', 'pods');
      await t.reconcile(KEY);
      t.observeCreates(t.writer.count('create', 'pods') - created);
      await t.catchUp();
      // Run the reconcile again on the caught-up caches (as a redelivered event would).
      await t.reconcile(KEY);
      await t.catchUp();
      for (const p of t.pods.list()) if (!p.status?.phase) await t.finish(p.metadata.name ?? '', 'Succeeded');
      await t.catchUp();
      const job = t.jobs.get(KEY)!;
      if (job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')) break;
    }
    const job = await t.writer.resource<Job>('jobs').get('default', 'work');
    assert.equal(job.status?.succeeded, 3);
    assert.equal(job.status?.failed ?? 0, 0);
    assert.equal(job.status?.active, 0);
    assert.deepEqual(job.status?.conditions?.map((c) => `${c.type}=${c.status}`), ['SuccessCriteriaMet=True', 'Complete=True']);
    assert.ok(job.status?.completionTime);
    assert.equal(t.writer.count('create', 'pods'), 3);
    const pods = await t.writer.resource<Pod>('pods').listAll('default');
    assert.ok(pods.every((p) => !p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)));
    assert.ok(t.rec.events.includes('Completed: Job completed'));
    // Finished: more reconciles write nothing.
    const before = t.writer.writes().length;
    await t.reconcile(KEY);
    assert.equal(t.writer.writes().length, before);
  });

  it('backoffLimit 0: one failed pod fails the Job with BackoffLimitExceeded and no replacement', async () => {
    const t = setup({ backoffLimit: 0 });
    await t.reconcile(KEY);
    t.observeCreates(1);
    await t.catchUp();
    const [name] = await t.podNames();
    await t.finish(name!, 'Failed');
    for (let i = 0; i < 4; i++) {
      await t.catchUp();
      await t.reconcile(KEY);
    }
    const job = await t.writer.resource<Job>('jobs').get('default', 'work');
    assert.equal(job.status?.failed, 1);
    const failed = job.status?.conditions?.find((c) => c.type === 'Failed');
    assert.equal(failed?.status, 'True');
    assert.equal(failed?.reason, 'BackoffLimitExceeded');
    assert.equal(t.writer.count('create', 'pods'), 1);
    assert.ok(t.rec.events.includes('BackoffLimitExceeded: Job has reached the specified backoff limit'));
  });

  it('a Job cache behind our own status write: the newer Job is planned on, a finished pod is counted once', async () => {
    const t = setup({ completions: 1 });
    await t.reconcile(KEY);
    t.observeCreates(1);
    await t.catchUp();
    const [name] = await t.podNames();
    await t.finish(name!, 'Succeeded');
    await t.catchUp();
    const old = t.jobs.get(KEY)!;
    await t.reconcile(KEY); // uncounted → finalizer removed → counted → Complete
    // The pod informer saw the finalizer go; the Job informer still holds the Job before those writes.
    const live = await t.writer.resource<Pod>('pods').listAll('default');
    t.pods.feed(...live);
    assert.equal(t.jobs.get(KEY)!.metadata.resourceVersion, old.metadata.resourceVersion);
    await t.reconcile(KEY);
    await t.catchUp();
    await t.reconcile(KEY);
    const job = await t.writer.resource<Job>('jobs').get('default', 'work');
    assert.equal(job.status?.succeeded, 1);
    assert.equal(t.writer.count('create', 'pods'), 1, 'the released pod is not replaced');
  });

  it('a status write on a Job changed by someone else meanwhile is refused with a Conflict before any finalizer goes', async () => {
    const t = setup({ completions: 1 });
    await t.reconcile(KEY);
    t.observeCreates(1);
    await t.catchUp();
    const [name] = await t.podNames();
    await t.finish(name!, 'Succeeded');
    await t.catchUp();
    await t.writer.resource<Job>('jobs').patch('default', 'work', { metadata: { labels: { touched: 'yes' } } }, 'merge');
    await assert.rejects(t.reconcile(KEY), (e: Error & { reason?: string }) => e.reason === 'Conflict');
    const pod = await t.writer.resource<Pod>('pods').get('default', name!);
    assert.ok(pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER));
    await t.catchUp();
    await t.reconcile(KEY);
    assert.equal((await t.writer.resource<Job>('jobs').get('default', 'work')).status?.succeeded, 1);
  });

  it('a Job gone from the cache: no calls', async () => {
    const t = setup();
    t.jobs.drop(t.jobs.get(KEY)!);
    await t.reconcile(KEY);
    assert.equal(t.writer.calls.length, 0);
  });

  it('an orphaned pod holding the tracking finalizer is released once its Job is gone', async () => {
    const t = setup();
    await t.reconcile(KEY);
    t.observeCreates(1);
    await t.catchUp();
    const [name] = await t.podNames();
    await t.writer.resource<Job>('jobs').delete('default', 'work');
    await t.catchUp();
    t.jobs.drop(t.jobs.get(KEY)!);
    await t.reconcile(`pod:default/${name}`);
    const pod = await t.writer.resource<Pod>('pods').get('default', name!);
    assert.ok(!pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER));
  });

  it('a TTL of 100 days is looked at again within 12 hours (no timer overflow)', async () => {
    const t = setup({ ttlSecondsAfterFinished: 100 * 24 * 3600 });
    let requeue: number | undefined;
    for (let i = 0; i < 6; i++) {
      const created = t.writer.count('create', 'pods');
      const r = await t.reconcile(KEY);
      requeue = r ? r.requeueAfter : undefined;
      t.observeCreates(t.writer.count('create', 'pods') - created);
      await t.catchUp();
      for (const p of t.pods.list()) if (!p.status?.phase) await t.finish(p.metadata.name ?? '', 'Succeeded');
      await t.catchUp();
    }
    assert.equal(requeue, 12 * 60 * 60 * 1000);
  });

  it('ttlSecondsAfterFinished: the finished Job is deleted once the TTL has passed, not before', async () => {
    const t = setup({ ttlSecondsAfterFinished: 30 });
    let requeue: number | undefined;
    for (let i = 0; i < 6; i++) {
      const created = t.writer.count('create', 'pods');
      const r = await t.reconcile(KEY);
      requeue = r ? r.requeueAfter : undefined;
      t.observeCreates(t.writer.count('create', 'pods') - created);
      await t.catchUp();
      for (const p of t.pods.list()) if (!p.status?.phase) await t.finish(p.metadata.name ?? '', 'Succeeded');
      await t.catchUp();
    }
    assert.equal(requeue, 30_000);
    assert.equal(t.writer.count('delete', 'jobs'), 0);
    assert.equal(t.writer.count('delete', 'jobs'), 0);
    t.clock.advance(30_000);
    await t.reconcile(KEY);
    assert.equal(t.writer.count('delete', 'jobs'), 1);
    await assert.rejects(t.writer.resource<Job>('jobs').get('default', 'work'), (e: Error & { reason?: string }) => e.reason === 'NotFound');
  });
});
