/**
 * The Job and CronJob controllers against a real gateway, NATS and Postgres, with a
 * controller-manager in process. The test plays the kubelet through the API: it finishes pods by
 * writing their status phase (Succeeded or Failed). Checked: a Job runs to Complete with exactly
 * its completions (and the projection shows it); a failing Job stops at its backoff limit; a
 * controller-manager restarted mid-work (which replays every event) makes no extra pod and counts
 * no completion twice; a CronJob on a test clock makes one Job per schedule, across restarts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../shared/log.js';
import { startControllerManager, type RunningControllerManager } from '../../services/controller-manager/manager.js';
import { api, startStack, type Stack } from '../stack.js';
import { querySchema } from '../harness.js';
import { eventually, quiescent } from '../controller-stack.js';

const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');
const JOBS = '/apis/batch/v1/namespaces/default/jobs';
const CRONJOBS = '/apis/batch/v1/namespaces/default/cronjobs';
const PODS = '/api/v1/namespaces/default/pods';

interface PodItem {
  metadata: { name: string; uid: string; resourceVersion: string; deletionTimestamp?: string; finalizers?: string[]; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[] };
  spec: Record<string, unknown>;
  status?: { phase?: string };
}

function jobObject(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox:1.36', command: ['true'] }] } } },
  };
}

async function jobPods(url: string, job: string): Promise<PodItem[]> {
  const r = await api(url, 'GET', `${PODS}?labelSelector=${encodeURIComponent(`batch.kubernetes.io/job-name=${job}`)}`);
  assert.equal(r.status, 200);
  return r.body.items as PodItem[];
}

async function getJob(url: string, name: string): Promise<any> {
  const r = await api(url, 'GET', `${JOBS}/${name}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

const condition = (job: any, type: string) => (job.status?.conditions ?? []).find((c: any) => c.type === type && c.status === 'True');

/**
 * The kubelet stand-in: every pod of `job` that is not finished yet is finished with `phase`,
 * at most `perPass` per pass. Records every pod name it saw and the most pods it saw running at once.
 */
function playKubelet(url: string, job: string, phase: 'Succeeded' | 'Failed', perPass = 1) {
  let stopped = false;
  const seen = new Set<string>();
  let maxActive = 0;
  const loop = (async () => {
    while (!stopped) {
      try {
        {
          const pods = await jobPods(url, job);
          for (const p of pods) seen.add(p.metadata.uid);
          const running = pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
          maxActive = Math.max(maxActive, running.length);
          for (const p of running.slice(0, perPass)) {
            await api(url, 'PUT', `${PODS}/${p.metadata.name}/status`, { apiVersion: 'v1', kind: 'Pod', metadata: p.metadata, spec: p.spec, status: { ...(p.status ?? {}), phase } });
          }
        }
      } catch {
        /* the gateway goes away at the end */
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  return {
    seen,
    get maxActive() {
      return maxActive;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

describe('Job and CronJob controllers on NATS and Postgres', () => {
  let stack: Stack;
  let cm: RunningControllerManager | undefined;
  const startCm = async () => {
    cm = await startControllerManager({ ...stack.cfg, gatewayUrl: stack.url }, silent, {
      controllers: ['job', 'garbagecollector'],
      workers: 4,
      leaderElection: { enabled: false },
    });
  };
  const stopCm = async () => {
    await cm?.close();
    cm = undefined;
  };

  before(async () => {
    stack = await startStack('jobs');
    await startCm();
  });
  after(async () => {
    await stopCm().catch(() => undefined);
    await stack?.close();
  });

  it('a Job of 5 completions, parallelism 2, reaches Complete with succeeded=5, 5 pods, and the projection shows it', async () => {
    const r = await api(stack.url, 'POST', JOBS, jobObject('five', { completions: 5, parallelism: 2 }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': r.body.metadata.uid } });
    const kubelet = playKubelet(stack.url, 'five', 'Succeeded');
    try {
      const job = await eventually('Job five Complete', async () => {
        const j = await getJob(stack.url, 'five');
        return condition(j, 'Complete') ? j : undefined;
      }, 60_000);
      assert.equal(job.status.succeeded, 5);
      assert.equal(job.status.failed ?? 0, 0);
      assert.equal(job.status.active ?? 0, 0);
      assert.ok(job.status.completionTime);
      assert.deepEqual(job.status.conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`), ['SuccessCriteriaMet=True/CompletionsReached', 'Complete=True/CompletionsReached']);
      assert.ok(kubelet.maxActive <= 2, `at most parallelism pods run at once (saw ${kubelet.maxActive})`);
    } finally {
      await kubelet.stop();
    }
    const pods = await jobPods(stack.url, 'five');
    assert.equal(pods.length, 5);
    assert.ok(pods.every((p) => !p.metadata.finalizers?.includes('batch.kubernetes.io/job-tracking')), 'every pod released');
    assert.ok(pods.every((p) => p.metadata.ownerReferences?.[0]?.kind === 'Job' && p.metadata.ownerReferences[0].controller === true));
    const rows = await eventually('the jobs row', async () => {
      const rs = await querySchema(stack.cfg, `select name, succeeded, failed, completions, parallelism, status, active from jobs where name = 'five'`);
      return rs[0]?.status === 'Complete' ? rs : undefined;
    });
    assert.deepEqual(rows, [{ name: 'five', succeeded: 5, failed: 0, completions: 5, parallelism: 2, status: 'Complete', active: 0 }]);
    // status.successful is a field selector on jobs.
    const sel = await api(stack.url, 'GET', `${JOBS}?fieldSelector=${encodeURIComponent('status.successful=5')}`);
    assert.deepEqual(sel.body.items.map((j: any) => j.metadata.name), ['five']);
    const events = (await api(stack.url, 'GET', `/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent('involvedObject.name=five')}`)).body.items;
    assert.equal(events.filter((e: any) => e.reason === 'SuccessfulCreate').reduce((n: number, e: any) => n + (e.count ?? 1), 0), 5);
    assert.ok(events.some((e: any) => e.reason === 'Completed' && e.message === 'Job completed'));
  });

  it('an Indexed Job: one pod per index (name, label, annotation, hostname), completedIndexes 0-2', async () => {
    const r = await api(stack.url, 'POST', JOBS, jobObject('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const pods = await eventually('3 pods', async () => {
      const ps = await jobPods(stack.url, 'idx');
      return ps.length === 3 ? ps : undefined;
    });
    const byIndex = pods
      .map((p: any) => [p.metadata.annotations['batch.kubernetes.io/job-completion-index'], p.metadata.labels['batch.kubernetes.io/job-completion-index'], p.spec.hostname, p.metadata.name])
      .sort((a: string[], b: string[]) => a[0]!.localeCompare(b[0]!));
    assert.deepEqual(byIndex.map((x: string[]) => x.slice(0, 3)), [['0', '0', 'idx-0'], ['1', '1', 'idx-1'], ['2', '2', 'idx-2']]);
    assert.ok(byIndex.every((x: string[]) => x[3]!.startsWith(`idx-${x[0]}-`)), JSON.stringify(byIndex));
    const env = (pods[0] as any).spec.containers[0].env;
    assert.deepEqual(env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }]);
    const kubelet = playKubelet(stack.url, 'idx', 'Succeeded', 3);
    try {
      const job = await eventually('Job idx Complete', async () => {
        const j = await getJob(stack.url, 'idx');
        return condition(j, 'Complete') ? j : undefined;
      }, 60_000);
      assert.equal(job.status.completedIndexes, '0-2');
      assert.equal(job.status.succeeded, 3);
    } finally {
      await kubelet.stop();
    }
  });

  it('suspend: no pods and Suspended=True; resumed: pods and Suspended=False/JobResumed; suspended again: its pods go', async () => {
    const r = await api(stack.url, 'POST', JOBS, jobObject('napper', { completions: 2, parallelism: 2, suspend: true }));
    assert.equal(r.status, 201);
    const suspended = await eventually('Suspended=True', async () => {
      const j = await getJob(stack.url, 'napper');
      return condition(j, 'Suspended') ? j : undefined;
    });
    assert.equal(condition(suspended, 'Suspended').reason, 'JobSuspended');
    assert.equal(suspended.status.startTime, undefined, 'a suspended Job has not started');
    assert.equal((await jobPods(stack.url, 'napper')).length, 0);
    const [row] = await eventually('the jobs row', async () => {
      const rs = await querySchema(stack.cfg, `select status, suspend from jobs where name = 'napper'`);
      return rs[0]?.status === 'Suspended' ? rs : undefined;
    });
    assert.deepEqual(row, { status: 'Suspended', suspend: true });

    const patch = (suspend: boolean) => api(stack.url, 'PATCH', `${JOBS}/napper`, { spec: { suspend } }, 'application/merge-patch+json');
    assert.equal((await patch(false)).status, 200);
    await eventually('2 pods', async () => (await jobPods(stack.url, 'napper')).length === 2);
    const resumed = await eventually('Suspended=False', async () => {
      const j = await getJob(stack.url, 'napper');
      return j.status?.conditions?.some((c: any) => c.type === 'Suspended' && c.status === 'False') ? j : undefined;
    });
    assert.equal(resumed.status.conditions.find((c: any) => c.type === 'Suspended').reason, 'JobResumed');
    assert.ok(resumed.status.startTime);

    assert.equal((await patch(true)).status, 200);
    await eventually('its pods gone', async () => (await jobPods(stack.url, 'napper')).length === 0, 30_000);
    const again = await eventually('Suspended=True again', async () => {
      const j = await getJob(stack.url, 'napper');
      return condition(j, 'Suspended') && (j.status.active ?? 0) === 0 ? j : undefined;
    });
    assert.equal(again.status.failed ?? 0, 0, 'pods removed by suspension are not failures');
  });

  it('backoffLimit 1: two failed pods fail the Job with BackoffLimitExceeded', async () => {
    const r = await api(stack.url, 'POST', JOBS, jobObject('doomed', { backoffLimit: 1 }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const kubelet = playKubelet(stack.url, 'doomed', 'Failed');
    try {
      const job = await eventually('Job doomed Failed', async () => {
        const j = await getJob(stack.url, 'doomed');
        return condition(j, 'Failed') ? j : undefined;
      }, 60_000);
      assert.equal(condition(job, 'Failed').reason, 'BackoffLimitExceeded');
      assert.equal(condition(job, 'Failed').message, 'Job has reached the specified backoff limit');
      assert.equal(job.status.failed, 2);
      assert.equal(job.status.succeeded ?? 0, 0);
      assert.ok(condition(job, 'FailureTarget'));
    } finally {
      await kubelet.stop();
    }
    assert.equal((await jobPods(stack.url, 'doomed')).length, 2);
    const [row] = await eventually('the jobs row', async () => {
      const rs = await querySchema(stack.cfg, `select status, failed from jobs where name = 'doomed'`);
      return rs[0]?.status === 'Failed' ? rs : undefined;
    });
    assert.deepEqual(row, { status: 'Failed', failed: 2 });
  });

  it('a controller-manager restarted mid-work (replaying every event) makes no extra pod and counts no completion twice', async () => {
    const r = await api(stack.url, 'POST', JOBS, jobObject('steady', { completions: 4, parallelism: 2 }));
    assert.equal(r.status, 201);
    const kubelet = playKubelet(stack.url, 'steady', 'Succeeded', 2);
    try {
      // Let some of it happen, then restart while pods are running and finishing.
      await eventually('1 succeeded', async () => ((await getJob(stack.url, 'steady')).status?.succeeded ?? 0) >= 1);
      await stopCm();
      // The kubelet goes on: the running pods finish while no controller runs.
      await eventually('the running pods finished', async () => (await jobPods(stack.url, 'steady')).every((p) => p.status?.phase === 'Succeeded'));
      await startCm();
      await eventually('Job steady Complete', async () => condition(await getJob(stack.url, 'steady'), 'Complete'), 60_000);
    } finally {
      await kubelet.stop();
    }
    const job = await getJob(stack.url, 'steady');
    assert.equal(job.status.succeeded, 4, 'each completion counted once');
    assert.equal((await jobPods(stack.url, 'steady')).length, 4, 'no extra pod');
    assert.equal(kubelet.seen.size, 4);

    // Converged: a restart replays everything and writes nothing to Jobs or pods.
    const seq = await quiescent(stack.url);
    await stopCm();
    await startCm();
    const after = await quiescent(stack.url);
    assert.equal(after, seq, 'a replay after convergence writes nothing');
  });

  it('DELETE without a propagationPolicy orphans the pods (batch/v1), and they are let go of the tracking finalizer', async () => {
    const r = await api(stack.url, 'POST', JOBS, jobObject('left', { completions: 2, parallelism: 2 }));
    assert.equal(r.status, 201);
    await eventually('its 2 pods', async () => (await jobPods(stack.url, 'left')).length === 2);
    const del = await api(stack.url, 'DELETE', `${JOBS}/left`);
    assert.equal(del.status, 200, JSON.stringify(del.body));
    assert.match(del.headers.get('warning') ?? '', /child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them/);
    await eventually('Job left gone', async () => (await api(stack.url, 'GET', `${JOBS}/left`)).status === 404, 30_000);
    const pods = await eventually('the pods orphaned and released', async () => {
      const ps = await jobPods(stack.url, 'left');
      return ps.length === 2 && ps.every((p) => !p.metadata.ownerReferences?.length && !p.metadata.finalizers?.includes('batch.kubernetes.io/job-tracking')) ? ps : undefined;
    }, 30_000);
    assert.equal(pods.length, 2);
    // Background: the pods go with the Job.
    const r2 = await api(stack.url, 'POST', JOBS, jobObject('gone', { completions: 2, parallelism: 2 }));
    assert.equal(r2.status, 201);
    await eventually('its 2 pods', async () => (await jobPods(stack.url, 'gone')).length === 2);
    const del2 = await api(stack.url, 'DELETE', `${JOBS}/gone`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
    assert.equal(del2.status, 200);
    assert.equal(del2.headers.get('warning'), null, 'no warning with an explicit policy');
    await eventually('its pods gone', async () => (await jobPods(stack.url, 'gone')).length === 0, 30_000);
  });

  it('refuses malformed Jobs and CronJobs with a 4xx Status, never a 500', async () => {
    const container = { name: 'c', image: 'busybox' };
    const bodies: [string, string, unknown][] = [
      [JOBS, 'no spec', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'h1' } }],
      [JOBS, 'empty spec', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'h2' }, spec: {} }],
      [JOBS, 'template without spec', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'h3' }, spec: { template: {} } }],
      [JOBS, 'template labels not a map', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'h4' }, spec: { template: { metadata: { labels: 'x' }, spec: { restartPolicy: 'Never', containers: [container] } } } }],
      [JOBS, 'completions a string', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'h5' }, spec: { completions: 'three', template: { spec: { restartPolicy: 'Never', containers: [container] } } } }],
      [JOBS, 'wrong uid in the selector', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'h6' }, spec: { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'nope' } }, template: { spec: { restartPolicy: 'Never', containers: [container] } } } }],
      [JOBS, 'podFailurePolicy with OnFailure', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'h7' }, spec: { podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }] }, template: { spec: { restartPolicy: 'OnFailure', containers: [container] } } } }],
      [CRONJOBS, 'no spec', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c1' } }],
      [CRONJOBS, 'bad schedule', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c2' }, spec: { schedule: '61 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } } } } } }],
      [CRONJOBS, 'TZ in the schedule', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c3' }, spec: { schedule: 'TZ=UTC * * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } } } } } }],
      [CRONJOBS, 'unknown time zone', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c4' }, spec: { schedule: '* * * * *', timeZone: 'Mars/Olympus', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } } } } } }],
      [CRONJOBS, 'a name over 52 characters', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c'.repeat(53) }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } } } } } }],
      [CRONJOBS, 'a selector in the job template', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c5' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { selector: { matchLabels: { a: 'b' } }, template: { spec: { restartPolicy: 'Never', containers: [container] } } } } } }],
    ];
    for (const [path, what, body] of bodies) {
      const r = await api(stack.url, 'POST', path, body);
      assert.ok(r.status === 400 || r.status === 422, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body.kind, 'Status', what);
    }
    const tz = await api(stack.url, 'POST', CRONJOBS, bodies[9]![2]);
    assert.match(tz.body.message, /spec\.schedule: Invalid value: "TZ=UTC \* \* \* \* \*": cannot use TZ or CRON_TZ in schedule, use timeZone field instead/);
    const long = await api(stack.url, 'POST', CRONJOBS, bodies[11]![2]);
    assert.match(long.body.message, /metadata\.name: Invalid value: "c{53}": must be no more than 52 characters/);
    assert.equal((await api(stack.url, 'GET', JOBS)).body.items.filter((j: any) => /^h\d$/.test(j.metadata.name)).length, 0, 'nothing stored');

    // A name that is no DNS label is taken, with Kubernetes' warning.
    const dotted = await api(stack.url, 'POST', `${JOBS}?dryRun=All`, jobObject('dotted.name', {}));
    assert.equal(dotted.status, 201, JSON.stringify(dotted.body));
    assert.match(dotted.headers.get('warning') ?? '', /metadata\.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: \[a lowercase RFC 1123 label must consist of/);
    assert.equal((await api(stack.url, 'POST', `${JOBS}?dryRun=All`, jobObject('plain', {}))).headers.get('warning'), null);
  });

  it('ttlSecondsAfterFinished 0: a finished Job is deleted, and its pods with it', async () => {
    const r = await api(stack.url, 'POST', JOBS, jobObject('brief', { ttlSecondsAfterFinished: 0 }));
    assert.equal(r.status, 201);
    const kubelet = playKubelet(stack.url, 'brief', 'Succeeded');
    try {
      await eventually('Job brief gone', async () => (await api(stack.url, 'GET', `${JOBS}/brief`)).status === 404, 60_000);
    } finally {
      await kubelet.stop();
    }
    await eventually('its pods gone', async () => (await jobPods(stack.url, 'brief')).length === 0, 30_000);
  });
});

describe('CronJob controller on a test clock', () => {
  let stack: Stack;
  let cm: RunningControllerManager | undefined;
  let clockMs = Date.now();
  const startCm = async () => {
    cm = await startControllerManager({ ...stack.cfg, gatewayUrl: stack.url }, silent, {
      controllers: ['cronjob'],
      workers: 2,
      leaderElection: { enabled: false },
      now: () => new Date(clockMs),
    });
  };
  const stopCm = async () => {
    await cm?.close();
    cm = undefined;
  };
  before(async () => {
    stack = await startStack('cronjobs');
    await startCm();
  });
  after(async () => {
    await stopCm().catch(() => undefined);
    await stack?.close();
  });

  const jobNames = async () => ((await api(stack.url, 'GET', JOBS)).body.items as any[]).map((j) => j.metadata.name as string).sort();
  const touch = (n: number) => api(stack.url, 'PATCH', `${CRONJOBS}/tick`, { metadata: { labels: { poke: String(n) } } }, 'application/merge-patch+json');

  it('*/1 * * * *: one Job per schedule, never two for one schedule across restarts', async () => {
    const r = await api(stack.url, 'POST', CRONJOBS, {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick' },
      spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox:1.36' }] } } } } },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.spec.concurrencyPolicy, 'Allow');
    assert.equal(r.body.spec.successfulJobsHistoryLimit, 3);
    const created = Date.parse(r.body.metadata.creationTimestamp);
    const m1 = Math.floor(created / 60_000) + 1;

    // The clock moves to 5 s after the next minute: exactly one Job, for that minute.
    clockMs = m1 * 60_000 + 5_000;
    await touch(1);
    await eventually('the first Job', async () => (await jobNames()).length === 1);
    assert.deepEqual(await jobNames(), [`tick-${m1}`]);
    const job = (await api(stack.url, 'GET', `${JOBS}/tick-${m1}`)).body;
    assert.equal(job.metadata.ownerReferences[0].kind, 'CronJob');
    assert.equal(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(m1 * 60_000).toISOString().replace('.000Z', 'Z'));
    // Defaulted as a Job by the gateway: the selector was generated from its uid.
    assert.equal(job.spec.selector.matchLabels['batch.kubernetes.io/controller-uid'], job.metadata.uid);
    await eventually('status names it', async () => {
      const cj = (await api(stack.url, 'GET', `${CRONJOBS}/tick`)).body;
      return cj.status?.lastScheduleTime === new Date(m1 * 60_000).toISOString().replace('.000Z', 'Z') && cj.status?.active?.[0]?.uid === job.metadata.uid;
    });

    // Pokes and restarts at the same time: nothing more.
    await touch(2);
    await stopCm();
    await startCm();
    await touch(3);
    await quiescent(stack.url);
    assert.deepEqual(await jobNames(), [`tick-${m1}`]);

    // Restarted with the clock past the next minute: the next Job, once.
    await stopCm();
    clockMs = (m1 + 1) * 60_000 + 2_000;
    await startCm();
    await eventually('the second Job', async () => (await jobNames()).length === 2);
    await stopCm();
    await startCm();
    await touch(4);
    await quiescent(stack.url);
    assert.deepEqual(await jobNames(), [`tick-${m1}`, `tick-${m1 + 1}`]);

    const [row] = await eventually('the cronjobs row', async () => {
      const rs = await querySchema(stack.cfg, `select schedule, suspend, active, last_schedule_time from cronjobs where name = 'tick'`);
      return rs[0]?.active === 2 ? rs : undefined;
    });
    assert.equal(row.schedule, '*/1 * * * *');
    assert.equal(row.suspend, false);
    assert.equal(new Date(row.last_schedule_time).getTime(), (m1 + 1) * 60_000);
  });
});
