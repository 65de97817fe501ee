/**
 * kubectl 1.32 against the gateway for batch/v1: `create job` and `create cronjob` (protobuf
 * bodies), `create job --from=cronjob/x`, the server-side columns of `get jobs` and `get
 * cronjobs` (wide too), `explain`, the field selector status.successful, Kubernetes' refusals
 * (restartPolicy, immutable template and completions) and delete. A controller-manager runs the
 * Job controller, so a Job gets its pods (no kubelet: they stay Pending).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from '../../shared/log.js';
import { startControllerManager, type RunningControllerManager } from '../../services/controller-manager/manager.js';
import { api } from '../stack.js';
import { eventually } from '../wait.js';
import { KUBECTL_SKIP, kubectlSuite } from './kubectl-harness.js';

const PROTOBUF = /Content-Type: application\/vnd\.kubernetes\.protobuf/;

describe('kubectl batch/v1: jobs and cronjobs', { skip: KUBECTL_SKIP }, () => {
  const suite = kubectlSuite('kbatch');
  let cm: RunningControllerManager | undefined;
  const ok = async (...args: string[]) => {
    const r = await suite.kubectl(...args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r;
  };
  const lines = (s: string) => s.trimEnd().split('\n');

  before(async () => {
    cm = await startControllerManager({ ...suite.stack.cfg, gatewayUrl: suite.stack.url }, createLogger('test', 'silent'), {
      controllers: ['job', 'garbagecollector'],
      workers: 2,
      leaderElection: { enabled: false },
    });
  });
  after(async () => {
    await cm?.close();
  });

  it('kubectl create job sends protobuf; the Job gets its generated selector and a pod', async () => {
    const r = await ok('create', 'job', 'hello', '--image=busybox', '-v=8', '--', 'echo', 'hi');
    assert.match(r.stdout, /^job\.batch\/hello created$/m);
    assert.match(r.stderr, PROTOBUF);
    const job = JSON.parse((await ok('get', 'job', 'hello', '-o', 'json')).stdout);
    assert.equal(job.apiVersion, 'batch/v1');
    assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': job.metadata.uid } });
    assert.equal(job.spec.template.metadata.labels['job-name'], 'hello');
    assert.equal(job.spec.backoffLimit, 6);
    assert.equal(job.spec.completions, 1);
    assert.equal(job.spec.parallelism, 1);
    assert.equal(job.spec.completionMode, 'NonIndexed');
    assert.equal(job.spec.podReplacementPolicy, 'TerminatingOrFailed');
    assert.equal(job.spec.template.spec.restartPolicy, 'Never');
    assert.equal(job.metadata.generation, 1);
    await eventually('its pod', async () => {
      const pods = JSON.parse((await ok('get', 'pods', '-l', 'job-name=hello', '-o', 'json')).stdout).items;
      return pods.length === 1 && pods[0].metadata.ownerReferences?.[0]?.kind === 'Job';
    });
  });

  it('kubectl get jobs prints NAME STATUS COMPLETIONS DURATION AGE; -o wide adds CONTAINERS IMAGES SELECTOR', async () => {
    const out = await eventually('the Job started', async () => {
      const o = (await ok('get', 'jobs')).stdout;
      return /hello\s+Running\s+0\/1\s+\d+s\s+\d+s/.test(o) ? o : undefined;
    });
    assert.match(lines(out)[0]!, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/);
    const wide = lines((await ok('get', 'jobs', '-o', 'wide')).stdout);
    assert.match(wide[0]!, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/);
    assert.match(wide[1]!, /^hello\s+Running\s+0\/1\s+\S+\s+\S+\s+hello\s+busybox\s+batch\.kubernetes\.io\/controller-uid=[0-9a-f-]+$/);
    // status.successful: the succeeded count as a field selector.
    assert.match((await ok('get', 'jobs', '--field-selector', 'status.successful=0')).stdout, /^hello\s/m);
    const none = await ok('get', 'jobs', '--field-selector', 'status.successful=1');
    assert.match(none.stderr, /No resources found in default namespace\./);
  });

  it('kubectl create cronjob; get cronjobs prints NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE', async () => {
    const r = await ok('create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/1 * * * *', '-v=8', '--', 'date');
    assert.match(r.stdout, /^cronjob\.batch\/tick created$/m);
    assert.match(r.stderr, PROTOBUF);
    const out = lines((await ok('get', 'cj')).stdout);
    assert.match(out[0]!, /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$/);
    assert.match(out[1]!, /^tick\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+0\s+<none>\s+\d+s$/);
    const wide = lines((await ok('get', 'cronjobs', '-o', 'wide')).stdout);
    assert.match(wide[0]!, /\s+CONTAINERS\s+IMAGES\s+SELECTOR$/);
    assert.match(wide[1]!, /\s+tick\s+busybox\s+<none>$/);
    // Both are in the category "all".
    const all = (await ok('get', 'all')).stdout;
    assert.match(all, /^cronjob\.batch\/tick\s/m);
    assert.match(all, /^job\.batch\/hello\s/m);
    const cj = JSON.parse((await ok('get', 'cronjob', 'tick', '-o', 'json')).stdout);
    assert.equal(cj.spec.concurrencyPolicy, 'Allow');
    assert.equal(cj.spec.suspend, false);
    assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
    assert.equal(cj.spec.failedJobsHistoryLimit, 1);
  });

  it('kubectl create job --from=cronjob/tick makes a Job from the template, owned by the CronJob', async () => {
    const r = await ok('create', 'job', 'manual', '--from=cronjob/tick');
    assert.match(r.stdout, /^job\.batch\/manual created$/m);
    const job = JSON.parse((await ok('get', 'job', 'manual', '-o', 'json')).stdout);
    assert.equal(job.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    const cj = JSON.parse((await ok('get', 'cronjob', 'tick', '-o', 'json')).stdout);
    assert.equal(job.metadata.ownerReferences?.[0]?.kind, 'CronJob');
    assert.equal(job.metadata.ownerReferences?.[0]?.uid, cj.metadata.uid);
    assert.deepEqual(job.spec.template.spec.containers.map((c: any) => c.image), ['busybox']);
  });

  it('kubectl apply (client- and server-side) of examples/job.yaml: created, then unchanged; describe shows its pods and events', async () => {
    const example = new URL('../../../examples/job.yaml', import.meta.url).pathname;
    assert.match((await ok('apply', '-f', example)).stdout, /^job\.batch\/countdown created$/m);
    assert.match((await ok('apply', '-f', example)).stdout, /^job\.batch\/countdown unchanged$/m);
    assert.match((await ok('apply', '--server-side', '-f', example)).stdout, /^job\.batch\/countdown serverside-applied$/m);
    assert.match((await ok('apply', '--server-side', '-f', example)).stdout, /^job\.batch\/countdown serverside-applied$/m);
    await eventually('its 2 pods', async () => JSON.parse((await ok('get', 'pods', '-l', 'job-name=countdown', '-o', 'json')).stdout).items.length === 2);
    const d = await eventually('describe shows the creations', async () => {
      const out = (await ok('describe', 'job', 'countdown')).stdout;
      return /SuccessfulCreate\s+\S+\s+job-controller\s+Created pod: countdown-/.test(out) ? out : undefined;
    });
    assert.match(d, /^Parallelism:\s+2$/m);
    assert.match(d, /^Completions:\s+3$/m);
    assert.match(d, /^Pods Statuses:\s+2 Active \(0 Ready\) \/ 0 Succeeded \/ 0 Failed$/m);
    await ok('delete', 'job', 'countdown');
  });

  it('kubectl explain job.spec and cronjob.spec.schedule', async () => {
    const job = (await ok('explain', 'job.spec')).stdout;
    assert.match(job, /^GROUP:\s+batch$/m);
    assert.match(job, /^KIND:\s+Job$/m);
    assert.match(job, /^VERSION:\s+v1$/m);
    assert.match(job, /^\s+completions\s+<integer>$/m);
    assert.match(job, /^\s+template\s+<PodTemplateSpec> -required-$/m);
    const cj = (await ok('explain', 'cronjob.spec.schedule')).stdout;
    assert.match(cj, /^FIELD:\s+schedule <string>$/m);
  });

  it('refuses what Kubernetes refuses: no restartPolicy, a changed template or completions', async () => {
    const file = join(suite.dir, 'bad-job.json');
    await writeFile(file, JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'bad' },
      spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    }));
    const bad = await suite.kubectl('create', '-f', file);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /The Job "bad" is invalid: spec\.template\.spec\.restartPolicy: Required value: valid values: "OnFailure", "Never"/);

    const tpl = await suite.kubectl('patch', 'job', 'hello', '--type=merge', '-p', '{"spec":{"template":{"spec":{"activeDeadlineSeconds":5}}}}');
    assert.notEqual(tpl.code, 0);
    assert.match(tpl.stderr, /The Job "hello" is invalid: spec\.template: Invalid value: .*: field is immutable/);
    const comp = await suite.kubectl('patch', 'job', 'hello', '--type=merge', '-p', '{"spec":{"completions":3}}');
    assert.notEqual(comp.code, 0);
    assert.match(comp.stderr, /spec\.completions: Invalid value: 3: field is immutable/);
    // What may change: parallelism (generation moves).
    await ok('patch', 'job', 'hello', '--type=merge', '-p', '{"spec":{"parallelism":0}}');
    const job = (await api(suite.stack.url, 'GET', '/apis/batch/v1/namespaces/default/jobs/hello')).body;
    assert.equal(job.spec.parallelism, 0);
    assert.equal(job.metadata.generation, 2);

    const cj = await suite.kubectl('create', 'cronjob', 'nope', '--image=busybox', '--schedule=every minute');
    assert.notEqual(cj.code, 0);
    assert.match(cj.stderr, /spec\.schedule: Invalid value: "every minute"/);
  });

  it('kubectl delete job removes it and, in the background, its pods', async () => {
    const r = await ok('delete', 'job', 'hello');
    assert.match(r.stdout, /^job\.batch "hello" deleted$/m);
    assert.doesNotMatch(r.stderr, /child pods are preserved/, 'kubectl asks for Background: no warning');
    await eventually('its pods gone', async () => JSON.parse((await ok('get', 'pods', '-l', 'job-name=hello', '-o', 'json')).stdout).items.length === 0, 30_000);
    // A CronJob's Jobs go with it (the one made with --from=cronjob/tick is owned by it).
    await ok('delete', 'cronjob', 'tick');
    await eventually('job manual gone with its CronJob', async () => (await api(suite.stack.url, 'GET', '/apis/batch/v1/namespaces/default/jobs/manual')).status === 404, 30_000);
  });
});
