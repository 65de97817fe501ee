import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, CronJobSpec, CronJobStatus, Job } from '../../shared/resources/batch/types.js';
import { defaultCronJob } from '../../shared/resources/batch/defaults.js';
import { parseStandard, formatRFC3339InZone } from '../../shared/resources/batch/schedule.js';
import { type CronJobAction, jobNameFor, mostRecentScheduleTime, nextScheduleDelayMs, planCronJob } from '../../services/controller-manager/cronjob/plan.js';
import { validateCronJob } from '../../shared/resources/batch/cronjob-validation.js';

// Kubernetes' utils_test.go clock: 2016-05-19T10:00:00Z (a Thursday).
const TOP = Date.parse('2016-05-19T10:00:00Z');
const at = (ms: number): Date => new Date(TOP + ms);
const iso = (ms: number): string => at(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;

function cronJob(spec: Partial<CronJobSpec> = {}, status?: CronJobStatus, created = 0): CronJob {
  return defaultCronJob({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'cj', namespace: 'ns', uid: 'cj-uid', creationTimestamp: iso(created) },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: {
        metadata: { labels: { team: 'a' }, annotations: { note: 'x' } },
        spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } },
      },
      ...spec,
    },
    ...(status ? { status } : {}),
  });
}

function childJob(name: string, o: { finished?: 'Complete' | 'Failed'; start?: number; completion?: number; owner?: string } = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj', uid: o.owner ?? 'cj-uid', controller: true }],
    },
    spec: { template: { spec: { containers: [] } } } as unknown as Job['spec'],
    status: {
      ...(o.start !== undefined ? { startTime: iso(o.start) } : {}),
      ...(o.completion !== undefined ? { completionTime: iso(o.completion) } : {}),
      ...(o.finished ? { conditions: [{ type: o.finished, status: 'True' as const }] } : {}),
    },
  };
}
const ref = (name: string) => ({ kind: 'Job', namespace: 'ns', name, uid: `uid-${name}`, apiVersion: 'batch/v1' });

const kinds = (as: CronJobAction[]): string[] =>
  as.map((a) => (a.type === 'recordEvent' ? `event:${a.reason}` : a.type === 'createJob' ? `create:${a.job.metadata.name}` : a.type === 'deleteJob' ? `delete:${a.name}` : 'status'));
const lastStatus = (as: CronJobAction[]): CronJobStatus | undefined => as.flatMap((a) => (a.type === 'updateCronJobStatus' ? [a.status] : [])).at(-1);
const eventMsg = (as: CronJobAction[], reason: string): string | undefined => as.flatMap((a) => (a.type === 'recordEvent' && a.reason === reason ? [a.message] : []))[0];

describe('schedules (robfig ParseStandard semantics)', () => {
  const from = Date.parse('2024-01-20T00:00:00Z'); // a Saturday
  const cases: [string, string[], number?][] = [
    ['0 0 1 * 1', ['2024-01-22T00:00', '2024-01-29T00:00', '2024-02-01T00:00']], // both restricted: day 1 OR Monday
    ['0 0 */2 * 1', ['2024-01-21T00:00', '2024-01-22T00:00', '2024-01-23T00:00']], // */2 is not a star: odd days OR Monday
    ['0 0 */1 * 1', ['2024-01-22T00:00', '2024-01-29T00:00', '2024-02-05T00:00']], // */1 is a star: Mondays only
    ['0 0 1 * */1', ['2024-02-01T00:00', '2024-03-01T00:00', '2024-04-01T00:00']],
    ['0 0 1 * ?', ['2024-02-01T00:00', '2024-03-01T00:00', '2024-04-01T00:00']],
    ['0 0 1,15 * 5', ['2024-01-26T00:00', '2024-02-01T00:00', '2024-02-02T00:00']],
    ['0 0 * * MON-FRI', ['2024-01-22T00:00', '2024-01-23T00:00', '2024-01-24T00:00']],
    ['0 12 * jan-feb sun', ['2024-01-21T12:00', '2024-01-28T12:00', '2024-02-04T12:00']],
    ['5/20 * * * *', ['2024-01-20T00:05', '2024-01-20T00:25', '2024-01-20T00:45']],
    ['30 6-16/4 * * 1-5', ['2024-01-22T06:30', '2024-01-22T10:30', '2024-01-22T14:30']],
    ['@yearly', ['2025-01-01T00:00', '2026-01-01T00:00', '2027-01-01T00:00']],
    ['@annually', ['2025-01-01T00:00', '2026-01-01T00:00', '2027-01-01T00:00']],
    ['@monthly', ['2024-02-01T00:00', '2024-03-01T00:00', '2024-04-01T00:00']],
    ['@weekly', ['2024-01-21T00:00', '2024-01-28T00:00', '2024-02-04T00:00']],
    ['@daily', ['2024-01-21T00:00', '2024-01-22T00:00', '2024-01-23T00:00']],
    ['@midnight', ['2024-01-21T00:00', '2024-01-22T00:00', '2024-01-23T00:00']],
    ['@hourly', ['2024-01-20T01:00', '2024-01-20T02:00', '2024-01-20T03:00']],
    ['@every 90m', ['2024-01-20T01:30', '2024-01-20T03:00', '2024-01-20T04:30']],
    ['TZ=America/New_York 0 9 * * *', ['2024-01-20T14:00', '2024-01-21T14:00', '2024-01-22T14:00']],
    ['CRON_TZ=Asia/Tokyo 30 8 1 * *', ['2024-01-31T23:30', '2024-02-29T23:30', '2024-03-31T23:30']],
    ['TZ=America/New_York 0 9 * * *', ['2024-07-01T13:00', '2024-07-02T13:00', '2024-07-03T13:00'], Date.parse('2024-07-01T00:00:00Z')],
    ['0 0 31 2 *', []],
    // Clock changes, walked on the wall clock as robfig does: 02:30 does not exist on 2024-03-10 in
    // New York (skipped); 01:30 happens twice on 2024-11-03 (both run).
    ['TZ=America/New_York 30 2 * * *', ['2024-03-11T06:30', '2024-03-12T06:30', '2024-03-13T06:30'], Date.parse('2024-03-09T12:00:00Z')],
    ['TZ=America/New_York */20 * * * *', ['2024-03-10T06:40', '2024-03-10T07:00', '2024-03-10T07:20'], Date.parse('2024-03-10T06:30:00Z')],
    ['TZ=America/New_York 30 1 * * *', ['2024-11-03T05:30', '2024-11-03T06:30', '2024-11-04T06:30'], Date.parse('2024-11-02T12:00:00Z')],
    ['TZ=America/New_York */20 * * * *', ['2024-11-03T05:40', '2024-11-03T06:00', '2024-11-03T06:20'], Date.parse('2024-11-03T05:30:00Z')],
  ];
  for (const [spec, want, start] of cases) {
    it(`${spec} → ${want.join(' ') || 'never'}`, () => {
      const r = parseStandard(spec);
      assert.ok(r.ok, r.ok ? '' : r.error);
      const got: string[] = [];
      let t: Date | undefined = new Date(start ?? from);
      for (let i = 0; i < 3; i++) {
        t = r.schedule.next(t);
        if (!t) break;
        got.push(t.toISOString().slice(0, 16));
      }
      assert.deepEqual(got, want);
    });
  }
  it('the default zone stands for the controller manager local time', () => {
    const r = parseStandard('0 9 * * *', 'Europe/Berlin');
    assert.ok(r.ok);
    assert.equal(r.schedule.next(new Date(from))!.toISOString(), '2024-01-20T08:00:00.000Z');
  });

  const errors: [string, string][] = [
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['0 * * * * *', 'expected exactly 5 fields, found 6: [0 * * * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['0 0 * * 7', 'end of range (7) above maximum (6): 7'],
    ['0 0 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['0 0 5-2 * *', 'beginning of range (5) beyond end of range (2): 5-2'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['*/2/3 * * * *', 'too many slashes: */2/3'],
    ['0 0 L * *', 'failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax'],
    ['@reboot', 'unrecognized descriptor: @reboot'],
    ['TZ=Nowhere/Town 0 * * * *', 'provided bad location Nowhere/Town: unknown time zone Nowhere/Town'],
  ];
  for (const [spec, msg] of errors) {
    it(`refuses ${JSON.stringify(spec)}`, () => {
      const r = parseStandard(spec);
      assert.equal(r.ok ? 'parsed' : r.error, msg);
    });
  }

  it('RFC 3339 in a zone', () => {
    const d = new Date('2024-03-10T07:30:00Z');
    assert.equal(formatRFC3339InZone(d, 'America/New_York'), '2024-03-10T03:30:00-04:00');
    assert.equal(formatRFC3339InZone(d, 'UTC'), '2024-03-10T07:30:00Z');
    assert.equal(formatRFC3339InZone(d, 'Asia/Kolkata'), '2024-03-10T13:00:00+05:30');
  });
});

describe('mostRecentScheduleTime (cases of Kubernetes utils_test.go)', () => {
  type Case = [string, CronJob, number, boolean, number | undefined, number | undefined, 'none' | 'few' | 'many', boolean?];
  const cases: Case[] = [
    ['now before next schedule', cronJob({ schedule: '0 * * * *' }), 30 * S, false, 0, undefined, 'none'],
    ['now just after next schedule', cronJob({ schedule: '0 * * * *' }), 61 * M, false, 0, 60 * M, 'none'],
    ['missed 5 schedules', cronJob({ schedule: '0 * * * *' }, undefined, 10 * S), 301 * M, false, 10 * S, 300 * M, 'few'],
    ['complex schedule', cronJob({ schedule: '30 6-16/4 * * 1-5' }, { lastScheduleTime: iso(30 * M) }), 24 * H + 31 * M, false, 30 * M, 24 * H + 30 * M, 'few'],
    ['another complex schedule', cronJob({ schedule: '30 10,11,12 * * 1-5' }, { lastScheduleTime: iso(30 * M) }), 30 * H + 30 * M, false, 30 * M, undefined, 'few'],
    ['longer diff between executions', cronJob({ schedule: '30 6-16/4 * * 1-5' }, { lastScheduleTime: iso(30 * M) }), 96 * H + 31 * M, false, 30 * M, 96 * H + 30 * M, 'few'],
    ['shorter diff between executions', cronJob({ schedule: '30 6-16/4 * * 1-5' }), 24 * H + 31 * M, false, 0, 24 * H + 30 * M, 'few'],
    ['@every schedule', cronJob({ schedule: '@every 1h', startingDeadlineSeconds: 10 }, { lastScheduleTime: iso(1 * M) }, -59 * M), 7 * 24 * H, false, 1 * M, 6 * 24 * H + 23 * H + 1 * M, 'many'],
    ['rogue cronjob', cronJob({ schedule: '59 23 31 2 *' }, undefined, 10 * S), 1 * H, false, undefined, undefined, 'none', true],
    ['earliest is creation and last schedule', cronJob({ schedule: '0 * * * *' }, { lastScheduleTime: iso(0) }), 30 * S, false, 0, undefined, 'none'],
    ['earliest is last schedule', cronJob({ schedule: '*/5 * * * *' }, { lastScheduleTime: iso(30 * M) }), 31 * M, false, 30 * M, undefined, 'none'],
    ['within startingDeadlineSeconds', cronJob({ schedule: '*/5 * * * *', startingDeadlineSeconds: 60 }, { lastScheduleTime: iso(30 * M) }), 31 * M, false, 30 * M, undefined, 'none'],
    ['outside startingDeadlineSeconds', cronJob({ schedule: '*/5 * * * *', startingDeadlineSeconds: 60 }, { lastScheduleTime: iso(30 * M) }), 32 * M, true, 31 * M, undefined, 'none'],
  ];
  for (const [name, cj, now, sds, earliest, recent, missed, wantErr] of cases) {
    it(name, () => {
      const r = parseStandard(cj.spec.schedule);
      assert.ok(r.ok);
      const got = mostRecentScheduleTime(cj, at(now), r.schedule, sds);
      if (wantErr) {
        assert.equal(got.error, 'time difference between two schedules is less than 1 second');
        return;
      }
      assert.equal(got.error, undefined);
      assert.equal(got.earliest.getTime(), TOP + earliest!);
      assert.equal(got.mostRecent?.getTime(), recent === undefined ? undefined : TOP + recent);
      assert.equal(got.missed, missed);
    });
  }
});

describe('nextScheduleDelayMs (cases of Kubernetes utils_test.go)', () => {
  const cases: [string, CronJob, number, number][] = [
    ['skipping the weekend', cronJob({ schedule: '30 6-16/4 * * 1-5' }, { lastScheduleTime: iso(30 * M) }), 24 * H + 31 * M, 3 * H + 59 * M + 100],
    ['another one skipping the weekend', cronJob({ schedule: '30 10,11,12 * * 1-5' }, { lastScheduleTime: iso(30 * M) }), 30 * H + 30 * M, 66 * H + 100],
    ['weekly, missed two runs', cronJob({ schedule: '0 12 * * 4' }, { lastScheduleTime: iso(2 * H) }), 19 * 24 * H + 1 * H + 30 * M, 48 * H + 30 * M + 100],
    ['no previous run', cronJob({ schedule: '0 12 * * 5' }), 6 * H, 20 * H + 100],
  ];
  for (const [name, cj, now, want] of cases) {
    it(name, () => {
      const r = parseStandard(cj.spec.schedule);
      assert.ok(r.ok);
      assert.equal(nextScheduleDelayMs(cj, at(now), r.schedule), want);
    });
  }
});

describe('CronJob validation (1.32)', () => {
  const msgs = (cj: CronJob, old?: CronJob): string[] => validateCronJob(cj, old).map((c) => `${c.field}: ${c.message}`);
  const cases: [string, () => string[], string[]][] = [
    ['valid', () => msgs(cronJob()), []],
    ['valid timeZone', () => msgs(cronJob({ timeZone: 'America/New_York' })), []],
    ['TZ in schedule on create', () => msgs(cronJob({ schedule: 'TZ=UTC 0 * * * *' })), ['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']],
    ['CRON_TZ in schedule on create', () => msgs(cronJob({ schedule: 'CRON_TZ=UTC 0 * * * *' })), ['spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']],
    ['TZ kept on update', () => msgs(cronJob({ schedule: 'TZ=UTC 0 * * * *' }), cronJob({ schedule: 'TZ=UTC 0 * * * *' })), []],
    ['TZ kept on update plus timeZone', () => msgs(cronJob({ schedule: 'TZ=UTC 0 * * * *', timeZone: 'UTC' }), cronJob({ schedule: 'TZ=UTC 0 * * * *' })), ['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule']],
    ['TZ added on update', () => msgs(cronJob({ schedule: 'TZ=UTC 0 * * * *' }), cronJob()), ['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']],
    ['empty timeZone', () => msgs(cronJob({ timeZone: '' })), ['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string']],
    ['Local', () => msgs(cronJob({ timeZone: 'Local' })), ['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones']],
    ['local', () => msgs(cronJob({ timeZone: 'local' })), ['spec.timeZone: Invalid value: "local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones', 'spec.timeZone: Invalid value: "local": unknown time zone local']],
    ['unknown zone', () => msgs(cronJob({ timeZone: 'Continent/Zone' })), ['spec.timeZone: Invalid value: "Continent/Zone": unknown time zone Continent/Zone']],
    ['path tricks', () => msgs(cronJob({ timeZone: '../etc/passwd' })), ['spec.timeZone: Invalid value: "../etc/passwd": unknown time zone ../etc/passwd']],
    ['wrong case', () => msgs(cronJob({ timeZone: 'america/new_york' })), ['spec.timeZone: Invalid value: "america/new_york": unknown time zone america/new_york']],
    ['unchanged bad timeZone not rechecked on update', () => msgs(cronJob({ timeZone: 'Continent/Zone' }), cronJob({ timeZone: 'Continent/Zone' })), []],
    ['bad schedule', () => msgs(cronJob({ schedule: '* * * *' })), ['spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]']],
    ['name longer than 52', () => msgs({ ...cronJob(), metadata: { ...cronJob().metadata, name: 'n'.repeat(53) } }), [`metadata.name: Invalid value: "${'n'.repeat(53)}": must be no more than 52 characters`]],
    ['negatives', () => msgs(cronJob({ startingDeadlineSeconds: -1, failedJobsHistoryLimit: -1 })), ['spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0', 'spec.failedJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0']],
    ['concurrencyPolicy', () => msgs(cronJob({ concurrencyPolicy: 'Sometimes' as never })), ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']],
    ['template selector', () => { const c = cronJob(); return msgs({ ...c, spec: { ...c.spec, jobTemplate: { spec: { ...c.spec.jobTemplate.spec, selector: { matchLabels: { a: 'b' } } } } } }); }, ['spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated']],
  ];
  for (const [name, run, want] of cases) it(name, () => assert.deepEqual(run(), want));
});

describe('planCronJob', () => {
  it('first run: deterministic name, scheduled-timestamp annotation, status, requeue at next + 100 ms', () => {
    const p = planCronJob(cronJob(), [], at(5 * M + 30 * S));
    assert.deepEqual(kinds(p.actions), ['create:cj-24394205', 'event:SuccessfulCreate', 'status']);
    assert.equal(jobNameFor(cronJob(), at(5 * M)), 'cj-24394205');
    const job = (p.actions[0] as Extract<CronJobAction, { type: 'createJob' }>).job;
    assert.deepEqual(job.metadata.annotations, { note: 'x', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2016-05-19T10:05:00Z' });
    assert.deepEqual(job.metadata.labels, { team: 'a' });
    assert.deepEqual(job.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj', uid: 'cj-uid', controller: true, blockOwnerDeletion: true }]);
    assert.equal(eventMsg(p.actions, 'SuccessfulCreate'), 'Created job cj-24394205');
    const st = p.actions[2] as Extract<CronJobAction, { type: 'updateCronJobStatus' }>;
    assert.equal(st.createdJob, 'cj-24394205');
    assert.equal(st.status.lastScheduleTime, '2016-05-19T10:05:00Z');
    assert.deepEqual(st.status.active?.map((r) => r.name), ['cj-24394205']);
    assert.equal(p.requeueAfterMs, 4 * M + 30 * S + 100);
  });

  it('timeZone: the annotation carries the zone offset', () => {
    const p = planCronJob(cronJob({ timeZone: 'America/New_York' }), [], at(5 * M + 30 * S));
    const job = (p.actions[0] as Extract<CronJobAction, { type: 'createJob' }>).job;
    assert.equal(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2016-05-19T06:05:00-04:00');
  });

  it('nothing due: no writes, requeue at the next time', () => {
    const p = planCronJob(cronJob(), [], at(3 * M));
    assert.deepEqual(p.actions, []);
    assert.equal(p.requeueAfterMs, 2 * M + 100);
  });

  it('already scheduled this time: nothing', () => {
    const p = planCronJob(cronJob({}, { lastScheduleTime: iso(5 * M), active: [ref('cj-24394205')] }), [childJob('cj-24394205')], at(6 * M));
    assert.deepEqual(p.actions, []);
    assert.equal(p.requeueAfterMs, 4 * M + 100);
  });

  it('an empty active list is the same as none: no status write', () => {
    const p = planCronJob(cronJob({}, { lastScheduleTime: iso(5 * M), active: [] }), [], at(6 * M));
    assert.deepEqual(p.actions, []);
  });

  it('Jobs of another CronJob are not ours', () => {
    const p = planCronJob(cronJob({}, { lastScheduleTime: iso(5 * M) }), [childJob('x', { owner: 'other' })], at(6 * M));
    assert.deepEqual(p.actions, []);
  });

  const running = childJob('cj-24394200');
  const before = { lastScheduleTime: iso(0), active: [ref('cj-24394200')] };
  it('Forbid: prior run active → JobAlreadyActive, nothing created', () => {
    const p = planCronJob(cronJob({ concurrencyPolicy: 'Forbid' }, before), [running], at(5 * M + 1 * S));
    assert.deepEqual(kinds(p.actions), ['event:JobAlreadyActive']);
    assert.equal(eventMsg(p.actions, 'JobAlreadyActive'), 'Not starting job because prior execution is running and concurrency policy is Forbid');
    assert.equal(p.requeueAfterMs, 5 * M - 1 * S + 100);
  });
  it('Replace: the running Job is deleted, then the new one created', () => {
    const p = planCronJob(cronJob({ concurrencyPolicy: 'Replace' }, before), [running], at(5 * M + 1 * S));
    assert.deepEqual(kinds(p.actions), ['delete:cj-24394200', 'event:SuccessfulDelete', 'create:cj-24394205', 'event:SuccessfulCreate', 'status']);
    assert.deepEqual(lastStatus(p.actions)!.active?.map((r) => r.name), ['cj-24394205']);
  });
  it('Allow: both run', () => {
    const p = planCronJob(cronJob({}, before), [running], at(5 * M + 1 * S));
    assert.deepEqual(lastStatus(p.actions)!.active?.map((r) => r.name), ['cj-24394200', 'cj-24394205']);
  });

  it('startingDeadlineSeconds: a run older than the deadline is skipped', () => {
    const p = planCronJob(cronJob({ startingDeadlineSeconds: 10 }, { lastScheduleTime: iso(0) }), [], at(5 * M + 30 * S));
    assert.ok(!kinds(p.actions).some((k) => k.startsWith('create:')));
    assert.equal(p.requeueAfterMs, 4 * M + 30 * S + 100);
    const q = planCronJob(cronJob({ startingDeadlineSeconds: 60 }, { lastScheduleTime: iso(0) }), [], at(5 * M + 30 * S));
    assert.ok(kinds(q.actions).includes('create:cj-24394205'));
  });

  it('more than 100 missed: warning, the most recent time still runs', () => {
    const p = planCronJob(cronJob({ schedule: '* * * * *' }), [], at(3 * H + 30 * S));
    assert.equal(eventMsg(p.actions, 'TooManyMissedTimes'), 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    assert.ok(kinds(p.actions).includes(`create:cj-${(TOP + 3 * H) / M}`));
  });

  it('suspended: nothing scheduled, no requeue', () => {
    const p = planCronJob(cronJob({ suspend: true }), [], at(5 * M + 30 * S));
    assert.deepEqual(p.actions, []);
    assert.equal(p.requeueAfterMs, undefined);
  });

  it('finished Job in active: SawCompletedJob, removed, lastSuccessfulTime', () => {
    const done = childJob('cj-24394200', { finished: 'Complete', start: 0, completion: 2 * M });
    const p = planCronJob(cronJob({}, before), [done], at(3 * M));
    assert.deepEqual(kinds(p.actions), ['event:SawCompletedJob', 'status']);
    assert.equal(eventMsg(p.actions, 'SawCompletedJob'), 'Saw completed job: cj-24394200, condition: Complete');
    const s = lastStatus(p.actions)!;
    assert.equal(s.active, undefined);
    assert.equal(s.lastSuccessfulTime, undefined, 'K8s only takes lastSuccessfulTime from Jobs no longer in active');
    const q = planCronJob(cronJob({}, { lastScheduleTime: iso(0) }), [done], at(3 * M));
    assert.equal(lastStatus(q.actions)!.lastSuccessfulTime, iso(2 * M));
  });

  it('missing and unexpected Jobs', () => {
    const p = planCronJob(cronJob({}, { lastScheduleTime: iso(0), active: [ref('gone')] }), [childJob('stray')], at(3 * M));
    assert.deepEqual(kinds(p.actions), ['event:UnexpectedJob', 'event:MissingJob', 'status']);
    assert.equal(eventMsg(p.actions, 'MissingJob'), 'Active job went missing: gone');
    assert.equal(eventMsg(p.actions, 'UnexpectedJob'), 'Saw a job that the controller did not create or forgot: stray');
  });

  it('history limits: oldest finished Jobs beyond 3 succeeded / 1 failed are deleted', () => {
    const jobs = [
      childJob('s1', { finished: 'Complete', start: 1 * M }),
      childJob('s2', { finished: 'Complete', start: 2 * M }),
      childJob('s0', { finished: 'Complete' }),
      childJob('s3', { finished: 'Complete', start: 3 * M }),
      childJob('s4', { finished: 'Complete', start: 4 * M }),
      childJob('f1', { finished: 'Failed', start: 1 * M }),
      childJob('f2', { finished: 'Failed', start: 2 * M }),
    ];
    const p = planCronJob(cronJob({}, { lastScheduleTime: iso(0) }), jobs, at(3 * M));
    assert.deepEqual(kinds(p.actions).filter((k) => k.startsWith('delete:')), ['delete:s1', 'delete:s2', 'delete:f1']);
  });

  it('crash after create, before the status write: the Job is adopted, not created twice', () => {
    const existing = { ...childJob('cj-24394205'), metadata: { ...childJob('cj-24394205').metadata, resourceVersion: '9' } };
    const p = planCronJob(cronJob({}, { lastScheduleTime: iso(0) }), [existing], at(5 * M + 30 * S));
    assert.deepEqual(kinds(p.actions), ['event:UnexpectedJob', 'status']);
    const s = lastStatus(p.actions)!;
    assert.equal(s.lastScheduleTime, iso(5 * M));
    assert.deepEqual(s.active, [{ ...ref('cj-24394205'), resourceVersion: '9' }]);
  });

  it('a foreign Job holding the name stops the plan', () => {
    const foreign = childJob('cj-24394205', { owner: 'someone-else' });
    const p = planCronJob(cronJob({}, { lastScheduleTime: iso(0) }), [foreign], at(5 * M + 30 * S));
    assert.match(p.error ?? '', /already exists/);
    assert.ok(!kinds(p.actions).some((k) => k.startsWith('create:')));
  });

  const warns: [string, Partial<CronJobSpec>, string, string][] = [
    ['never-firing schedule', { schedule: '59 23 31 2 *' }, 'InvalidSchedule', 'invalid schedule: 59 23 31 2 * : time difference between two schedules is less than 1 second'],
    ['unparseable schedule', { schedule: 'every day' }, 'UnparseableSchedule', 'unparseable schedule: "every day" : expected exactly 5 fields, found 2: [every day]'],
    ['unknown timeZone', { timeZone: 'Continent/Zone' }, 'UnknownTimeZone', 'invalid timeZone: "Continent/Zone": unknown time zone Continent/Zone'],
    ['TZ in the schedule', { schedule: 'TZ=UTC */5 * * * *' }, 'UnsupportedSchedule', 'CRON_TZ or TZ used in schedule "TZ=UTC */5 * * * *" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details'],
  ];
  for (const [name, spec, reason, msg] of warns) {
    it(`${name} → ${reason}`, () => {
      const p = planCronJob(cronJob(spec), [], at(5 * M + 30 * S));
      assert.equal(eventMsg(p.actions, reason), msg);
    });
  }
});
