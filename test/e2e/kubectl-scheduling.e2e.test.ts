/**
 * kubectl 1.32 against the scheduler's pod constraints: a gated pod shows SchedulingGated in
 * `kubectl get pods`, adding a gate with `kubectl patch` is refused with Kubernetes' message,
 * removing the gates lets it be bound; an invalid topology spread constraint is refused by
 * `kubectl apply`. A scheduler runs in process next to the suite's gateway; the node is a plain
 * Node object (no kubelet).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from '../../shared/log.js';
import { startScheduler, type RunningScheduler } from '../../services/scheduler/index.js';
import { api } from '../stack.js';
import { eventually } from '../wait.js';
import { KUBECTL_SKIP, kubectlSuite } from './kubectl-harness.js';

const NS = '/api/v1/namespaces/default';

describe('kubectl and scheduling constraints', { skip: KUBECTL_SKIP, timeout: 120_000 }, () => {
  let sched: RunningScheduler | undefined;
  // Registered before the suite's: the scheduler stops before the stack goes.
  after(async () => sched?.close());
  const suite = kubectlSuite('ksched');
  before(async () => {
    const capacity = { cpu: '4', memory: '8Gi', pods: '110' };
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'ks-n1', labels: { 'kubernetes.io/hostname': 'ks-n1' } },
      status: { capacity, allocatable: capacity, conditions: [{ type: 'Ready', status: 'True' }] },
    };
    assert.equal((await api(suite.stack.url, 'POST', '/api/v1/nodes', node)).status, 201);
    sched = await startScheduler({ ...suite.stack.cfg, gatewayUrl: suite.stack.url }, createLogger('test', process.env.LOG_LEVEL || 'silent'), {
      backoffBaseMs: 50,
      backoffCapMs: 500,
      leaderElection: { enabled: false },
    });
  });

  it('a gated pod: SchedulingGated, gates can only be removed, then it is bound', async () => {
    const file = join(suite.dir, 'gated.yaml');
    await writeFile(
      file,
      ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: gated', 'spec:', '  schedulingGates:', '  - name: example.com/quota', '  containers:', '  - name: c', '    image: busybox:1.36', ''].join('\n'),
    );
    const applied = await suite.kubectl('apply', '-f', file);
    assert.equal(applied.code, 0, applied.stderr);
    const got = await suite.kubectl('get', 'pod', 'gated');
    assert.match(got.stdout, /gated\s+0\/1\s+SchedulingGated\s/);

    const added = await suite.kubectl('patch', 'pod', 'gated', '--type=json', '-p', '[{"op":"add","path":"/spec/schedulingGates/-","value":{"name":"x"}}]');
    assert.notEqual(added.code, 0);
    assert.match(added.stderr, /The Pod "gated" is invalid: spec\.schedulingGates\[1\]\.name: Forbidden: only deletion is allowed, but found new scheduling gate 'x'/);

    const removed = await suite.kubectl('patch', 'pod', 'gated', '--type=json', '-p', '[{"op":"remove","path":"/spec/schedulingGates"}]');
    assert.equal(removed.code, 0, removed.stderr);
    const node = await eventually('bound', async () => (await api(suite.stack.url, 'GET', `${NS}/pods/gated`)).body?.spec?.nodeName, 20_000, 50);
    assert.equal(node, 'ks-n1');
  });

  it('kubectl apply refuses an invalid topology spread constraint', async () => {
    const file = join(suite.dir, 'spread.yaml');
    await writeFile(
      file,
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata:',
        '  name: spread',
        'spec:',
        '  topologySpreadConstraints:',
        '  - maxSkew: 0',
        '    topologyKey: zone',
        '    whenUnsatisfiable: Sometimes',
        '  containers:',
        '  - name: c',
        '    image: busybox:1.36',
        '',
      ].join('\n'),
    );
    const r = await suite.kubectl('apply', '-f', file);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.topologySpreadConstraints\[0\]\.maxSkew: Invalid value: 0: must be greater than zero/);
    assert.match(r.stderr, /spec\.topologySpreadConstraints\[0\]\.whenUnsatisfiable: Unsupported value: "Sometimes": supported values: "DoNotSchedule", "ScheduleAnyway"/);
  });
});
