/**
 * The batch/v1 strategies (shared/resources/kinds/batch.ts) as the gateway uses them: defaults
 * (selector generation), validation on create and update (immutable fields and their messages),
 * the kubectl cells, the projection rows; and hostile bodies never throw.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, validateObject } from '../../shared/resources/strategy.js';
import { resourceByKind } from '../../shared/resources/registry.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { Job } from '../../shared/resources/batch/types.js';
import { cronJobStrategy, jobCompletions, jobDuration, jobStatusWord, jobStrategy } from '../../shared/resources/kinds/batch.js';

const JOB = resourceByKind('Job')!;
const CRONJOB = resourceByKind('CronJob')!;
const NOW = new Date('2026-01-01T00:10:00Z');

function job(spec: Record<string, unknown> = {}, extra: Partial<KObject> = {}): KObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: 'u-1', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } }, ...spec },
    ...extra,
  } as KObject;
}

const messages = (causes: { field?: string; message?: string }[]) => causes.map((c) => `${c.field}: ${c.message}`);

describe('Job strategy: defaults', () => {
  it('generates the selector and the four template labels from the uid; the Job takes the template labels', () => {
    const d = applyDefaults(JOB, job({}, {})) as Job;
    assert.deepEqual(d.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
    assert.deepEqual(d.spec.template.metadata?.labels, {
      'controller-uid': 'u-1',
      'job-name': 'pi',
      'batch.kubernetes.io/controller-uid': 'u-1',
      'batch.kubernetes.io/job-name': 'pi',
    });
    assert.deepEqual(d.metadata.labels, d.spec.template.metadata?.labels, 'a Job without labels shows its template’s');
    const labelled = applyDefaults(JOB, { ...job(), metadata: { ...job().metadata, labels: { team: 'a' } } }) as Job;
    assert.deepEqual(labelled.metadata.labels, { team: 'a' });
    assert.equal(d.spec.completions, 1);
    assert.equal(d.spec.parallelism, 1);
    assert.equal(d.spec.backoffLimit, 6);
    assert.equal(d.spec.manualSelector, false);
    assert.equal(d.spec.template.spec.terminationGracePeriodSeconds, 30);
    assert.equal(d.spec.template.spec.containers[0]?.imagePullPolicy, 'Always');
    assert.deepEqual(validateObject(JOB, d), []);
  });

  it('manualSelector: the selector is the user’s and must match the template', () => {
    const d = applyDefaults(JOB, job({ manualSelector: true, selector: { matchLabels: { app: 'pi' } } }));
    assert.deepEqual(messages(validateObject(JOB, d)), ['spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`']);
  });
});

describe('Job strategy: validation', () => {
  const cases: [string, KObject, string[]][] = [
    ['no restartPolicy', job({ template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } }), ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']],
    ['restartPolicy Always', job({ template: { spec: { restartPolicy: 'Always', containers: [{ name: 'c', image: 'busybox' }] } } }), ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']],
    ['negative parallelism', job({ parallelism: -1 }), ['spec.parallelism: Invalid value: -1: must be greater than or equal to 0']],
    ['Indexed without completions', job({ completionMode: 'Indexed', parallelism: 2 }), ['spec.completions: Required value: when completion mode is Indexed']],
  ];
  for (const [name, obj, want] of cases) {
    it(name, () => assert.deepEqual(messages(validateObject(JOB, applyDefaults(JOB, obj))), want));
  }

  it('hostile bodies are refused, never thrown on', () => {
    for (const spec of [undefined, {}, { template: {} }, { template: { spec: {} } }, { template: { metadata: { labels: 'x' } } }]) {
      const o = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x', namespace: 'default', uid: 'u' }, ...(spec ? { spec } : {}) } as KObject;
      const d = applyDefaults(JOB, o);
      assert.ok(validateObject(JOB, d).length > 0, JSON.stringify(spec));
      assert.doesNotThrow(() => validateObject(JOB, d, d));
      assert.doesNotThrow(() => jobStrategy.printer!.row(d, NOW));
      assert.doesNotThrow(() => jobStrategy.projection!.row(d, JOB));
    }
    for (const spec of [undefined, {}, { jobTemplate: {} }, { jobTemplate: { spec: {} } }, { schedule: '* * * * *', jobTemplate: { spec: { template: {} } } }]) {
      const o = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'x', namespace: 'default', uid: 'u' }, ...(spec ? { spec } : {}) } as KObject;
      const d = applyDefaults(CRONJOB, o);
      assert.ok(validateObject(CRONJOB, d).length > 0, JSON.stringify(spec));
      assert.doesNotThrow(() => validateObject(CRONJOB, d, d));
      assert.doesNotThrow(() => cronJobStrategy.printer!.row(d, NOW));
      assert.doesNotThrow(() => cronJobStrategy.projection!.row(d, CRONJOB));
    }
  });
});

describe('Job strategy: update rules', () => {
  const stored = applyDefaults(JOB, job({ completions: 3, parallelism: 2 })) as Job;
  const update = (f: (j: any) => void, old: Job = stored) => {
    const next = structuredClone(old) as any;
    f(next);
    return messages(validateObject(JOB, applyDefaults(JOB, next), old));
  };

  it('parallelism may change', () => assert.deepEqual(update((j) => (j.spec.parallelism = 5)), []));
  it('completions may not (NonIndexed)', () => assert.deepEqual(update((j) => (j.spec.completions = 4)), ['spec.completions: Invalid value: 4: field is immutable']));
  it('the template may not', () => {
    const out = update((j) => (j.spec.template.spec.containers[0].image = 'perl:2'));
    assert.equal(out.length, 1);
    assert.match(out[0]!, /^spec\.template: Invalid value: .*: field is immutable$/);
  });
  it('the selector may not', () => {
    const out = update((j) => (j.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1', extra: 'x' } }));
    assert.ok(out.some((m) => /^spec\.selector: Invalid value: .*: field is immutable$/.test(m)), out.join('\n'));
  });
  it('a suspended Job that never started may change its template labels and node selector, not its image', () => {
    const suspended = applyDefaults(JOB, job({ suspend: true })) as Job;
    assert.deepEqual(update((j) => {
      j.spec.template.metadata.labels.queue = 'a';
      j.spec.template.spec.nodeSelector = { disk: 'ssd' };
    }, suspended), []);
    assert.equal(update((j) => (j.spec.template.spec.containers[0].image = 'x'), suspended).length, 1);
    const started = { ...suspended, status: { startTime: '2026-01-01T00:00:00Z' } } as Job;
    assert.equal(update((j) => (j.spec.template.spec.nodeSelector = { disk: 'ssd' }), started).length, 1);
  });
});

describe('Job status writes never go backwards', () => {
  const done = applyDefaults(JOB, job({ completions: 2 }, { status: {
    succeeded: 2, failed: 1, completionTime: '2026-01-01T00:01:00Z',
    conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }],
  } } as Partial<KObject>)) as Job;
  const write = (status: Record<string, unknown>) => messages(validateObject(JOB, { ...done, status } as KObject, done));
  it('the same status: fine', () => assert.deepEqual(write(done.status as Record<string, unknown>), []));
  it('fewer succeeded or failed', () => assert.deepEqual(write({ ...done.status, succeeded: 1, failed: 0 }), [
    'status.failed: Invalid value: 0: cannot decrease the failed counter',
    'status.succeeded: Invalid value: 1: cannot decrease the succeeded counter',
  ]));
  it('Complete taken away', () => assert.deepEqual(write({ ...done.status, conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }] }), [
    'status.conditions: Invalid value: cannot disable the terminal Complete=True condition',
  ]));
  it('another completionTime', () => assert.deepEqual(write({ ...done.status, completionTime: '2026-01-01T00:02:00Z' }), [
    'status.completionTime: Invalid value: "2026-01-01T00:02:00Z": completionTime cannot be mutated',
  ]));
});

describe('Job and CronJob columns', () => {
  const cases: [string, Partial<Job['status']> & object, Record<string, unknown>, string, string, string][] = [
    ['not started', {}, { completions: 3 }, 'Running', '0/3', ''],
    ['running 1m5s', { startTime: '2026-01-01T00:08:55Z', succeeded: 1 }, { completions: 3 }, 'Running', '1/3', '65s'],
    ['complete', { startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:00:12Z', succeeded: 3, conditions: [{ type: 'Complete', status: 'True' }] }, { completions: 3 }, 'Complete', '3/3', '12s'],
    ['failed', { conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }] }, {}, 'Failed', '0/1', ''],
    ['failure target', { conditions: [{ type: 'FailureTarget', status: 'True' }] }, {}, 'FailureTarget', '0/1', ''],
    ['suspended', { conditions: [{ type: 'Suspended', status: 'True' }] }, { suspend: true }, 'Suspended', '0/1', ''],
    ['work queue, parallel', {}, { completions: undefined, parallelism: 4 }, 'Running', '0/1 of 4', ''],
  ];
  for (const [name, status, spec, word, completions, duration] of cases) {
    it(name, () => {
      const j = { ...(job(spec) as Job), status } as Job;
      if ('completions' in spec && spec.completions === undefined) delete (j.spec as { completions?: number }).completions;
      assert.equal(jobStatusWord(j), word);
      assert.equal(jobCompletions(j), completions);
      assert.equal(jobDuration(j, NOW), duration);
      assert.equal(jobStrategy.projection!.row(j, JOB).status, word);
    });
  }
  it('a Job being deleted is Terminating', () => {
    assert.equal(jobStatusWord({ ...(job() as Job), metadata: { name: 'x', deletionTimestamp: '2026-01-01T00:00:00Z' } }), 'Terminating');
  });

  it('CronJob row: schedule, <none> zone, suspend, active, last schedule', () => {
    const cj = applyDefaults(CRONJOB, {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } } },
      status: { active: [{ name: 'tick-1' }], lastScheduleTime: '2026-01-01T00:09:00Z' },
    } as KObject);
    assert.deepEqual(cronJobStrategy.printer!.row(cj, NOW), ['tick', '*/1 * * * *', '<none>', 'False', 1, '60s', '10m', 'c', 'busybox', '<none>']);
    assert.deepEqual(validateObject(CRONJOB, cj), []);
    const spec = (cj as { spec: { jobTemplate: { spec: Record<string, unknown> } } }).spec;
    assert.equal(spec.jobTemplate.spec.backoffLimit, undefined, 'the job template’s JobSpec is not defaulted (Kubernetes defaults the Job made from it)');
    const row = cronJobStrategy.projection!.row(cj, CRONJOB);
    assert.equal(row.active, 1);
    assert.equal(row.suspend, false);
  });
});
