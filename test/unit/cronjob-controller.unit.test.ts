/**
 * The CronJob reconcile against the in-memory writer with a manual clock: one Job per scheduled
 * time, whatever is replayed, restarted or behind.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryWriter } from '../../shared/client/index.js';
import { ManualClock } from '../../shared/clock.js';
import { createLogger } from '../../shared/log.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { CronJob, Job } from '../../shared/resources/batch/types.js';
import { defaultCronJob } from '../../shared/resources/batch/defaults.js';
import { cronJobReconciler, localTimeZone } from '../../services/controller-manager/cronjob/controller.js';
import { cacheOf } from './controller-fixtures.js';

const silent = createLogger('test', 'silent');
const KEY = 'default/tick';
const T0 = Date.parse('2026-01-01T00:00:30Z');

function recorder() {
  const reasons: string[] = [];
  return { reasons, record: (_o: KObject, _t: string, reason: string) => void reasons.push(reason) };
}

function setup(spec: Partial<CronJob['spec']> = {}, defaultTimeZone?: string) {
  const clock = new ManualClock(T0);
  const writer = new MemoryWriter(clock);
  const cj = writer.seed<CronJob>(
    'cronjobs',
    defaultCronJob({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick', namespace: 'default', uid: 'cj-uid', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: {
        schedule: '*/1 * * * *',
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
        ...spec,
      },
    }),
  );
  const cronJobs = cacheOf<CronJob>('cronjobs', cj);
  const jobs = cacheOf<Job>('jobs');
  const rec = recorder();
  const deps = { cronJobs, jobs, writer, clock, recorder: rec, log: silent, ...(defaultTimeZone ? { defaultTimeZone } : {}) };
  let reconcile = cronJobReconciler(deps);
  const catchUp = async () => {
    cronJobs.feed(...(await writer.resource<CronJob>('cronjobs').listAll('default')));
    const live = await writer.resource<Job>('jobs').listAll('default');
    for (const j of jobs.list()) if (!live.some((l) => l.metadata.uid === j.metadata.uid)) jobs.drop(j);
    jobs.feed(...live);
  };
  const jobNames = async () => (await writer.resource<Job>('jobs').listAll('default')).map((j) => j.metadata.name ?? '').sort();
  /** A controller-manager restart: a new reconciler, nothing remembered. */
  const restart = () => {
    reconcile = cronJobReconciler(deps);
  };
  const finishJob = async (name: string) => {
    const w = writer.resource<Job>('jobs');
    const j = await w.get('default', name);
    const t = clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await w.updateStatus({ ...j, status: { startTime: t, completionTime: t, succeeded: 1, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: t }] } });
  };
  return { clock, writer, rec, cronJobs, catchUp, jobNames, restart, finishJob, reconcile: (k: string) => reconcile(k) };
}

const minute = (iso: string) => String(Math.floor(Date.parse(iso) / 60_000));

describe('CronJob reconcile against the in-memory writer', () => {
  it('a schedule without timeZone follows the controller manager\'s zone; spec.timeZone wins over it', async () => {
    // 09:00 in New York in January is 14:00 UTC.
    const t = setup({ schedule: '0 9 * * *' }, 'America/New_York');
    t.clock.set(Date.parse('2026-01-01T14:00:10Z'));
    await t.reconcile(KEY);
    assert.deepEqual(await t.jobNames(), [`tick-${minute('2026-01-01T14:00:00Z')}`]);
    const u = setup({ schedule: '0 9 * * *', timeZone: 'Etc/UTC' }, 'America/New_York');
    u.clock.set(Date.parse('2026-01-01T14:00:10Z'));
    await u.reconcile(KEY);
    assert.deepEqual(await u.jobNames(), [`tick-${minute('2026-01-01T09:00:00Z')}`], 'in UTC the run was at 09:00Z (missed, started late)');
  });

  it('the controller manager\'s zone is the process\' TZ', () => {
    const before = process.env.TZ;
    try {
      process.env.TZ = 'Asia/Tokyo';
      assert.equal(localTimeZone(), 'Asia/Tokyo');
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });

  it('before the first schedule: nothing created, requeued for 00:01:00 plus 100 ms', async () => {
    const t = setup();
    const r = await t.reconcile(KEY);
    assert.equal(t.writer.count('create', 'jobs'), 0);
    assert.equal(r?.requeueAfter, 30_100);
  });

  it('at each schedule one Job named <cronjob>-<minutes>, owned by the CronJob; reconciling again creates nothing', async () => {
    const t = setup();
    t.clock.set(Date.parse('2026-01-01T00:01:05Z'));
    await t.reconcile(KEY);
    assert.deepEqual(await t.jobNames(), [`tick-${minute('2026-01-01T00:01:00Z')}`]);
    const [job] = await t.writer.resource<Job>('jobs').listAll('default');
    assert.deepEqual(job?.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: 'cj-uid', controller: true, blockOwnerDeletion: true }]);
    assert.equal(job?.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-01-01T00:01:00Z');
    const cj = await t.writer.resource<CronJob>('cronjobs').get('default', 'tick');
    assert.equal(cj.status?.lastScheduleTime, '2026-01-01T00:01:00Z');
    assert.deepEqual(cj.status?.active?.map((r) => [r.name, r.uid]), [[job?.metadata.name, job?.metadata.uid]]);
    assert.deepEqual(t.rec.reasons, ['SuccessfulCreate']);

    // The same reconcile, caches behind (the CronJob cache has not seen the status write): nothing more.
    await t.reconcile(KEY);
    await t.catchUp();
    await t.reconcile(KEY);
    assert.equal(t.writer.count('create', 'jobs'), 1);

    t.clock.set(Date.parse('2026-01-01T00:02:01Z'));
    await t.reconcile(KEY);
    await t.catchUp();
    await t.reconcile(KEY);
    assert.deepEqual(await t.jobNames(), [`tick-${minute('2026-01-01T00:01:00Z')}`, `tick-${minute('2026-01-01T00:02:00Z')}`]);
  });

  it('a restart between the Job create and the status write: the Job is adopted, not made twice', async () => {
    const t = setup();
    t.clock.set(Date.parse('2026-01-01T00:01:05Z'));
    await t.reconcile(KEY);
    // Undo the status write, as if the process died right after creating the Job.
    const w = t.writer.resource<CronJob>('cronjobs');
    const cj = await w.get('default', 'tick');
    await w.updateStatus({ ...cj, status: {} });
    t.restart();
    // Neither cache has seen the Job: the create answers AlreadyExists, which is ours: success.
    await t.catchUp();
    t.restart();
    await t.reconcile(KEY);
    assert.equal(t.writer.count('create', 'jobs'), 1, 'one create call only: the cache showed the Job');
    const after = await w.get('default', 'tick');
    assert.equal(after.status?.lastScheduleTime, '2026-01-01T00:01:00Z');
    assert.equal(after.status?.active?.length, 1);
    assert.equal((await t.jobNames()).length, 1);
  });

  it('AlreadyExists on create with an empty Job cache is success when the Job is ours', async () => {
    const t = setup();
    t.clock.set(Date.parse('2026-01-01T00:01:05Z'));
    await t.reconcile(KEY);
    const w = t.writer.resource<CronJob>('cronjobs');
    const cj = await w.get('default', 'tick');
    await w.updateStatus({ ...cj, status: {} });
    t.restart();
    // The CronJob cache sees the emptied status; the Job cache is empty.
    t.cronJobs.feed(await w.get('default', 'tick'));
    const jobs = await t.writer.resource<Job>('jobs').listAll('default');
    assert.equal(jobs.length, 1);
    await t.reconcile(KEY);
    assert.equal(t.writer.count('create', 'jobs'), 2, 'a second create call, answered AlreadyExists');
    assert.equal((await t.jobNames()).length, 1);
    assert.equal((await w.get('default', 'tick')).status?.active?.[0]?.uid, jobs[0]?.metadata.uid);
  });

  it('history: successfulJobsHistoryLimit 1 keeps only the newest finished Job', async () => {
    const t = setup({ successfulJobsHistoryLimit: 1 });
    for (const m of ['00:01:02', '00:02:02', '00:03:02']) {
      t.clock.set(Date.parse(`2026-01-01T${m}Z`));
      await t.reconcile(KEY);
      await t.catchUp();
      for (const n of await t.jobNames()) await t.finishJob(n);
      await t.catchUp();
      await t.reconcile(KEY);
      await t.catchUp();
    }
    assert.deepEqual(await t.jobNames(), [`tick-${minute('2026-01-01T00:03:00Z')}`]);
    assert.ok(t.rec.reasons.includes('SawCompletedJob'));
    assert.ok(t.rec.reasons.includes('SuccessfulDelete'));
  });

  it('a yearly schedule is looked at again within 12 hours (no timer overflow)', async () => {
    const t = setup({ schedule: '@yearly' });
    const r = await t.reconcile(KEY);
    assert.equal(r?.requeueAfter, 12 * 60 * 60 * 1000);
  });

  it('suspended: no Job', async () => {
    const t = setup({ suspend: true });
    t.clock.set(Date.parse('2026-01-01T00:05:00Z'));
    await t.reconcile(KEY);
    assert.equal(t.writer.count('create', 'jobs'), 0);
  });
});
