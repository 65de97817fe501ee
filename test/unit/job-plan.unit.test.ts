import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../shared/resources/types.js';
import type { Job, JobSpec, JobStatus } from '../../shared/resources/batch/types.js';
import { JOB_TRACKING_FINALIZER } from '../../shared/resources/batch/types.js';
import { type JobAction, planJob, ttlDecision } from '../../services/controller-manager/job/plan.js';
import { formatIndexes, parseIndexes, podGenerateNameWithIndex, withIndexes } from '../../services/controller-manager/job/indexes.js';
import { backoffDelayMs, nextBackoffRecord, remainingBackoffMs } from '../../services/controller-manager/job/backoff.js';
import { matchPodFailurePolicy } from '../../services/controller-manager/job/pod-failure-policy.js';
import { MAX_INT32, defaultJob, defaultJobSpec, generateSelector } from '../../shared/resources/batch/defaults.js';
import { validateJob } from '../../shared/resources/batch/job-validation.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const ago = (s: number): string => new Date(NOW.getTime() - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function job(spec: Partial<JobSpec> = {}, status?: JobStatus, meta: Partial<Job['metadata']> = {}): Job {
  const base: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'ns', uid: 'job-uid', resourceVersion: '7', ...meta },
    spec: {
      template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
      ...spec,
    },
    ...(status ? { status } : {}),
  };
  return generateSelector(defaultJob(base));
}

interface PodOpts {
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  finalizer?: boolean;
  index?: number;
  ready?: boolean;
  deleted?: boolean;
  exitCode?: number;
  finishedAgo?: number;
  conditions?: { type: string; status: 'True' | 'False' }[];
  restarts?: number;
  node?: string;
}
function pod(name: string, o: PodOpts = {}): Pod {
  const phase = o.phase ?? 'Running';
  const terminated = phase === 'Succeeded' || phase === 'Failed';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      creationTimestamp: ago(600),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'job-uid', controller: true }],
      ...(o.finalizer === false ? {} : { finalizers: [JOB_TRACKING_FINALIZER] }),
      ...(o.index !== undefined ? { annotations: { 'batch.kubernetes.io/job-completion-index': String(o.index) } } : {}),
      ...(o.deleted ? { deletionTimestamp: ago(1) } : {}),
    },
    spec: { containers: [{ name: 'main', image: 'busybox' }], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase,
      conditions: [...(o.ready ? [{ type: 'Ready', status: 'True' as const }] : []), ...(o.conditions ?? [])],
      containerStatuses: [
        {
          name: 'main',
          ready: !!o.ready,
          restartCount: o.restarts ?? 0,
          image: 'busybox',
          state: terminated
            ? { terminated: { exitCode: o.exitCode ?? (phase === 'Succeeded' ? 0 : 1), finishedAt: ago(o.finishedAgo ?? 1) } }
            : { running: { startedAt: ago(60) } },
        },
      ],
    },
  };
}

const types = (as: JobAction[]): string[] =>
  as.map((a) => (a.type === 'recordEvent' ? `event:${a.reason}` : a.type === 'deletePod' ? `deletePod:${a.name}${a.removeFinalizerFirst ? '+rmfin' : ''}` : a.type === 'removePodFinalizer' ? `rmfin:${a.name}` : a.type));
const statuses = (as: JobAction[]): JobStatus[] => as.flatMap((a) => (a.type === 'updateJobStatus' ? [a.status] : []));
const lastStatus = (as: JobAction[]): JobStatus => statuses(as).at(-1)!;
const cond = (s: JobStatus, t: string) => s.conditions?.find((c) => c.type === t);

describe('completion index intervals', () => {
  const cases: [string, string | undefined, number, number[], string][] = [
    ['empty', undefined, 5, [], ''],
    ['compress', '', 10, [5, 1, 3, 4], '1,3-5'],
    ['merge adjacent', '0-2,4', 10, [3], '0-4'],
    ['round trip', '1,3-5,7', 10, [], '1,3-5,7'],
    ['drop beyond completions', '1,3-7', 5, [], '1,3-4'],
    ['ignore garbage', 'x,2,-1,4-3,1-2-3', 5, [], '2'],
    ['duplicates', '2', 5, [2, 2, 0], '0,2'],
  ];
  for (const [name, prev, completions, add, want] of cases) {
    it(name, () => assert.equal(formatIndexes(withIndexes(parseIndexes(prev, completions), add)), want));
  }
  it('generateName <job>-<index>- cut to 58 characters', () => {
    assert.equal(podGenerateNameWithIndex('pi', 3), 'pi-3-');
    const long = 'a'.repeat(60);
    assert.equal(podGenerateNameWithIndex(long, 12), 'a'.repeat(54) + '-12-');
  });
});

describe('pod failure backoff', () => {
  const delays: [number, number][] = [
    [0, 0],
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [6, 320_000],
    [7, 600_000],
    [20, 600_000],
  ];
  for (const [n, ms] of delays) it(`${n} failures → ${ms} ms`, () => assert.equal(backoffDelayMs(n), ms));

  it('remaining time counts from the last failure', () => {
    const now = NOW.getTime();
    assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: 2, lastFailureTime: now - 5_000 }, now), 15_000);
    assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: 2, lastFailureTime: now - 30_000 }, now), 0);
    assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: 0 }, now), 0);
  });

  const t = (s: number): number => NOW.getTime() - s * 1000;
  const records: [string, number, Pod[], Pod[], number, number | undefined][] = [
    ['nothing new keeps the record', 3, [], [], 3, t(100)],
    ['new failures add up', 1, [], [pod('f1', { phase: 'Failed', finishedAgo: 20 }), pod('f2', { phase: 'Failed', finishedAgo: 10 })], 3, t(10)],
    ['a success resets', 4, [pod('s', { phase: 'Succeeded', finishedAgo: 5 })], [], 0, undefined],
    ['failures before the success are dropped', 4, [pod('s', { phase: 'Succeeded', finishedAgo: 5 })], [pod('f', { phase: 'Failed', finishedAgo: 9 })], 0, undefined],
    ['failures after the success count', 4, [pod('s', { phase: 'Succeeded', finishedAgo: 9 })], [pod('f', { phase: 'Failed', finishedAgo: 2 }), pod('g', { phase: 'Failed', finishedAgo: 20 })], 1, t(2)],
  ];
  for (const [name, prev, succ, fail, want, last] of records) {
    it(name, () => {
      const r = nextBackoffRecord({ failuresAfterLastSuccess: prev, lastFailureTime: t(100) }, succ, fail);
      assert.equal(r.failuresAfterLastSuccess, want);
      assert.equal(r.lastFailureTime, last);
    });
  }
});

describe('podFailurePolicy matching', () => {
  const failed = (exitCode: number, conditions: PodOpts['conditions'] = []): Pod => pod('p1', { phase: 'Failed', exitCode, conditions });
  const cases: [string, JobSpec['podFailurePolicy'], Pod, string | undefined, boolean, string | undefined][] = [
    ['no policy counts', undefined, failed(1), undefined, true, undefined],
    ['In matches FailJob', { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] }, failed(42), 'FailJob', true, 'Container main for pod ns/p1 failed with exit code 42 matching FailJob rule at index 0'],
    ['In does not match', { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] }, failed(1), undefined, true, undefined],
    ['NotIn matches', { rules: [{ action: 'Count', onExitCodes: { operator: 'NotIn', values: [1, 2] } }] }, failed(3), 'Count', true, undefined],
    ['exit code 0 never matches NotIn', { rules: [{ action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [1] } }] }, failed(0), undefined, true, undefined],
    ['other container name', { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'side', operator: 'In', values: [42] } }] }, failed(42), undefined, true, undefined],
    ['Ignore on DisruptionTarget', { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] }, failed(137, [{ type: 'DisruptionTarget', status: 'True' }]), 'Ignore', false, undefined],
    ['first matching rule wins', { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }, { action: 'FailJob', onExitCodes: { operator: 'In', values: [137] } }] }, failed(137, [{ type: 'DisruptionTarget', status: 'True' }]), 'Ignore', false, undefined],
    ['condition FailJob message', { rules: [{ action: 'Count', onExitCodes: { operator: 'In', values: [5] } }, { action: 'FailJob', onPodConditions: [{ type: 'ConfigIssue', status: 'True' }] }] }, failed(1, [{ type: 'ConfigIssue', status: 'True' }]), 'FailJob', true, 'Pod ns/p1 has condition ConfigIssue matching FailJob rule at index 1'],
  ];
  for (const [name, policy, p, action, count, msg] of cases) {
    it(name, () => {
      const m = matchPodFailurePolicy(policy, p);
      assert.equal(m.action, action);
      assert.equal(m.countFailed, count);
      assert.equal(m.failJobMessage, msg);
    });
  }
});

describe('batch/v1 Job defaults', () => {
  const t = { spec: { containers: [] } } as unknown as JobSpec['template'];
  const cases: [string, Partial<JobSpec>, Partial<JobSpec>][] = [
    ['non-parallel', {}, { completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed', manualSelector: false }],
    ['fixed completions', { completions: 5 }, { completions: 5, parallelism: 1 }],
    ['work queue keeps completions unset', { parallelism: 3 }, { completions: undefined, parallelism: 3 }],
    ['backoffLimitPerIndex', { completionMode: 'Indexed', completions: 2, backoffLimitPerIndex: 1 }, { backoffLimit: MAX_INT32 }],
    ['podFailurePolicy → Failed, pattern status True', { podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } }, { podReplacementPolicy: 'Failed', podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] } }],
    ['explicit values kept', { backoffLimit: 0, suspend: true, completionMode: 'Indexed', completions: 3 }, { backoffLimit: 0, suspend: true, completionMode: 'Indexed' }],
  ];
  for (const [name, spec, want] of cases) {
    it(name, () => {
      const got = defaultJobSpec({ template: t, ...spec });
      for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof JobSpec], v, k);
    });
  }
  it('generated selector and the four template labels', () => {
    const j = job();
    assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } });
    assert.deepEqual(j.spec.template.metadata?.labels, {
      app: 'pi',
      'controller-uid': 'job-uid',
      'job-name': 'pi',
      'batch.kubernetes.io/controller-uid': 'job-uid',
      'batch.kubernetes.io/job-name': 'pi',
    });
    assert.deepEqual(j.metadata.labels, { app: 'pi' });
  });
  it('manualSelector leaves selector and labels alone', () => {
    const j = job({ manualSelector: true, selector: { matchLabels: { app: 'pi' } } });
    assert.deepEqual(j.spec.selector, { matchLabels: { app: 'pi' } });
    assert.equal(j.spec.template.metadata?.labels?.['job-name'], undefined);
  });
});

describe('batch/v1 Job validation', () => {
  const msgs = (j: Job): string[] => validateJob(j).map((c) => `${c.field}: ${c.message}`);
  const withTemplateSpec = (j: Job, extra: object): Job => ({ ...j, spec: { ...j.spec, template: { ...j.spec.template, spec: { ...j.spec.template.spec, ...extra } } } });
  const cases: [string, () => Job, string[]][] = [
    ['valid', () => job(), []],
    ['restartPolicy Always', () => withTemplateSpec(job(), { restartPolicy: 'Always' }), ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']],
    ['negative counts', () => job({ parallelism: -1, backoffLimit: -2 }), ['spec.parallelism: Invalid value: -1: must be greater than or equal to 0', 'spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0']],
    ['Indexed needs completions', () => job({ completionMode: 'Indexed', parallelism: 2 }), ['spec.completions: Required value: when completion mode is Indexed']],
    ['backoffLimitPerIndex needs Indexed', () => job({ backoffLimitPerIndex: 1 }), ['spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode']],
    ['podFailurePolicy with OnFailure', () => withTemplateSpec(job({ podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }] } }), { restartPolicy: 'OnFailure' }), ['spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified']],
    ['In with 0, unordered, duplicate', () => job({ podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [3, 0, 3] } }] } }), [
      'spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Invalid value: 0: must not be 0 for the In operator',
      'spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 3',
      'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [3,0,3]: must be ordered',
    ]],
    ['rule needs one requirement', () => job({ podFailurePolicy: { rules: [{ action: 'Ignore' }] } }), ['spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required']],
    ['FailIndex needs backoffLimitPerIndex', () => job({ podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } }] } }), ['spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set']],
    ['unknown container name', () => job({ podFailurePolicy: { rules: [{ action: 'Count', onExitCodes: { containerName: 'nope', operator: 'In', values: [1] } }] } }), ['spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "nope": must be one of the container or initContainer names in the pod template']],
    ['selector not auto-generated', () => ({ ...job(), spec: { ...job().spec, selector: { matchLabels: { app: 'pi' } } } }), ['spec.selector: Invalid value: {"matchLabels":{"app":"pi"}}: `selector` not auto-generated']],
    ['Indexed hostname must be a DNS label', () => job({ completionMode: 'Indexed', completions: 10 }, undefined, { name: 'x'.repeat(62) }), [`metadata.name: Invalid value: "${'x'.repeat(62)}": will not able to create pod with invalid DNS label: ${'x'.repeat(62)}-9`]],
  ];
  for (const [name, mk, want] of cases) it(name, () => assert.deepEqual(msgs(mk()), want));
});

describe('planJob', () => {
  it('creates parallelism pods with the finalizer, labels and controller ref', () => {
    const p = planJob(job({ completions: 3, parallelism: 2 }), [], NOW);
    assert.deepEqual(types(p.actions), ['createPod', 'event:SuccessfulCreate', 'createPod', 'event:SuccessfulCreate', 'updateJobStatus']);
    const created = p.actions[0] as Extract<JobAction, { type: 'createPod' }>;
    assert.equal(created.pod.metadata.generateName, 'pi-');
    assert.deepEqual(created.pod.metadata.finalizers, [JOB_TRACKING_FINALIZER]);
    assert.equal(created.pod.metadata.labels?.['batch.kubernetes.io/job-name'], 'pi');
    assert.equal(created.pod.metadata.labels?.['controller-uid'], 'job-uid');
    assert.deepEqual(created.pod.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'job-uid', controller: true, blockOwnerDeletion: true }]);
    const s = lastStatus(p.actions);
    assert.equal(s.active, 2);
    assert.equal(s.startTime, '2026-01-01T12:00:00Z');
    assert.equal(s.ready, 0);
    assert.equal(s.terminating, 0);
  });

  it('Indexed: index annotation and label, hostname, JOB_COMPLETION_INDEX, generateName', () => {
    const p = planJob(job({ completionMode: 'Indexed', completions: 3, parallelism: 3 }), [pod('pi-1-x', { index: 1 })], NOW);
    const created = p.actions.flatMap((a) => (a.type === 'createPod' ? [a] : []));
    assert.deepEqual(created.map((c) => c.index), [0, 2]);
    const p0 = created[0]!.pod;
    assert.equal(p0.metadata.generateName, 'pi-0-');
    assert.equal(p0.metadata.annotations?.['batch.kubernetes.io/job-completion-index'], '0');
    assert.equal(p0.metadata.labels?.['batch.kubernetes.io/job-completion-index'], '0');
    assert.equal(p0.spec.hostname, 'pi-0');
    assert.deepEqual(p0.spec.containers[0]!.env, [
      { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
    ]);
  });

  it('a succeeded pod: uncounted, finalizer removed, counted, then SuccessCriteriaMet and Complete', () => {
    const j = job({}, { startTime: ago(60), active: 1, ready: 1, terminating: 0 });
    const p = planJob(j, [pod('a', { phase: 'Succeeded' })], NOW);
    assert.deepEqual(types(p.actions), ['updateJobStatus', 'rmfin:a', 'updateJobStatus', 'event:Completed']);
    const [first, second] = statuses(p.actions);
    assert.deepEqual(first!.uncountedTerminatedPods, { succeeded: ['uid-a'] });
    assert.equal(first!.succeeded ?? 0, 0);
    assert.equal(cond(first!, 'SuccessCriteriaMet')?.reason, 'CompletionsReached');
    assert.equal(cond(first!, 'SuccessCriteriaMet')?.message, 'Reached expected number of succeeded pods');
    assert.equal(cond(first!, 'Complete'), undefined);
    assert.equal(second!.succeeded, 1);
    assert.deepEqual(second!.uncountedTerminatedPods, {});
    assert.equal(cond(second!, 'Complete')?.status, 'True');
    assert.equal(cond(second!, 'Complete')?.reason, 'CompletionsReached');
    assert.equal(second!.completionTime, '2026-01-01T12:00:00Z');
    assert.equal(second!.active, 0);
  });

  it('restart after finalizer removal: the uncounted UID is counted once', () => {
    const j = job({ completions: 2, parallelism: 1 }, { startTime: ago(60), active: 0, ready: 0, terminating: 0, uncountedTerminatedPods: { succeeded: ['uid-a'] } });
    const p = planJob(j, [pod('a', { phase: 'Succeeded', finalizer: false })], NOW, { backoff: { failuresAfterLastSuccess: 0 } });
    const s = statuses(p.actions);
    assert.equal(s.at(-1)!.succeeded, 1);
    assert.deepEqual(s.at(-1)!.uncountedTerminatedPods, {});
    assert.ok(types(p.actions).includes('createPod'), 'the second completion gets a pod');
    assert.ok(!types(p.actions).includes('rmfin:a'));
  });

  it('restart before finalizer removal: not added twice, removal retried', () => {
    const j = job({}, { startTime: ago(60), active: 0, ready: 0, terminating: 0, uncountedTerminatedPods: { succeeded: ['uid-a'] } });
    const p = planJob(j, [pod('a', { phase: 'Succeeded' })], NOW);
    const first = statuses(p.actions)[0]!;
    assert.deepEqual(first.uncountedTerminatedPods, { succeeded: ['uid-a'] });
    assert.ok(types(p.actions).includes('rmfin:a'));
    assert.equal(lastStatus(p.actions).succeeded, 1);
  });

  it('a gone pod whose UID is uncounted is counted', () => {
    const j = job({ completions: 3, parallelism: 1 }, { startTime: ago(60), active: 0, ready: 0, terminating: 0, failed: 1, uncountedTerminatedPods: { failed: ['uid-gone'] } });
    const p = planJob(j, [], NOW, { backoff: { failuresAfterLastSuccess: 2, lastFailureTime: NOW.getTime() - 100_000 } });
    assert.equal(lastStatus(p.actions).failed, 2);
  });

  it('a failed pod is counted and replaced after the backoff', () => {
    const j = job({}, { startTime: ago(60), active: 1, ready: 0, terminating: 0 });
    const pods = [pod('a', { phase: 'Failed', finishedAgo: 3 })];
    const p = planJob(j, pods, NOW);
    assert.deepEqual(types(p.actions), ['updateJobStatus', 'rmfin:a', 'updateJobStatus']);
    assert.equal(lastStatus(p.actions).failed, 1);
    assert.equal(p.requeueAfterMs, 7_000);
    assert.equal(p.backoff.failuresAfterLastSuccess, 1);
    const later = new Date(NOW.getTime() + 8_000);
    const after = { ...j, status: lastStatus(p.actions) };
    const q = planJob(after, [{ ...pods[0]!, metadata: { ...pods[0]!.metadata, finalizers: [] } }], later, { backoff: p.backoff });
    assert.deepEqual(types(q.actions), ['createPod', 'event:SuccessfulCreate', 'updateJobStatus']);
  });

  it('backoffLimit exceeded: FailureTarget, active pods deleted, Failed once none terminates', () => {
    const j = job({ backoffLimit: 1, completions: 2, parallelism: 2 }, { startTime: ago(60), failed: 1, active: 2, ready: 1, terminating: 0 });
    const p = planJob(j, [pod('a', { phase: 'Failed' }), pod('b', { ready: true })], NOW);
    assert.deepEqual(types(p.actions), ['deletePod:b', 'event:SuccessfulDelete', 'updateJobStatus', 'rmfin:a', 'rmfin:b', 'updateJobStatus']);
    const s = lastStatus(p.actions);
    assert.equal(cond(s, 'FailureTarget')?.reason, 'BackoffLimitExceeded');
    assert.equal(cond(s, 'FailureTarget')?.message, 'Job has reached the specified backoff limit');
    assert.equal(cond(s, 'Failed'), undefined, 'b is still terminating');
    assert.equal(s.terminating, 1);
    assert.equal(s.failed, 3, 'a failed, b counted failed because the Job fails');
    const q = planJob({ ...j, status: s }, [], NOW);
    const f = lastStatus(q.actions);
    assert.equal(cond(f, 'Failed')?.status, 'True');
    assert.equal(cond(f, 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.equal(f.completionTime, undefined);
    assert.deepEqual(types(q.actions), ['updateJobStatus', 'event:BackoffLimitExceeded']);
  });

  it('OnFailure restarts count towards backoffLimit', () => {
    const j = job({ backoffLimit: 2 }, { startTime: ago(60), active: 1, ready: 0, terminating: 0 });
    const jj = { ...j, spec: { ...j.spec, template: { ...j.spec.template, spec: { ...j.spec.template.spec, restartPolicy: 'OnFailure' as const } } } };
    const p = planJob(jj, [pod('a', { restarts: 2 })], NOW);
    assert.equal(cond(lastStatus(p.actions), 'FailureTarget')?.reason, 'BackoffLimitExceeded');
  });

  it('activeDeadlineSeconds: past → DeadlineExceeded, before → requeue at the deadline', () => {
    const past = planJob(job({ activeDeadlineSeconds: 60 }, { startTime: ago(100), active: 0, ready: 0, terminating: 0 }), [], NOW);
    const s = lastStatus(past.actions);
    assert.equal(cond(s, 'Failed')?.reason, 'DeadlineExceeded');
    assert.equal(cond(s, 'Failed')?.message, 'Job was active longer than specified deadline');
    assert.ok(types(past.actions).includes('event:DeadlineExceeded'));
    const before = planJob(job({ activeDeadlineSeconds: 200 }, { startTime: ago(100), active: 1, ready: 0, terminating: 0 }), [pod('a')], NOW);
    assert.equal(before.requeueAfterMs, 100_000);
  });

  it('podFailurePolicy FailJob → FailureTarget with reason PodFailurePolicy', () => {
    const spec = { podFailurePolicy: { rules: [{ action: 'FailJob' as const, onExitCodes: { operator: 'In' as const, values: [42] } }] } };
    const p = planJob(job(spec, { startTime: ago(60), active: 1, ready: 0, terminating: 0 }), [pod('p1', { phase: 'Failed', exitCode: 42 })], NOW);
    const s = lastStatus(p.actions);
    assert.equal(cond(s, 'Failed')?.reason, 'PodFailurePolicy');
    assert.equal(cond(s, 'Failed')?.message, 'Container main for pod ns/p1 failed with exit code 42 matching FailJob rule at index 0');
    assert.equal(cond(s, 'FailureTarget')?.reason, 'PodFailurePolicy');
  });

  it('podFailurePolicy Ignore: not counted towards failed (the backoff still applies, as in Kubernetes)', () => {
    const spec = { podFailurePolicy: { rules: [{ action: 'Ignore' as const, onPodConditions: [{ type: 'DisruptionTarget' }] }] } };
    const p = planJob(job(spec, { startTime: ago(60), active: 1, ready: 0, terminating: 0 }), [pod('p1', { phase: 'Failed', exitCode: 137, finishedAgo: 1, conditions: [{ type: 'DisruptionTarget', status: 'True' }] })], NOW);
    assert.equal(lastStatus(p.actions).failed ?? 0, 0);
    assert.deepEqual(lastStatus(p.actions).uncountedTerminatedPods, {});
    assert.ok(types(p.actions).includes('rmfin:p1'));
    assert.equal(p.requeueAfterMs, 9_000);
  });

  it('suspend: pods deleted (finalizer first), Suspended condition and event; resume resets startTime', () => {
    const j = job({ suspend: true }, { startTime: ago(100), active: 1, ready: 1, terminating: 0 });
    const p = planJob(j, [pod('a', { ready: true })], NOW);
    assert.deepEqual(types(p.actions), ['deletePod:a+rmfin', 'event:SuccessfulDelete', 'event:Suspended', 'updateJobStatus']);
    const s = lastStatus(p.actions);
    assert.deepEqual([cond(s, 'Suspended')?.status, cond(s, 'Suspended')?.reason, cond(s, 'Suspended')?.message], ['True', 'JobSuspended', 'Job suspended']);
    assert.equal(s.active, 0);
    assert.equal(s.ready, 0);
    const r = planJob({ ...j, spec: { ...j.spec, suspend: false }, status: s }, [], NOW);
    const rs = lastStatus(r.actions);
    assert.deepEqual([cond(rs, 'Suspended')?.status, cond(rs, 'Suspended')?.reason], ['False', 'JobResumed']);
    assert.equal(rs.startTime, '2026-01-01T12:00:00Z');
    assert.ok(types(r.actions).includes('event:Resumed'));
  });

  it('created suspended: no startTime, no pods', () => {
    const p = planJob(job({ suspend: true }), [], NOW);
    const s = lastStatus(p.actions);
    assert.equal(s.startTime, undefined);
    assert.ok(!types(p.actions).includes('createPod'));
    assert.equal(cond(s, 'Suspended')?.status, 'True');
  });

  it('Indexed completedIndexes as intervals', () => {
    const j = job({ completionMode: 'Indexed', completions: 8, parallelism: 1 }, { startTime: ago(60), active: 0, ready: 0, terminating: 0, completedIndexes: '1' });
    const pods = [3, 4, 5].map((i) => pod(`pi-${i}`, { phase: 'Succeeded', index: i }));
    const p = planJob(j, pods, NOW, { backoff: { failuresAfterLastSuccess: 0 } });
    const s = lastStatus(p.actions);
    assert.equal(s.completedIndexes, '1,3-5');
    assert.equal(s.succeeded, 4);
  });

  it('parallelism lowered: the least valuable pods are deleted', () => {
    const j = job({ completions: 5, parallelism: 1 }, { startTime: ago(60), active: 3, ready: 1, terminating: 0 });
    const p = planJob(j, [pod('running', { ready: true, node: 'n1' }), pod('pending', { phase: 'Pending' }), pod('scheduled', { node: 'n1' })], NOW);
    assert.deepEqual(types(p.actions).slice(0, 4), ['deletePod:pending+rmfin', 'event:SuccessfulDelete', 'deletePod:scheduled+rmfin', 'event:SuccessfulDelete']);
    assert.equal(lastStatus(p.actions).active, 1);
  });

  it('work queue (completions unset): no new pods after a success, complete when none active', () => {
    const j = job({ completions: undefined, parallelism: 2 }, { startTime: ago(60), active: 2, ready: 0, terminating: 0 });
    const a = planJob(j, [pod('a', { phase: 'Succeeded' }), pod('b')], NOW);
    assert.ok(!types(a.actions).includes('createPod'));
    assert.equal(cond(lastStatus(a.actions), 'Complete'), undefined);
    const b = planJob(j, [pod('a', { phase: 'Succeeded' }), pod('b', { phase: 'Succeeded' })], NOW);
    assert.equal(cond(lastStatus(b.actions), 'Complete')?.status, 'True');
  });

  it('steady state: nothing to do', () => {
    const j = job({}, { startTime: ago(60), active: 1, ready: 1, terminating: 0, uncountedTerminatedPods: {} });
    const p = planJob(j, [pod('a', { ready: true })], NOW);
    assert.deepEqual(p.actions, []);
  });

  it('finished Job: stray finalizers released, TTL deletes once expired', () => {
    const done: JobStatus = { conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: ago(30) }], succeeded: 1 };
    const p = planJob(job({ ttlSecondsAfterFinished: 10 }, done), [pod('a', { phase: 'Succeeded' })], NOW);
    assert.deepEqual(types(p.actions), ['rmfin:a', 'deleteJob']);
    const w = planJob(job({ ttlSecondsAfterFinished: 100 }, done), [], NOW);
    assert.deepEqual(w.actions, []);
    assert.equal(w.requeueAfterMs, 70_000);
  });
});

describe('planJob edge cases', () => {
  it('a Job being deleted: finished pods counted and released, nothing created', () => {
    const j = job({ completions: 3, parallelism: 2 }, { startTime: ago(60), active: 1, ready: 0, terminating: 0 }, { deletionTimestamp: ago(1) });
    const p = planJob(j, [pod('a', { phase: 'Succeeded' }), pod('b')], NOW);
    assert.ok(!types(p.actions).includes('createPod'));
    assert.deepEqual(types(p.actions).filter((t) => t.startsWith('rmfin')), ['rmfin:a', 'rmfin:b']);
    assert.equal(lastStatus(p.actions).succeeded, 1);
  });

  it('expectations not satisfied: no pod writes, no terminal condition', () => {
    const p = planJob(job({ completions: 2, parallelism: 2 }), [], NOW, { expectationsSatisfied: false });
    assert.ok(!types(p.actions).includes('createPod'));
    const q = planJob(job({ backoffLimit: 0 }, { startTime: ago(9), active: 1, ready: 0, terminating: 0 }), [pod('a', { phase: 'Failed' })], NOW, { expectationsSatisfied: false });
    const s = lastStatus(q.actions);
    assert.equal(cond(s, 'FailureTarget'), undefined);
    assert.equal(cond(s, 'Failed'), undefined);
  });

  it('unknown completionMode: a warning and nothing else', () => {
    const j = job();
    const p = planJob({ ...j, spec: { ...j.spec, completionMode: 'Sometimes' as never } }, [], NOW);
    assert.deepEqual(types(p.actions), ['event:UnknownCompletionMode']);
  });

  it('pods controlled by something else are ignored', () => {
    const foreign = { ...pod('x'), metadata: { ...pod('x').metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', controller: true }] } };
    const p = planJob(job({}, { startTime: ago(60), active: 1, ready: 1, terminating: 0, uncountedTerminatedPods: {} }), [pod('a', { ready: true }), foreign], NOW);
    assert.deepEqual(p.actions, []);
  });

  it('managed by another controller: untouched', () => {
    const p = planJob(job({ managedBy: 'example.com/other' }), [], NOW);
    assert.deepEqual(p.actions, []);
  });

  it('Indexed: duplicated and out-of-range indexes are removed first', () => {
    const j = job({ completionMode: 'Indexed', completions: 2, parallelism: 2 }, { startTime: ago(60), active: 3, ready: 0, terminating: 0 });
    const p = planJob(j, [pod('p0', { index: 0, node: 'n' }), pod('p0b', { index: 0 }), pod('p1', { index: 1 }), pod('p7', { index: 7 })], NOW);
    assert.deepEqual(types(p.actions).filter((t) => t.startsWith('deletePod')), ['deletePod:p7+rmfin', 'deletePod:p0b+rmfin']);
  });

  it(`at most 500 uncounted pods per sync`, () => {
    const pods = Array.from({ length: 520 }, (_, i) => pod(`s${i}`, { phase: 'Succeeded' }));
    const p = planJob(job({ completions: 1000, parallelism: 1 }, { startTime: ago(60), active: 0, ready: 0, terminating: 0 }), pods, NOW);
    assert.equal(types(p.actions).filter((t) => t.startsWith('rmfin')).length, 500);
    assert.equal(lastStatus(p.actions).succeeded, 500);
  });

  it('more successes than completions: TooManySucceededPods before Completed', () => {
    const j = job({ completions: 1, parallelism: 2 }, { startTime: ago(60), active: 0, ready: 0, terminating: 0 });
    const p = planJob(j, [pod('a', { phase: 'Succeeded' }), pod('b', { phase: 'Succeeded' })], NOW);
    assert.deepEqual(types(p.actions).filter((t) => t.startsWith('event')), ['event:TooManySucceededPods', 'event:Completed']);
  });

  it('podReplacementPolicy Failed: terminating pods are not replaced yet', () => {
    const j = job({ podReplacementPolicy: 'Failed' }, { startTime: ago(60), active: 0, ready: 0, terminating: 1 });
    const p = planJob(j, [pod('a', { deleted: true })], NOW);
    assert.ok(!types(p.actions).includes('createPod'));
    const q = planJob(job({}, { startTime: ago(60), active: 0, ready: 0, terminating: 1 }), [pod('a', { deleted: true, finalizer: false })], NOW);
    assert.ok(types(q.actions).includes('createPod'), 'TerminatingOrFailed replaces right away');
  });
});

describe('planJob backoffLimitPerIndex', () => {
  const withCount = (p: Pod, n: number): Pod => ({ ...p, metadata: { ...p.metadata, annotations: { ...p.metadata.annotations, 'batch.kubernetes.io/job-index-failure-count': String(n) } } });
  const spec = { completionMode: 'Indexed' as const, completions: 2, parallelism: 2, backoffLimitPerIndex: 1 };
  const running = { startTime: ago(60), active: 1, ready: 0, terminating: 0 };

  it('first failure of an index: replaced with failure count 1, the failed pod keeps its finalizer until then', () => {
    const p = planJob(job(spec, running), [pod('p0', { phase: 'Failed', index: 0, finishedAgo: 20 }), pod('p1', { index: 1 })], NOW);
    const created = p.actions.flatMap((a) => (a.type === 'createPod' ? [a] : []));
    assert.deepEqual(created.map((c) => c.index), [0]);
    assert.equal(created[0]!.pod.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count'], '1');
    assert.ok(!types(p.actions).includes('rmfin:p0'));
    assert.equal(lastStatus(p.actions).failedIndexes, '');
  });

  it('per-index backoff: 10 s after the first failure', () => {
    const p = planJob(job(spec, running), [pod('p0', { phase: 'Failed', index: 0, finishedAgo: 4 }), pod('p1', { index: 1 })], NOW);
    assert.ok(!types(p.actions).includes('createPod'));
    assert.equal(p.requeueAfterMs, 6_000);
  });

  it('once the replacement runs, the old failed pod is released and counted', () => {
    const p = planJob(job(spec, running), [pod('p0', { phase: 'Failed', index: 0 }), withCount(pod('p0b', { index: 0 }), 1), pod('p1', { index: 1 })], NOW);
    assert.ok(types(p.actions).includes('rmfin:p0'));
    assert.equal(lastStatus(p.actions).failed, 1);
  });

  it('budget used up: the index fails, and with all indexes done the Job fails with FailedIndexes', () => {
    const p = planJob(job(spec, { ...running, completedIndexes: '1', succeeded: 1 }), [withCount(pod('p0b', { phase: 'Failed', index: 0 }), 1)], NOW);
    const s = lastStatus(p.actions);
    assert.equal(s.failedIndexes, '0');
    assert.equal(cond(s, 'Failed')?.reason, 'FailedIndexes');
    assert.equal(cond(s, 'Failed')?.message, 'Job has failed indexes');
  });

  it('FailIndex rule fails the index at once; maxFailedIndexes exceeded fails the Job', () => {
    const pfp = { rules: [{ action: 'FailIndex' as const, onExitCodes: { operator: 'In' as const, values: [42] } }] };
    const j = job({ ...spec, completions: 3, parallelism: 3, backoffLimitPerIndex: 5, maxFailedIndexes: 0, podFailurePolicy: pfp }, running);
    const p = planJob(j, [pod('p0', { phase: 'Failed', index: 0, exitCode: 42 }), pod('p1', { index: 1 }), pod('p2', { index: 2 })], NOW);
    const s = lastStatus(p.actions);
    assert.equal(s.failedIndexes, '0');
    assert.equal(cond(s, 'FailureTarget')?.reason, 'MaxFailedIndexesExceeded');
    assert.equal(cond(s, 'FailureTarget')?.message, 'Job has exceeded the specified maximal number of failed indexes');
  });
});

describe('ttlDecision', () => {
  const fin = (type: string, s: number): JobStatus => ({ conditions: [{ type, status: 'True', lastTransitionTime: ago(s) }] });
  const cases: [string, number | undefined, JobStatus | undefined, ReturnType<typeof ttlDecision>][] = [
    ['no ttl', undefined, fin('Complete', 100), { kind: 'none' }],
    ['not finished', 0, undefined, { kind: 'none' }],
    ['ttl 0 deletes right away', 0, fin('Complete', 0), { kind: 'delete' }],
    ['failed counts too', 60, fin('Failed', 61), { kind: 'delete' }],
    ['wait for the rest', 60, fin('Complete', 20), { kind: 'wait', afterMs: 40_000 }],
  ];
  for (const [name, ttl, status, want] of cases) {
    it(name, () => assert.deepEqual(ttlDecision(job(ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl }, status), NOW), want));
  }
});
