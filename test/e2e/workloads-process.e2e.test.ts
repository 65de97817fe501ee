/**
 * The workload kinds on real processes: `jetkube up --nodes 3 --runtime process`, as a user runs
 * it. An Indexed Job whose pods print their JOB_COMPLETION_INDEX runs to Complete; a failing Job
 * reaches backoffLimit with growing gaps between its pods; a StatefulSet of 3 comes up in order,
 * each pod answering by its stable DNS name, and a template change replaces them from the highest
 * ordinal down; a DaemonSet lands on each node and follows a Node added later; a CronJob every
 * minute makes one Job per minute, named by its minute, and keeps one finished Job.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { api } from '../stack.js';
import { eventually } from '../wait.js';
import { startProcessCluster, type ProcessCluster } from './cluster.js';

const BATCH = '/apis/batch/v1/namespaces/default';
const APPS = '/apis/apps/v1/namespaces/default';
const CORE = '/api/v1/namespaces/default';

/** A pod template running `script` in sh. */
const shPod = (labels: Record<string, string>, script: string, extra: Record<string, unknown> = {}) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', script] }], terminationGracePeriodSeconds: 2, ...extra },
});

/** Every watch event on `path` from now on, with the time it arrived, until stop(). */
async function recordWatch(base: string, path: string) {
  const events: { type: string; name: string; obj: any; at: number }[] = [];
  const ac = new AbortController();
  const res = await fetch(`${base}${path}${path.includes('?') ? '&' : '?'}watch=1&allowWatchBookmarks=false`, { signal: ac.signal });
  const done = (async () => {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (!line.trim()) continue;
          const e = JSON.parse(line);
          events.push({ type: e.type, name: e.object?.metadata?.name, obj: e.object, at: Date.now() });
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return {
    events,
    async stop() {
      ac.abort();
      await done;
    },
  };
}

const isReady = (p: any) => p?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');

describe('workload kinds on the process runtime (jetkube up --nodes 3)', { timeout: 300_000 }, () => {
  let c: ProcessCluster;
  before(async () => {
    c = await startProcessCluster('wlproc', 3);
    // Made first, checked last: it needs two minute boundaries.
    const cj = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick' },
      spec: { schedule: '*/1 * * * *', successfulJobsHistoryLimit: 1, jobTemplate: { spec: { template: shPod({}, 'echo tick', { restartPolicy: 'Never' }) } } },
    };
    assert.equal((await api(c.base, 'POST', `${BATCH}/cronjobs`, cj)).status, 201);
  });
  after(async () => {
    await c?.close();
  });

  it('an Indexed Job of 3 completions, 2 at a time: each pod sees its index; the Job completes with completedIndexes 0-2', async () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'indexed' },
      spec: {
        completions: 3,
        parallelism: 2,
        completionMode: 'Indexed',
        template: shPod({}, 'echo "index=$JOB_COMPLETION_INDEX"', { restartPolicy: 'Never' }),
      },
    };
    assert.equal((await api(c.base, 'POST', `${BATCH}/jobs`, job)).status, 201);
    const done = await eventually('the Indexed Job complete', async () => {
      const j = (await api(c.base, 'GET', `${BATCH}/jobs/indexed`)).body;
      return j.status?.conditions?.some((x: any) => x.type === 'Complete' && x.status === 'True') && j;
    }, 120_000, 300);
    assert.equal(done.status.succeeded, 3);
    assert.equal(done.status.completedIndexes, '0-2');
    const pods = (await api(c.base, 'GET', `${CORE}/pods?labelSelector=batch.kubernetes.io/job-name%3Dindexed`)).body.items;
    const seen = new Set<string>();
    for (const p of pods) {
      const index = p.metadata.annotations['batch.kubernetes.io/job-completion-index'];
      const log = await fetch(`${c.base}${CORE}/pods/${p.metadata.name}/log`).then((r) => r.text());
      assert.equal(log.trim(), `index=${index}`, `pod ${p.metadata.name} printed its own index`);
      seen.add(index);
    }
    assert.deepEqual([...seen].sort(), ['0', '1', '2']);
  });

  it('a failing Job: backoffLimit 2 means 3 pods, each started a longer while after the previous one failed (10 s, then 20 s), then Failed BackoffLimitExceeded', async () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'failing' }, spec: { backoffLimit: 2, template: shPod({}, 'exit 3', { restartPolicy: 'Never' }) } };
    assert.equal((await api(c.base, 'POST', `${BATCH}/jobs`, job)).status, 201);
    const failed = await eventually('the Job failed', async () => {
      const j = (await api(c.base, 'GET', `${BATCH}/jobs/failing`)).body;
      return j.status?.conditions?.find((x: any) => x.type === 'Failed' && x.status === 'True');
    }, 150_000, 500);
    assert.equal(failed.reason, 'BackoffLimitExceeded');
    // From the pods themselves: when each was created and when its container finished (seconds).
    const pods = (await api(c.base, 'GET', `${CORE}/pods?labelSelector=batch.kubernetes.io/job-name%3Dfailing`)).body.items
      .map((p: any) => ({
        name: p.metadata.name as string,
        created: Date.parse(p.metadata.creationTimestamp),
        finished: Date.parse(p.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt ?? ''),
        exitCode: p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode,
      }))
      .sort((a: any, b: any) => a.created - b.created);
    const what = JSON.stringify(pods);
    assert.equal(pods.length, 3, what);
    for (const p of pods) assert.equal(p.exitCode, 3, what);
    const gap1 = pods[1].created - pods[0].finished;
    const gap2 = pods[2].created - pods[1].finished;
    // Kubernetes' pod failure backoff: 10 s, then 20 s, counted from the failure (timestamps in seconds).
    assert.ok(gap1 >= 8_000, `first gap ${gap1} ms: ${what}`);
    assert.ok(gap2 >= 18_000 && gap2 > gap1, `second gap ${gap2} ms after a first of ${gap1} ms: ${what}`);
  });

  it('a StatefulSet of 3 comes up in order, each pod resolvable by its stable name; a template change replaces them from store-2 down', async () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'store' }, spec: { clusterIP: 'None', selector: { app: 'store' }, ports: [{ name: 'http', port: 80 }] } };
    assert.equal((await api(c.base, 'POST', `${CORE}/services`, svc)).status, 201);
    const w = await recordWatch(c.base, `${CORE}/pods?labelSelector=app%3Dstore`);
    const set = (version: string) => ({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'store' },
      spec: {
        serviceName: 'store',
        replicas: 3,
        selector: { matchLabels: { app: 'store' } },
        template: {
          ...shPod({ app: 'store' }, "trap 'exit 0' TERM; while true; do sleep 1; done"),
          spec: { ...shPod({}, "trap 'exit 0' TERM; while true; do sleep 1; done").spec, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"], env: [{ name: 'VERSION', value: version }] }] },
        },
      },
    });
    try {
      assert.equal((await api(c.base, 'POST', `${APPS}/statefulsets`, set('v1'))).status, 201);
      await eventually('3 ready replicas', async () => (await api(c.base, 'GET', `${APPS}/statefulsets/store`)).body.status?.readyReplicas === 3, 120_000, 300);
      // OrderedReady: store-N is created only after store-(N-1) was seen Ready.
      const firstAdded = (n: string) => w.events.find((e) => e.type === 'ADDED' && e.name === n)!.at;
      const firstReady = (n: string) => w.events.find((e) => e.name === n && isReady(e.obj))!.at;
      assert.deepEqual(w.events.filter((e) => e.type === 'ADDED').map((e) => e.name), ['store-0', 'store-1', 'store-2']);
      assert.ok(firstAdded('store-1') >= firstReady('store-0'), 'store-1 after store-0 was Ready');
      assert.ok(firstAdded('store-2') >= firstReady('store-1'), 'store-2 after store-1 was Ready');

      const r = new Resolver();
      r.setServers([`127.0.0.1:${c.dnsPort}`]);
      const pods = (await api(c.base, 'GET', `${CORE}/pods?labelSelector=app%3Dstore`)).body.items;
      for (const p of pods) {
        assert.equal(p.spec.hostname, p.metadata.name);
        assert.equal(p.spec.subdomain, 'store');
        const ips = await eventually(`${p.metadata.name} in DNS`, async () => r.resolve4(`${p.metadata.name}.store.default.svc.cluster.local`).catch(() => undefined), 30_000, 300);
        assert.deepEqual(ips, [p.status.podIP]);
      }

      // A template change: replaced from the highest ordinal down.
      const deletedBefore = w.events.length;
      const cur = (await api(c.base, 'GET', `${APPS}/statefulsets/store`)).body;
      const next = set('v2');
      const put = await api(c.base, 'PUT', `${APPS}/statefulsets/store`, { ...next, metadata: { ...next.metadata, resourceVersion: cur.metadata.resourceVersion } });
      assert.equal(put.status, 200);
      await eventually('rolled out', async () => {
        const s = (await api(c.base, 'GET', `${APPS}/statefulsets/store`)).body;
        return s.status?.observedGeneration >= put.body.metadata.generation && s.status?.updatedReplicas === 3 && s.status?.readyReplicas === 3 && s.status?.currentRevision === s.status?.updateRevision;
      }, 180_000, 500);
      const deletions = w.events.slice(deletedBefore).filter((e) => e.type === 'DELETED').map((e) => e.name);
      assert.deepEqual(deletions, ['store-2', 'store-1', 'store-0']);
    } finally {
      await w.stop();
    }
  });

  it('a DaemonSet lands one pod on each of the 3 nodes and follows a Node added later', async () => {
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: shPod({ app: 'agent' }, "trap 'exit 0' TERM; while true; do sleep 1; done") },
    };
    assert.equal((await api(c.base, 'POST', `${APPS}/daemonsets`, ds)).status, 201);
    const nodesOf = async () => (await api(c.base, 'GET', `${CORE}/pods?labelSelector=app%3Dagent`)).body.items.map((p: any) => p.spec.nodeName).sort();
    await eventually('3 agents ready', async () => (await api(c.base, 'GET', `${APPS}/daemonsets/agent`)).body.status?.numberReady === 3, 120_000, 300);
    assert.deepEqual(await nodesOf(), [...c.nodeNames].sort());

    // A fourth Node (no kubelet behind it: its pod is bound there and waits).
    const extra = `${c.nodeNames[0]}-late`;
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: extra, labels: { 'kubernetes.io/hostname': extra } }, status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, capacity: { cpu: '4', memory: '8Gi', pods: '110' } } };
    assert.equal((await api(c.base, 'POST', '/api/v1/nodes', node)).status, 201);
    try {
      await eventually('an agent pod on the new node', async () => (await nodesOf()).includes(extra), 60_000, 300);
      assert.equal((await nodesOf()).length, 4);
    } finally {
      await api(c.base, 'DELETE', `/api/v1/nodes/${extra}`);
    }
    await eventually('the agent of the removed node gone', async () => !(await nodesOf()).includes(extra), 60_000, 300);
  });

  it('a CronJob every minute: one Job per minute named <cronjob>-<minutes>, and successfulJobsHistoryLimit 1 keeps only the newest', async () => {
    const jobsOf = async () => (await api(c.base, 'GET', `${BATCH}/jobs`)).body.items.filter((j: any) => j.metadata.ownerReferences?.[0]?.name === 'tick');
    const seen = new Set<string>();
    await eventually('two scheduled runs succeeded', async () => {
      for (const j of await jobsOf()) seen.add(j.metadata.name);
      const cj = (await api(c.base, 'GET', `${BATCH}/cronjobs/tick`)).body;
      return seen.size >= 2 && cj.status?.lastSuccessfulTime && Date.parse(cj.status.lastSuccessfulTime) >= Date.parse(cj.status.lastScheduleTime);
    }, 200_000, 1000);
    for (const name of seen) {
      const minutes = Number(name.slice('tick-'.length));
      assert.ok(Number.isInteger(minutes) && minutes * 60_000 <= Date.now(), name);
    }
    await eventually('only the newest finished Job kept', async () => {
      const jobs = await jobsOf();
      const done = jobs.filter((j: any) => j.status?.conditions?.some((x: any) => x.type === 'Complete' && x.status === 'True'));
      return done.length === 1 && jobs.length <= 2;
    }, 60_000, 500);
  });
});
