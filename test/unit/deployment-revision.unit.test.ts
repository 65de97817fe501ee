import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  findNewReplicaSet,
  findOldReplicaSets,
  lastRevision,
  maxRevision,
  newReplicaSetAnnotations,
  newReplicaSetFor,
  nextRevision,
} from '../../services/controller-manager/deployment/revision.js';
import { POD_TEMPLATE_HASH_LABEL, podTemplateHash } from '../../services/controller-manager/deployment/hash.js';
import { planRollback, rollbackTo } from '../../services/controller-manager/deployment/rollback.js';
import { deployment, rs, template, time } from './deployment-fixtures.js';

describe('revisions', () => {
  const list = [rs('a', 0, { revision: 3 }), rs('b', 0, { revision: 7 }), rs('c', 0, { annotations: { [REVISION_ANNOTATION]: 'x' } }), rs('d', 0)];
  it('maxRevision skips unparsable ones', () => assert.equal(maxRevision(list), 7));
  it('lastRevision is the second highest', () => assert.equal(lastRevision(list), 3));
  it('nextRevision is max + 1', () => assert.equal(nextRevision(list), 8));
  it('no ReplicaSets: 0 and 1', () => {
    assert.equal(maxRevision([]), 0);
    assert.equal(nextRevision([]), 1);
  });
});

describe('newReplicaSetAnnotations (SetNewReplicaSetAnnotations)', () => {
  const d = deployment({ replicas: 4, maxSurge: 1, maxUnavailable: 1, annotations: { team: 'a', [REVISION_ANNOTATION]: '9', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } });
  it('a ReplicaSet about to be created: copies annotations, revision, replicas annotations', () => {
    const { annotations, changed } = newReplicaSetAnnotations(d, rs('n', 0, { annotations: {} }), 3, false);
    assert.ok(changed);
    assert.deepEqual(annotations, { team: 'a', [REVISION_ANNOTATION]: '3', [DESIRED_REPLICAS_ANNOTATION]: '4', [MAX_REPLICAS_ANNOTATION]: '5' });
  });
  it('an up-to-date new ReplicaSet is unchanged', () => {
    const r = rs('n', 4, { revision: 3, annotations: { team: 'a' } });
    assert.equal(newReplicaSetAnnotations(d, r, 3, true).changed, false);
  });
  it('never lowers a revision', () => {
    const r = rs('n', 4, { revision: 5, annotations: { team: 'a' } });
    const { annotations, changed } = newReplicaSetAnnotations(d, r, 3, true);
    assert.equal(changed, false);
    assert.equal(annotations[REVISION_ANNOTATION], '5');
  });
  it('rolling back to an old ReplicaSet records its old revision in the history', () => {
    const r1 = rs('n', 0, { revision: 1, annotations: { team: 'a' } });
    const a1 = newReplicaSetAnnotations(d, r1, 3, true).annotations;
    assert.equal(a1[REVISION_ANNOTATION], '3');
    assert.equal(a1[REVISION_HISTORY_ANNOTATION], '1');
    const r2 = rs('n', 0, { annotations: a1 });
    const a2 = newReplicaSetAnnotations(d, r2, 5, true).annotations;
    assert.equal(a2[REVISION_ANNOTATION], '5');
    assert.equal(a2[REVISION_HISTORY_ANNOTATION], '1,3');
  });
  it('keeps the history under the character limit by dropping the oldest entries', () => {
    const r = rs('n', 0, { revision: 40, annotations: { [REVISION_HISTORY_ANNOTATION]: '10,20,30' } });
    assert.equal(newReplicaSetAnnotations(d, r, 50, true, 8).annotations[REVISION_HISTORY_ANNOTATION], '20,30,40');
  });
  it('an unparsable revision is left alone', () => {
    const r = rs('n', 0, { annotations: { [REVISION_ANNOTATION]: 'x' } });
    assert.equal(newReplicaSetAnnotations(d, r, 3, true).changed, false);
  });
});

describe('findNewReplicaSet / findOldReplicaSets', () => {
  const d = deployment({ image: 'v2' });
  const v1 = rs('foo-v1', 2, { created: 1, image: 'v1' });
  const v2a = rs('foo-v2a', 1, { created: 3, image: 'v2' });
  const v2b = rs('foo-v2b', 1, { created: 2, image: 'v2' });
  const v0 = rs('foo-v0', 0, { created: 0, image: 'v0' });
  it('picks the oldest ReplicaSet with the Deployment template', () => assert.equal(findNewReplicaSet(d, [v1, v2a, v2b, v0])?.metadata.name, 'foo-v2b'));
  it('ignores the hash label', () => {
    const t = template('v2');
    const hashed = rs('foo-h', 1, { template: { ...t, metadata: { labels: { ...t.metadata!.labels, [POD_TEMPLATE_HASH_LABEL]: 'zzz' } } } });
    assert.equal(findNewReplicaSet(d, [hashed])?.metadata.name, 'foo-h');
  });
  it('old = all others; active = non-zero', () => {
    const { all, active } = findOldReplicaSets(d, [v1, v2a, v2b, v0]);
    assert.deepEqual(all.map((x) => x.metadata.name), ['foo-v1', 'foo-v2a', 'foo-v0']);
    assert.deepEqual(active.map((x) => x.metadata.name), ['foo-v1', 'foo-v2a']);
  });
  it('no new ReplicaSet', () => assert.equal(findNewReplicaSet(deployment({ image: 'v9' }), [v1, v2a]), undefined));
});

describe('newReplicaSetFor', () => {
  it('builds the named, labelled, owned, annotated ReplicaSet', () => {
    const d = deployment({ replicas: 4, maxSurge: '25%', maxUnavailable: '25%', minReadySeconds: 5 });
    const hash = podTemplateHash(d.spec.template);
    const r = newReplicaSetFor(d, hash, 2, time(0), 1);
    assert.equal(r.metadata.name, `foo-${hash}`);
    assert.equal(r.metadata.namespace, 'default');
    assert.equal(r.metadata.creationTimestamp, '2016-05-20T00:00:00Z');
    assert.deepEqual(r.metadata.labels, { app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
    assert.deepEqual(r.spec.selector, { matchLabels: { app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash } });
    assert.deepEqual(r.spec.template.metadata?.labels, { app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
    assert.equal(r.spec.replicas, 1);
    assert.equal(r.spec.minReadySeconds, 5);
    assert.deepEqual(r.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'foo', uid: 'uid-deploy', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(r.metadata.annotations, { [REVISION_ANNOTATION]: '2', [DESIRED_REPLICAS_ANNOTATION]: '4', [MAX_REPLICAS_ANNOTATION]: '5' });
    // the Deployment's own objects are untouched
    assert.deepEqual(d.spec.template.metadata?.labels, { app: 'web' });
  });
});

describe('rollback', () => {
  const owner = deployment({ image: 'v3', annotations: { [REVISION_ANNOTATION]: '3', note: 'now' } });
  const all = [
    rs('foo-1', 0, { revision: 1, image: 'v1', annotations: { note: 'first' } }),
    rs('foo-2', 0, { revision: 2, image: 'v2', annotations: { note: 'second' } }),
    rs('foo-3', 3, { revision: 3, image: 'v3', annotations: { note: 'now' } }),
  ];
  it('0 means the previous revision; template without hash label, annotations from that ReplicaSet', () => {
    const r = planRollback(owner, all, 0);
    assert.equal(r.kind, 'rollback');
    if (r.kind !== 'rollback') return;
    assert.equal(r.revision, 2);
    assert.equal(r.template.spec.containers[0]?.image, 'v2');
    assert.deepEqual(r.annotations, { [REVISION_ANNOTATION]: '3', note: 'second' });
  });
  it('an explicit revision', () => assert.equal(planRollback(owner, all, 1).kind === 'rollback' && planRollback(owner, all, 1).revision, 1));
  it('unknown revision', () => assert.deepEqual(planRollback(owner, all, 9), { kind: 'notFound', revision: 9 }));
  it('the current template', () => assert.deepEqual(planRollback(owner, all, 3), { kind: 'unchanged', revision: 3 }));
  it('nothing to go back to', () => assert.deepEqual(planRollback(owner, [all[2]!], 0), { kind: 'notFound', revision: 0 }));
  it('reads the deprecated annotation', () => {
    assert.equal(rollbackTo(deployment({ annotations: { 'deprecated.deployment.rollback.to': '2' } })), 2);
    assert.equal(rollbackTo(deployment({ annotations: { 'deprecated.deployment.rollback.to': 'x' } })), undefined);
    assert.equal(rollbackTo(deployment()), undefined);
  });
});
