/**
 * The StatefulSet planner and its pure helpers, as tables and as short simulated histories (the
 * planner's actions applied to an in-memory namespace, pods made Running and Ready by hand).
 * Cases follow the facts of Kubernetes' stateful_set_control_test.go and stateful_set_utils_test.go.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodTemplateSpec } from '../../shared/resources/types.js';
import {
  POD_INDEX_LABEL,
  POD_NAME_LABEL,
  REVISION_LABEL,
  claimOwnerRefs,
  claimOwnerUpToDate,
  claimsFor,
  defaultStatefulSet,
  identityMatches,
  newStatefulSetPod,
  parentAndOrdinal,
  planStatefulSet,
  resolveRevisions,
  revisionHash,
  revisionName,
  revisionTemplate,
  storageMatches,
  validateStatefulSet,
  validateStatefulSetUpdate,
  validateStatefulSetStatus,
  MAX_UNAVAILABLE_GATE_MESSAGE,
  type ControllerRevision,
  type PersistentVolumeClaim,
  type StatefulSet,
  type StatefulSetAction,
  type StatefulSetPlan,
  type StatefulSetSpec,
} from '../../services/controller-manager/statefulset/index.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const ago = (s: number): string => new Date(NOW.getTime() - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

const template = (image = 'nginx:1.27'): PodTemplateSpec => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'nginx', image }] },
});

function sts(spec: Partial<StatefulSetSpec> = {}, meta: Partial<StatefulSet['metadata']> = {}): StatefulSet {
  return defaultStatefulSet({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'set-uid', generation: 1, resourceVersion: '1', ...meta },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, serviceName: 'nginx', template: template(), ...spec },
  });
}

// ------------------------------------------------------------------------------- a small world

interface World {
  set: StatefulSet;
  pods: Pod[];
  revisions: ControllerRevision[];
  claims: PersistentVolumeClaim[];
}
let seq = 0;
const uid = (p: string) => `${p}-uid-${++seq}`;

function world(set: StatefulSet): World {
  return { set, pods: [], revisions: [], claims: [] };
}

/** Apply the plan's actions as the API would (deletes are immediate unless `graceful`). */
function apply(w: World, plan: StatefulSetPlan, opts: { graceful?: boolean } = {}): World {
  let { set, pods, revisions, claims } = w;
  for (const a of plan.actions) {
    switch (a.type) {
      case 'createRevision':
        revisions = [...revisions, { ...a.revision, metadata: { ...a.revision.metadata, uid: uid('rev'), creationTimestamp: ago(100 - seq) } }];
        break;
      case 'updateRevision':
        revisions = revisions.map((r) => (r.metadata.name === a.name ? a.revision : r));
        break;
      case 'createClaim':
        claims = [...claims, { ...a.claim, metadata: { ...a.claim.metadata, uid: uid('pvc') } }];
        break;
      case 'updateClaim':
        claims = claims.map((c) => (c.metadata.name === a.name ? a.claim : c));
        break;
      case 'createPod':
        assert.ok(!pods.some((p) => p.metadata.name === a.pod.metadata.name), `AlreadyExists: ${a.pod.metadata.name}`);
        pods = [...pods, { ...a.pod, metadata: { ...a.pod.metadata, uid: uid('pod'), resourceVersion: '1' }, status: { phase: 'Pending' } }];
        break;
      case 'updatePod':
        pods = pods.map((p) => (p.metadata.name === a.name ? a.pod : p));
        break;
      case 'deletePod':
        pods = opts.graceful
          ? pods.map((p) => (p.metadata.name === a.name ? { ...p, metadata: { ...p.metadata, deletionTimestamp: ago(0) } } : p))
          : pods.filter((p) => p.metadata.name !== a.name);
        break;
      case 'deleteRevision':
        revisions = revisions.filter((r) => r.metadata.name !== a.name);
        break;
      case 'updateStatus':
        set = { ...set, status: a.status };
        break;
    }
  }
  return { set, pods, revisions, claims };
}

const plan = (w: World, now = NOW) => planStatefulSet(w.set, { pods: w.pods, revisions: w.revisions, claims: w.claims }, now);

function step(w: World, opts: { graceful?: boolean } = {}): { w: World; p: StatefulSetPlan } {
  const p = plan(w);
  return { w: apply(w, p, opts), p };
}

/** Mark pods Running and Ready (ready since `readySince` seconds ago). */
function ready(w: World, names?: readonly string[], readySince = 3600): World {
  return {
    ...w,
    pods: w.pods.map((p) =>
      !names || names.includes(p.metadata.name ?? '')
        ? { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ago(readySince) }] } }
        : p,
    ),
  };
}
const withPhase = (w: World, name: string, phase: 'Failed' | 'Succeeded' | 'Running' | 'Pending'): World => ({
  ...w,
  pods: w.pods.map((p) => (p.metadata.name === name ? { ...p, status: { ...p.status, phase } } : p)),
});
const notReady = (w: World, name: string): World => ({
  ...w,
  pods: w.pods.map((p) => (p.metadata.name === name ? { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } } : p)),
});
const withSpec = (w: World, spec: Partial<StatefulSetSpec>): World => ({
  ...w,
  set: { ...defaultStatefulSet({ ...w.set, spec: { ...w.set.spec, ...spec } }), metadata: { ...w.set.metadata, generation: (w.set.metadata.generation ?? 0) + 1 } },
});

const kinds = (p: StatefulSetPlan) => p.actions.map(describeAction);
function describeAction(a: StatefulSetAction): string {
  switch (a.type) {
    case 'createPod':
      return `createPod ${a.pod.metadata.name}`;
    case 'deletePod':
      return `deletePod ${a.name} (${a.reason})`;
    case 'createClaim':
      return `createClaim ${a.claim.metadata.name}`;
    case 'updateClaim':
      return `updateClaim ${a.name}`;
    case 'updatePod':
      return `updatePod ${a.name}`;
    case 'createRevision':
      return `createRevision ${a.revision.revision}`;
    case 'updateRevision':
      return `updateRevision ${a.name} -> ${a.revision.revision}`;
    case 'deleteRevision':
      return `deleteRevision ${a.name}`;
    case 'updateStatus':
      return 'updateStatus';
  }
}
const names = (w: World) => w.pods.map((p) => p.metadata.name).sort();
const imageOf = (w: World, name: string) => w.pods.find((p) => p.metadata.name === name)?.spec.containers[0]?.image;

/** Run passes, making every pod Ready after each, until a pass plans nothing. */
function converge(w: World, max = 30): World {
  for (let i = 0; i < max; i++) {
    const { w: next, p } = step(w);
    w = ready(next);
    if (p.actions.length === 0) return w;
  }
  assert.fail('did not converge');
}

// ------------------------------------------------------------------------------- identity

describe('statefulset identity', () => {
  it('parent and ordinal from the pod name', () => {
    const cases: [string, string, number][] = [
      ['web-0', 'web', 0],
      ['web-12', 'web', 12],
      ['my-web-3', 'my-web', 3],
      ['web', '', -1],
      ['web-', '', -1],
      ['web-a', '', -1],
      ['web-99999999999', 'web', -1],
    ];
    for (const [name, parent, ordinal] of cases) assert.deepEqual(parentAndOrdinal(name), { parent, ordinal }, name);
  });

  it('a new pod: name, hostname, subdomain, labels, controller, claim volumes before its own', () => {
    const set = sts({
      template: { ...template(), spec: { ...template().spec, volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 'www', emptyDir: {} }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'] } }],
    });
    const pod = newStatefulSetPod(set, set.spec.template, 2, 'web-abc');
    assert.equal(pod.metadata.name, 'web-2');
    assert.equal(pod.metadata.namespace, 'ns');
    assert.equal(pod.spec.hostname, 'web-2');
    assert.equal(pod.spec.subdomain, 'nginx');
    assert.deepEqual(pod.metadata.labels, { app: 'web', [POD_NAME_LABEL]: 'web-2', [POD_INDEX_LABEL]: '2', [REVISION_LABEL]: 'web-abc' });
    assert.deepEqual(pod.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(pod.spec.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-2' } }, { name: 'cfg', configMap: { name: 'c' } }]);
    assert.ok(identityMatches(set, pod));
    assert.ok(storageMatches(set, pod));
    const noService = newStatefulSetPod(sts({ serviceName: '' }), template(), 0, 'r');
    assert.equal(noService.spec.subdomain, undefined);
  });

  it('identityMatches and storageMatches', () => {
    const set = sts({ volumeClaimTemplates: [{ metadata: { name: 'www' } }] });
    const good = newStatefulSetPod(set, set.spec.template, 1, 'r');
    const relabel = (labels: Record<string, string>): Pod => ({ ...good, metadata: { ...good.metadata, labels } });
    const cases: [string, Pod, boolean, boolean][] = [
      ['as built', good, true, true],
      ['another parent', { ...good, metadata: { ...good.metadata, name: 'foo-1' } }, false, true],
      ['another namespace', { ...good, metadata: { ...good.metadata, namespace: 'other' } }, false, true],
      ['no pod-name label', relabel({ [POD_INDEX_LABEL]: '1' }), false, true],
      ['wrong pod-index label', relabel({ [POD_NAME_LABEL]: 'web-1', [POD_INDEX_LABEL]: '7' }), false, true],
      ['no claim volume', { ...good, spec: { ...good.spec, volumes: [] } }, true, false],
      ['claim of another pod', { ...good, spec: { ...good.spec, volumes: [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }] } }, true, false],
      ['an emptyDir in its place', { ...good, spec: { ...good.spec, volumes: [{ name: 'www', emptyDir: {} }] } }, true, false],
    ];
    for (const [what, pod, id, storage] of cases) {
      assert.equal(identityMatches(set, pod), id, `identity: ${what}`);
      assert.equal(storageMatches(set, pod), storage, `storage: ${what}`);
    }
  });

  it('claims: <claim>-<pod>, template labels plus the selector, no owner', () => {
    const set = sts({ volumeClaimTemplates: [{ metadata: { name: 'www', labels: { tier: 'db' } }, spec: { resources: { requests: { storage: '1Gi' } } } }, { metadata: { name: 'logs' } }] });
    const claims = claimsFor(set, 4);
    assert.deepEqual(
      claims.map((c) => [c.metadata.name, c.metadata.namespace, c.metadata.labels, c.metadata.ownerReferences]),
      [
        ['www-web-4', 'ns', { tier: 'db', app: 'web' }, undefined],
        ['logs-web-4', 'ns', { app: 'web' }, undefined],
      ],
    );
    assert.equal((claims[0]!.spec as { volumeMode?: string }).volumeMode, 'Filesystem', 'the defaulted template spec');
  });
});

// ------------------------------------------------------------------------------- revisions

describe('statefulset revisions', () => {
  it('the hash is stable, depends on the template and the collision count; the name is <set>-<hash>', () => {
    const a = revisionHash({ spec: { template: template() } });
    assert.equal(a, revisionHash({ spec: { template: template() } }));
    assert.notEqual(a, revisionHash({ spec: { template: template('nginx:1.28') } }));
    assert.notEqual(a, revisionHash({ spec: { template: template() } }, 1));
    assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(revisionName('web', a), `web-${a}`);
    assert.equal(revisionName('x'.repeat(300), 'h').length, 225);
  });

  it('first revision: created at 1, current = update; its template is the set\'s', () => {
    const set = sts();
    const r = resolveRevisions(set, [], []);
    assert.ok(r.create);
    assert.equal(r.update.revision, 1);
    assert.equal(r.current, r.update);
    assert.equal(r.collisionCount, 0);
    assert.deepEqual(revisionTemplate(r.update), template());
    assert.equal(r.update.metadata.labels?.[REVISION_LABEL], (r.update.metadata.name ?? '').slice('web-'.length));
  });

  it('same template: the latest revision, nothing to write', () => {
    let w = converge(world(sts()));
    const p = plan(w);
    assert.deepEqual(p.actions, []);
    w = withSpec(w, { template: template('nginx:1.28') });
    const { p: p2 } = step(w);
    assert.equal(kinds(p2)[0], 'createRevision 2');
  });

  it('back to an older template: that revision is renumbered, not recreated', () => {
    let w = converge(world(sts({ replicas: 1 })));
    const first = w.set.status!.updateRevision!;
    w = converge(withSpec(w, { template: template('nginx:1.28') }));
    w = withSpec(w, { template: template() });
    const { p } = step(w);
    assert.equal(kinds(p)[0], `updateRevision ${first} -> 3`);
    assert.equal(p.status.updateRevision, first);
  });

  it('a name taken by a different revision bumps collisionCount until free', () => {
    const set = sts();
    const clash = resolveRevisions(set, [], []).create!;
    const squatter: ControllerRevision = { ...clash, metadata: { ...clash.metadata, ownerReferences: [] }, data: { other: true } };
    const r = resolveRevisions(set, [], [squatter]);
    assert.equal(r.collisionCount, 1);
    assert.notEqual(r.update.metadata.name, clash.metadata.name);
    const p = planStatefulSet(set, { pods: [], revisions: [squatter] }, NOW);
    assert.equal(p.status.collisionCount, 1);
  });

  it('history beyond revisionHistoryLimit is deleted, oldest first; live revisions never', () => {
    let w = world(sts({ replicas: 1, revisionHistoryLimit: 1 }));
    w = converge(w);
    const revs: string[] = [w.set.status!.updateRevision!];
    for (const image of ['nginx:1.28', 'nginx:1.29', 'nginx:1.30']) {
      w = converge(withSpec(w, { template: template(image) }));
      revs.push(w.set.status!.updateRevision!);
    }
    // Only the live one (pods, current, update) plus one of history remain.
    assert.deepEqual(w.revisions.map((r) => r.metadata.name).sort(), [revs[2], revs[3]].sort());
  });
});

// ------------------------------------------------------------------------------- pod management

describe('statefulset OrderedReady', () => {
  it('creates one pod at a time, each Running and Ready before the next; status counts them', () => {
    let w = world(sts());
    let r = step(w);
    assert.deepEqual(kinds(r.p), ['createRevision 1', 'createPod web-0', 'updateStatus']);
    w = r.w;
    r = step(w);
    assert.deepEqual(kinds(r.p), ['updateStatus'], 'web-0 Pending: wait');
    assert.equal(r.p.blockedOn, 'waiting for web-0 to be Running and Ready');
    assert.equal(r.p.status.replicas, 1);
    w = ready(r.w, ['web-0']);
    r = step(w);
    assert.deepEqual(kinds(r.p), ['createPod web-1', 'updateStatus']);
    w = ready(r.w);
    r = step(w);
    assert.deepEqual(kinds(r.p), ['createPod web-2', 'updateStatus']);
    w = ready(r.w);
    r = step(w);
    assert.deepEqual(kinds(r.p), ['updateStatus']);
    const rev = r.p.status.updateRevision;
    assert.deepEqual(r.p.status, {
      observedGeneration: 1,
      replicas: 3,
      readyReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
      currentRevision: rev,
      updateRevision: rev,
      collisionCount: 0,
      availableReplicas: 3,
    });
    assert.deepEqual(step(r.w).p.actions, [], 'converged: nothing to write');
  });

  it('minReadySeconds: the next pod waits until the previous is available; requeue after minReadySeconds', () => {
    let w = converge(world(sts({ replicas: 1, minReadySeconds: 10 })));
    w = withSpec(w, { replicas: 2 });
    const fresh = ready(w, undefined, 5);
    const p = plan(fresh);
    assert.equal(kinds(p).includes('createPod web-1'), false);
    assert.equal(p.blockedOn, 'waiting for web-0 to be available (minReadySeconds 10)');
    assert.equal(p.requeueAfterSeconds, 10);
    assert.equal(p.status.readyReplicas, 1);
    assert.equal(p.status.availableReplicas, 0);
    assert.ok(kinds(plan(ready(w, undefined, 20))).includes('createPod web-1'));
  });

  it('a pod not Running and Ready blocks the ones after it, and scale down', () => {
    let w = converge(world(sts()));
    w = notReady(w, 'web-1');
    w = withSpec(w, { replicas: 2 });
    // web-2 is condemned but web-1 (in range) is not ready: processing stops at web-1.
    assert.deepEqual(kinds(plan(w)), ['updateStatus']);
  });

  it('scales down in reverse, one at a time, waiting for each to terminate', () => {
    let w = converge(world(sts({ replicas: 4 })));
    w = withSpec(w, { replicas: 1 });
    let r = step(w, { graceful: true });
    assert.deepEqual(kinds(r.p).filter((k) => k.startsWith('deletePod')), ['deletePod web-3 (scaleDown)']);
    r = step(r.w, { graceful: true });
    assert.deepEqual(kinds(r.p).filter((k) => k.startsWith('deletePod')), [], 'web-3 still terminating');
    assert.equal(r.p.blockedOn, 'waiting for web-3 to terminate before scaling down');
    w = { ...r.w, pods: r.w.pods.filter((p) => p.metadata.name !== 'web-3') };
    r = step(w);
    assert.deepEqual(kinds(r.p).filter((k) => k.startsWith('deletePod')), ['deletePod web-2 (scaleDown)']);
    w = converge(r.w);
    assert.deepEqual(names(w), ['web-0']);
    assert.equal(w.set.status?.replicas, 1);
  });

  it('scale down: an unready condemned pod goes only if it is the first unhealthy one', () => {
    const base = converge(world(sts({ replicas: 4 })));
    // web-2 and web-3 condemned; web-3 healthy, web-2 not: web-3 (healthy) is deleted first.
    let w = withSpec(notReady(base, 'web-2'), { replicas: 2 });
    assert.deepEqual(kinds(plan(w)).filter((k) => k.startsWith('deletePod')), ['deletePod web-3 (scaleDown)']);
    // both unready: web-3 is not the first unhealthy (web-2 is): blocked.
    w = withSpec(notReady(notReady(base, 'web-2'), 'web-3'), { replicas: 2 });
    assert.deepEqual(kinds(plan(w)).filter((k) => k.startsWith('deletePod')), []);
    // only web-3 unready: it is the first unhealthy, so it may go.
    w = withSpec(notReady(base, 'web-3'), { replicas: 2 });
    assert.deepEqual(kinds(plan(w)).filter((k) => k.startsWith('deletePod')), ['deletePod web-3 (scaleDown)']);
  });

  it('a Failed or Succeeded pod is deleted, and recreated on a later pass once gone', () => {
    for (const phase of ['Failed', 'Succeeded'] as const) {
      let w = converge(world(sts()));
      w = withPhase(w, 'web-1', phase);
      let r = step(w, { graceful: true });
      assert.deepEqual(kinds(r.p).filter((k) => k !== 'updateStatus'), ['deletePod web-1 (failed)'], phase);
      r = step(r.w, { graceful: true });
      assert.deepEqual(kinds(r.p).filter((k) => k !== 'updateStatus'), [], `${phase}: deleted already, waiting`);
      w = { ...r.w, pods: r.w.pods.filter((p) => p.metadata.name !== 'web-1') };
      r = step(w);
      assert.deepEqual(kinds(r.p).filter((k) => k !== 'updateStatus'), ['createPod web-1'], phase);
    }
  });

  it('spec.ordinals.start: pods start..start+replicas-1; pods below the range are condemned', () => {
    let w = converge(world(sts({ replicas: 2 })));
    assert.deepEqual(names(w), ['web-0', 'web-1']);
    w = withSpec(w, { ordinals: { start: 5 } });
    let r = step(w);
    assert.deepEqual(kinds(r.p).filter((k) => k !== 'updateStatus'), ['createPod web-5']);
    w = converge(r.w);
    assert.deepEqual(names(w), ['web-5', 'web-6']);
    assert.equal(w.pods.find((p) => p.metadata.name === 'web-6')?.metadata.labels?.[POD_INDEX_LABEL], '6');
    r = step(w);
    assert.deepEqual(r.p.actions, []);
  });

  it('a pod whose identity label was removed is repaired', () => {
    let w = converge(world(sts({ replicas: 1 })));
    w = { ...w, pods: w.pods.map((p) => ({ ...p, metadata: { ...p.metadata, labels: { app: 'web', [REVISION_LABEL]: p.metadata.labels![REVISION_LABEL]! } } })) };
    const p = plan(w);
    assert.deepEqual(kinds(p), ['updatePod web-0']);
    const upd = p.actions[0] as Extract<StatefulSetAction, { type: 'updatePod' }>;
    assert.equal(upd.pod.metadata.labels?.[POD_NAME_LABEL], 'web-0');
    assert.equal(upd.pod.metadata.labels?.[POD_INDEX_LABEL], '0');
  });

  it('pods it does not control, or not named <set>-<n>, are not its own', () => {
    const set = sts({ replicas: 1 });
    const foreign: Pod = { ...newStatefulSetPod(set, set.spec.template, 0, 'r'), metadata: { name: 'web-0', namespace: 'ns', ownerReferences: [] } };
    const misnamed: Pod = { ...newStatefulSetPod(set, set.spec.template, 0, 'r'), metadata: { name: 'other-0', namespace: 'ns', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true }] } };
    const p = planStatefulSet(set, { pods: [foreign, misnamed], revisions: [] }, NOW);
    assert.equal(p.status.replicas, 0);
    assert.ok(kinds(p).includes('createPod web-0'));
  });

  it('a set being deleted whose revision the garbage collector orphaned writes no new revision (no collision count climbing)', () => {
    const w = converge(world(sts()));
    const orphaned = w.revisions.map((r) => ({ ...r, metadata: { ...r.metadata, ownerReferences: [] } }));
    const p = plan({ ...w, revisions: orphaned, set: { ...w.set, metadata: { ...w.set.metadata, deletionTimestamp: ago(1) } } });
    assert.ok(!kinds(p).some((k) => k.startsWith('createRevision') || k.startsWith('updateRevision')), kinds(p).join(', '));
  });

  it('a set being deleted only gets its status', () => {
    const w = converge(world(sts()));
    const p = plan({ ...withSpec(w, { replicas: 1 }), set: { ...withSpec(w, { replicas: 1 }).set, metadata: { ...w.set.metadata, generation: 2, deletionTimestamp: ago(1) } } });
    assert.deepEqual(kinds(p), ['updateStatus']);
    assert.equal(p.status.observedGeneration, 2);
  });
});

describe('statefulset Parallel', () => {
  it('creates all missing pods in one pass and deletes all condemned ones in one pass', () => {
    let w = world(sts({ podManagementPolicy: 'Parallel' }));
    let r = step(w);
    assert.deepEqual(kinds(r.p), ['createRevision 1', 'createPod web-0', 'createPod web-1', 'createPod web-2', 'updateStatus']);
    w = converge(r.w);
    w = withSpec(w, { replicas: 0 });
    r = step(w);
    assert.deepEqual(kinds(r.p).filter((k) => k.startsWith('deletePod')), ['deletePod web-2 (scaleDown)', 'deletePod web-1 (scaleDown)', 'deletePod web-0 (scaleDown)']);
  });

  it('an unready pod does not block the others; a failed one is replaced while others proceed', () => {
    let w = converge(world(sts({ podManagementPolicy: 'Parallel', replicas: 2 })));
    w = withSpec(withPhase(notReady(w, 'web-0'), 'web-0', 'Failed'), { replicas: 3 });
    const r = step(w);
    assert.deepEqual(kinds(r.p).filter((k) => k !== 'updateStatus'), ['deletePod web-0 (failed)', 'createPod web-2']);
  });
});

// ------------------------------------------------------------------------------- updates

describe('statefulset RollingUpdate', () => {
  it('updates from the highest ordinal down, one at a time, waiting for each to be Ready', () => {
    let w = converge(world(sts()));
    const oldRev = w.set.status!.currentRevision;
    w = withSpec(w, { template: template('nginx:1.28') });
    let r = step(w);
    assert.deepEqual(kinds(r.p), ['createRevision 2', 'deletePod web-2 (update)', 'updateStatus']);
    assert.equal(r.p.status.currentRevision, oldRev);
    assert.notEqual(r.p.status.updateRevision, oldRev);
    assert.equal(r.p.status.currentReplicas, 2, 'the deleted pod no longer counts as current');
    r = step(r.w);
    assert.deepEqual(kinds(r.p).filter((k) => k !== 'updateStatus'), ['createPod web-2']);
    assert.equal(imageOf(r.w, 'web-2'), 'nginx:1.28');
    r = step(r.w);
    assert.deepEqual(kinds(r.p).filter((k) => k !== 'updateStatus'), [], 'web-2 not Ready yet: web-1 waits');
    r = step(ready(r.w));
    assert.deepEqual(kinds(r.p).filter((k) => k !== 'updateStatus'), ['deletePod web-1 (update)']);
    w = converge(r.w);
    assert.deepEqual(['web-0', 'web-1', 'web-2'].map((n) => imageOf(w, n)), ['nginx:1.28', 'nginx:1.28', 'nginx:1.28']);
    assert.equal(w.set.status?.currentRevision, w.set.status?.updateRevision, 'completed: current = update');
    assert.equal(w.set.status?.currentReplicas, 3);
    assert.equal(w.set.status?.updatedReplicas, 3);
  });

  it('partition: ordinals below it keep the old revision, even when recreated', () => {
    let w = converge(world(sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } })));
    const oldRev = w.set.status!.currentRevision;
    w = converge(withSpec(w, { template: template('nginx:1.28'), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }));
    assert.deepEqual(['web-0', 'web-1', 'web-2'].map((n) => imageOf(w, n)), ['nginx:1.27', 'nginx:1.27', 'nginx:1.28']);
    assert.equal(w.set.status?.currentRevision, oldRev, 'not complete while pods below the partition are old');
    assert.equal(w.set.status?.updatedReplicas, 1);
    assert.equal(w.set.status?.currentReplicas, 2);
    // web-0 deleted by hand comes back at the current revision.
    w = converge({ ...w, pods: w.pods.filter((p) => p.metadata.name !== 'web-0') });
    assert.equal(imageOf(w, 'web-0'), 'nginx:1.27');
    // lowering the partition continues the rollout.
    w = converge(withSpec(w, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } }));
    assert.deepEqual(['web-0', 'web-1', 'web-2'].map((n) => imageOf(w, n)), ['nginx:1.28', 'nginx:1.28', 'nginx:1.28']);
    assert.equal(w.set.status?.currentRevision, w.set.status?.updateRevision);
  });

  it('partition with ordinals.start counts from the start ordinal', () => {
    let w = converge(world(sts({ ordinals: { start: 3 }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } })));
    w = converge(withSpec(w, { template: template('nginx:1.28') }));
    assert.deepEqual(['web-3', 'web-4', 'web-5'].map((n) => imageOf(w, n)), ['nginx:1.27', 'nginx:1.28', 'nginx:1.28']);
  });

  it('an unhealthy pod at the update revision stops the rollout', () => {
    let w = converge(world(sts()));
    w = withSpec(w, { template: template('nginx:1.28') });
    let r = step(w);
    r = step(r.w); // web-2 recreated at the new revision
    w = ready(r.w);
    w = notReady(w, 'web-2');
    const p = plan(w);
    assert.deepEqual(kinds(p).filter((k) => k !== 'updateStatus'), []);
  });
});

describe('statefulset OnDelete', () => {
  it('never deletes for an update; a pod deleted by hand comes back at the update revision', () => {
    let w = converge(world(sts({ updateStrategy: { type: 'OnDelete' } })));
    w = withSpec(w, { template: template('nginx:1.28'), updateStrategy: { type: 'OnDelete' } });
    let r = step(w);
    assert.deepEqual(kinds(r.p), ['createRevision 2', 'updateStatus']);
    assert.equal(r.p.status.updatedReplicas, undefined);
    assert.equal(r.p.status.currentReplicas, 3);
    w = converge({ ...r.w, pods: r.w.pods.filter((p) => p.metadata.name !== 'web-1') });
    assert.deepEqual(['web-0', 'web-1', 'web-2'].map((n) => imageOf(w, n)), ['nginx:1.27', 'nginx:1.28', 'nginx:1.27']);
    assert.equal(w.set.status?.updatedReplicas, 1);
    assert.notEqual(w.set.status?.currentRevision, w.set.status?.updateRevision, 'OnDelete never completes a rolling update');
  });
});

// ------------------------------------------------------------------------------- claims

describe('statefulset volumeClaimTemplates and retention', () => {
  const claimsOf = (w: World) => w.claims.map((c) => c.metadata.name).sort();

  it('claims are created before their pod and reused after it is replaced', () => {
    let w = world(sts({ replicas: 2, volumeClaimTemplates: [{ metadata: { name: 'www' } }] }));
    const r = step(w);
    assert.deepEqual(kinds(r.p), ['createRevision 1', 'createClaim www-web-0', 'createPod web-0', 'updateStatus']);
    w = converge(r.w);
    assert.deepEqual(claimsOf(w), ['www-web-0', 'www-web-1']);
    w = { ...w, pods: w.pods.filter((p) => p.metadata.name !== 'web-1') };
    assert.deepEqual(kinds(plan(w)).filter((k) => k !== 'updateStatus'), ['createPod web-1'], 'the claim exists: not created again');
  });

  it('a claim being deleted blocks its pod; a Pending pod missing a claim gets it', () => {
    const set = sts({ replicas: 1, volumeClaimTemplates: [{ metadata: { name: 'www' } }] });
    const claim = { ...claimsFor(set, 0)[0]!, metadata: { ...claimsFor(set, 0)[0]!.metadata, deletionTimestamp: ago(1) } };
    const p = planStatefulSet(set, { pods: [], revisions: [], claims: [claim] }, NOW);
    assert.deepEqual(kinds(p).filter((k) => k.includes('Pod') || k.includes('Claim')), []);
    assert.equal(p.blockedOn, 'claim www-web-0 is being deleted');
    let w = step(world(set)).w;
    w = { ...w, claims: [] };
    assert.deepEqual(kinds(plan(w)).filter((k) => k !== 'updateStatus'), ['createClaim www-web-0']);
    // Two templates, one claim being deleted: the Pending pod still gets the other one.
    const two = sts({ replicas: 1, volumeClaimTemplates: [{ metadata: { name: 'www' } }, { metadata: { name: 'logs' } }] });
    w = step(world(two)).w;
    const www = w.claims.find((c) => c.metadata.name === 'www-web-0')!;
    w = { ...w, claims: [{ ...www, metadata: { ...www.metadata, deletionTimestamp: ago(1) } }] };
    assert.deepEqual(kinds(plan(w)).filter((k) => k !== 'updateStatus'), ['createClaim logs-web-0']);
  });

  it('owner references by policy, in range and scaled down', () => {
    const cases: [string, 'Retain' | 'Delete', 'Retain' | 'Delete', boolean, string[]][] = [
      ['retain/retain in range', 'Retain', 'Retain', false, []],
      ['retain/retain scaled down', 'Retain', 'Retain', true, []],
      ['whenDeleted Delete in range', 'Delete', 'Retain', false, ['StatefulSet']],
      ['whenDeleted Delete scaled down', 'Delete', 'Retain', true, ['StatefulSet']],
      ['whenScaled Delete in range', 'Retain', 'Delete', false, []],
      ['whenScaled Delete scaled down', 'Retain', 'Delete', true, ['Pod']],
      ['both Delete in range', 'Delete', 'Delete', false, ['StatefulSet']],
      ['both Delete scaled down', 'Delete', 'Delete', true, ['Pod']],
    ];
    for (const [what, whenDeleted, whenScaled, down, want] of cases) {
      const set = sts({ replicas: 2, volumeClaimTemplates: [{ metadata: { name: 'www' } }], persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled } });
      const pod = { ...newStatefulSetPod(set, set.spec.template, down ? 5 : 1, 'r'), metadata: { ...newStatefulSetPod(set, set.spec.template, down ? 5 : 1, 'r').metadata, uid: 'pod-uid' } };
      const claim = claimsFor(set, down ? 5 : 1)[0]!;
      const refs = claimOwnerRefs(claim, set, pod);
      assert.deepEqual(refs.map((r) => r.kind), want, what);
      assert.ok(refs.every((r) => r.controller === true), `${what}: controller refs`);
      const fixed = { ...claim, metadata: { ...claim.metadata, ownerReferences: refs } };
      assert.equal(claimOwnerUpToDate(fixed, set, pod), true, `${what}: up to date after the fix`);
      assert.equal(claimOwnerUpToDate(claim, set, pod), want.length === 0, `${what}: bare claim`);
    }
  });

  it('another controller keeps the claim; a stale reference (same name, other uid) is left alone', () => {
    const set = sts({ volumeClaimTemplates: [{ metadata: { name: 'www' } }], persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } });
    const pod = { ...newStatefulSetPod(set, set.spec.template, 0, 'r'), metadata: { ...newStatefulSetPod(set, set.spec.template, 0, 'r').metadata, uid: 'pod-uid' } };
    const base = claimsFor(set, 0)[0]!;
    const other = { apiVersion: 'example.com/v1', kind: 'Thing', name: 't', uid: 't-uid', controller: true };
    const mine = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true, blockOwnerDeletion: true };
    const withRefs = (refs: object[]) => ({ ...base, metadata: { ...base.metadata, ownerReferences: refs } }) as PersistentVolumeClaim;
    assert.equal(claimOwnerUpToDate(withRefs([other]), set, pod), true);
    assert.equal(claimOwnerUpToDate(withRefs([other, mine]), set, pod), false, 'our ref next to another controller: removed');
    assert.deepEqual(claimOwnerRefs(withRefs([other, mine]), set, pod), [other]);
    assert.equal(claimOwnerUpToDate(withRefs([{ ...mine, uid: 'old-set-uid' }]), set, pod), true);
    assert.equal(claimOwnerUpToDate(withRefs([{ ...mine, controller: false }]), set, pod), false, 'a non-controller ref of ours is fixed');
  });

  it('whenDeleted Delete: new claims are created controlled by the set', () => {
    const set = sts({ replicas: 1, volumeClaimTemplates: [{ metadata: { name: 'www' } }], persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } });
    const p = planStatefulSet(set, { pods: [], revisions: [] }, NOW);
    const create = p.actions.find((a) => a.type === 'createClaim') as Extract<StatefulSetAction, { type: 'createClaim' }>;
    assert.deepEqual(create.claim.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true, blockOwnerDeletion: true }]);
  });

  it('whenScaled Delete: a condemned pod\'s claim is handed to the pod before the pod is deleted', () => {
    let w = converge(world(sts({ replicas: 2, volumeClaimTemplates: [{ metadata: { name: 'www' } }], persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } })));
    w = withSpec(w, { replicas: 1 });
    const r = step(w);
    assert.deepEqual(kinds(r.p).filter((k) => k !== 'updateStatus'), ['updateClaim www-web-1', 'deletePod web-1 (scaleDown)']);
    const claim = r.w.claims.find((c) => c.metadata.name === 'www-web-1')!;
    const pod = w.pods.find((p) => p.metadata.name === 'web-1')!;
    assert.deepEqual(claim.metadata.ownerReferences?.map((o) => [o.kind, o.uid]), [['Pod', pod.metadata.uid]]);
  });

  it('whenScaled Delete: a claim still owned by an earlier pod of that name blocks the new pod', () => {
    const set = sts({ replicas: 1, volumeClaimTemplates: [{ metadata: { name: 'www' } }], persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } });
    const base = claimsFor(set, 0)[0]!;
    const stale = { ...base, metadata: { ...base.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'web-0', uid: 'old-pod', controller: true }] } };
    const p = planStatefulSet(set, { pods: [], revisions: [], claims: [stale] }, NOW);
    assert.deepEqual(kinds(p).filter((k) => k.includes('Pod') || k.includes('Claim')), []);
    assert.equal(p.blockedOn, 'waiting for the stale claims of web-0 to be deleted');
  });
});

// ------------------------------------------------------------------------------- defaults and validation

describe('statefulset defaults and validation', () => {
  it('defaults', () => {
    const d = defaultStatefulSet({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: template(), volumeClaimTemplates: [{ metadata: { name: 'www' } }] },
    }).spec;
    assert.equal(d.replicas, 1);
    assert.equal(d.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(d.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.equal(d.revisionHistoryLimit, 10);
    assert.deepEqual(d.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.deepEqual(d.volumeClaimTemplates, [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'www' }, spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }]);
    const onDelete = defaultStatefulSet({ ...sts(), spec: { ...sts().spec, updateStrategy: { type: 'OnDelete' } } }).spec;
    assert.deepEqual(onDelete.updateStrategy, { type: 'OnDelete' });
    const half = defaultStatefulSet({ ...sts(), spec: { ...sts().spec, persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete' } } }).spec;
    assert.deepEqual(half.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Delete' });
  });

  it('validation messages', () => {
    const bad = (spec: Partial<StatefulSetSpec>) => validateStatefulSet({ ...sts(), spec: { ...sts().spec, ...spec } as StatefulSetSpec }).map((c) => `${c.field}: ${c.message}`);
    assert.deepEqual(bad({}), []);
    const cases: [Partial<StatefulSetSpec>, string][] = [
      [{ replicas: -1 }, 'spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
      [{ minReadySeconds: -1 }, 'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0'],
      [{ ordinals: { start: -2 } }, 'spec.ordinals.start: Invalid value: -2: must be greater than or equal to 0'],
      [{ podManagementPolicy: 'Sometimes' as never }, 'spec.podManagementPolicy: Invalid value: "Sometimes": must be \'OrderedReady\' or \'Parallel\''],
      [{ podManagementPolicy: '' as never }, 'spec.podManagementPolicy: Required value'],
      [{ updateStrategy: { type: 'Sideways' as never } }, 'spec.updateStrategy: Invalid value: {"type":"Sideways"}: must be \'RollingUpdate\' or \'OnDelete\''],
      [{ updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } }, 'spec.updateStrategy.rollingUpdate: Invalid value: {"partition":1}: only allowed for updateStrategy \'RollingUpdate\''],
      [{ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } }, 'spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0'],
      [{ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 2 } } }, `spec.updateStrategy.rollingUpdate.maxUnavailable: Forbidden: ${MAX_UNAVAILABLE_GATE_MESSAGE}`],
      [{ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep' as never, whenScaled: 'Retain' } }, 'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Delete", "Retain"'],
      [{ selector: { matchLabels: { app: 'other' } } }, 'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`'],
      [{ template: { ...template(), spec: { ...template().spec, restartPolicy: 'Never' } } }, 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
      [{ template: { ...template(), spec: { ...template().spec, activeDeadlineSeconds: 5 } } }, 'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported'],
      [{ volumeClaimTemplates: [{ metadata: {} }] }, 'spec.volumeClaimTemplates[0].metadata.name: Required value: name or generateName is required'],
    ];
    for (const [spec, want] of cases) assert.ok(bad(spec).includes(want), `${want}\n got ${JSON.stringify(bad(spec))}`);
    assert.ok(bad({ selector: {} }).includes('spec.selector: Invalid value: {}: empty selector is invalid for statefulset'));
  });

  it('updates: only replicas, ordinals, template, updateStrategy, revisionHistoryLimit, retention and minReadySeconds may change', () => {
    const old = sts();
    const ok = sts({ replicas: 5, template: template('nginx:1.28'), minReadySeconds: 3, ordinals: { start: 1 }, revisionHistoryLimit: 2, updateStrategy: { type: 'OnDelete' }, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } });
    assert.deepEqual(validateStatefulSetUpdate(ok, old), []);
    for (const spec of [{ serviceName: 'other' }, { podManagementPolicy: 'Parallel' as const }, { volumeClaimTemplates: [{ metadata: { name: 'x' } }] }]) {
      const causes = validateStatefulSetUpdate(sts(spec), old);
      assert.deepEqual(
        causes.map((c) => `${c.field}: ${c.message}`),
        ["spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"],
        JSON.stringify(spec),
      );
    }
  });

  it('status validation', () => {
    assert.deepEqual(validateStatefulSetStatus({ replicas: 3, readyReplicas: 3, availableReplicas: 2 }), []);
    const msgs = validateStatefulSetStatus({ replicas: 1, readyReplicas: 2, availableReplicas: 3, currentReplicas: -1 }).map((c) => `${c.field}: ${c.message}`);
    assert.deepEqual(msgs.sort(), [
      'status.availableReplicas: Invalid value: 3: cannot be greater than status.readyReplicas',
      'status.availableReplicas: Invalid value: 3: cannot be greater than status.replicas',
      'status.currentReplicas: Invalid value: -1: must be greater than or equal to 0',
      'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
    ]);
  });
});
