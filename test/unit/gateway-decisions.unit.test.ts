/** The gateway's write decisions, without NATS: creates, updates, deletes and bindings per kind strategy. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bindDecision, decide, deleteDecision, nextFromBody, objectForCreate, type Decision, type DeleteRequest } from '../../services/gateway/decisions.js';
import { resourceByKind } from '../../shared/resources/registry.js';
import { isApiError } from '../../shared/errors.js';
import type { KObject } from '../../shared/resources/meta.js';

const NOW = new Date('2026-12-06T12:00:00Z');
const info = (kind: string) => resourceByKind(kind)!;
const tracking = { manager: 'test', now: NOW };
const pod = (spec: object = {}, meta: object = {}): KObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd', uid: 'u1', ...meta },
  spec: { containers: [{ name: 'c', image: 'i' }], ...spec }, status: { phase: 'Running' },
});
const created = (kind: string, body: KObject) => objectForCreate(info(kind), body, { namespace: body.metadata.namespace ?? '', name: body.metadata.name!, uid: 'u1' }, tracking);
const summary = (d: Decision) => (d.op === 'noop' ? 'noop' : d.type);
const code = (fn: () => unknown) => {
  try {
    fn();
    return 0;
  } catch (e) {
    return isApiError(e) ? e.code : -1;
  }
};

describe('objectForCreate', () => {
  it('drops the status of a kind with a status subresource, keeps a Node\'s, sets generation where the kind has one', () => {
    const p = created('Pod', pod());
    assert.equal(p.status && (p.status as { phase: string }).phase, 'Pending', 'the given status went; the default came');
    assert.equal(p.metadata.generation, 1);
    assert.equal(p.metadata.creationTimestamp, '2026-12-06T12:00:00Z');
    const n = created('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { capacity: { cpu: '2' } } });
    assert.deepEqual((n.status as { allocatable: object }).allocatable, { cpu: '2' });
    const cm = created('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd' }, data: { a: '1' } });
    assert.equal(cm.metadata.generation, undefined);
  });

  it('records the creator in managedFields', () => {
    const cm = created('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd' }, data: { a: '1' } });
    const entries = cm.metadata.managedFields as { manager: string; operation: string }[];
    assert.deepEqual(entries.map((e) => [e.manager, e.operation]), [['test', 'Update']]);
  });

  it('refuses an invalid object with 422', () => {
    assert.equal(code(() => created('Pod', pod({ containers: [] }))), 422);
  });
});

describe('nextFromBody and decide', () => {
  const deploy = (replicas: number, labels: Record<string, string> = {}): KObject =>
    created('Deployment', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', namespace: 'd', labels },
      spec: { replicas, selector: { matchLabels: { app: 'w' } }, template: { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    });
  const D = info('Deployment');

  it('a spec change bumps the generation and keeps the stored status', () => {
    const old = { ...deploy(1), status: { replicas: 1 } };
    const d = nextFromBody(D, old, { ...deploy(3), status: { replicas: 99 } }, undefined, tracking);
    assert.equal(summary(d), 'MODIFIED');
    assert.equal(d.object.metadata.generation, 2);
    assert.deepEqual(d.object.status, { replicas: 1 });
  });

  it('a metadata change keeps the generation; the same object again is a noop', () => {
    const old = deploy(1);
    const d = nextFromBody(D, old, deploy(1, { team: 'a' }), undefined, tracking);
    assert.equal(d.object.metadata.generation, 1);
    assert.equal(summary(nextFromBody(D, old, deploy(1), undefined, tracking)), 'noop');
  });

  it('a status write keeps the spec', () => {
    const old = deploy(1);
    const d = nextFromBody(D, old, { ...deploy(5), status: { replicas: 1 } }, 'status', tracking);
    assert.equal((d.object.spec as { replicas: number }).replicas, 1);
    assert.deepEqual(d.object.status, { replicas: 1 });
    const entries = d.object.metadata.managedFields as { subresource?: string }[];
    assert.ok(entries.some((e) => e.subresource === 'status'));
  });

  it('a scale write changes replicas only, and is recorded as the scale subresource', () => {
    const d = nextFromBody(D, deploy(1), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: {}, spec: { replicas: 4 } }, 'scale', tracking);
    assert.equal((d.object.spec as { replicas: number }).replicas, 4);
    assert.ok((d.object.metadata.managedFields as { subresource?: string }[]).some((e) => e.subresource === 'scale'));
  });

  it('a uid precondition that does not match is a 409', () => {
    const body = { ...deploy(1), metadata: { ...deploy(1).metadata, uid: 'other' } };
    assert.equal(code(() => nextFromBody(D, deploy(1), body, undefined, tracking)), 409);
  });

  it('a finalized object marked for deletion leaves as a tombstone', () => {
    const cm: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd', uid: 'u', deletionTimestamp: '2026-12-06T11:00:00Z', finalizers: ['x/y'] } };
    const d = decide(info('ConfigMap'), cm, { ...cm, metadata: { ...cm.metadata, finalizers: [] } }, tracking);
    assert.equal(summary(d), 'DELETED');
  });

  it('refuses an item of a keyed list without its key (422 at the item), so nothing stored fails a later apply', () => {
    const old = deploy(1);
    let err: unknown;
    try {
      nextFromBody(D, old, { ...old, status: { conditions: [{ status: 'True' }] } }, 'status', tracking);
    } catch (e) {
      err = e;
    }
    assert.ok(isApiError(err) && err.code === 422, String(err));
    assert.deepEqual(err.details?.causes?.map((c) => c.field), ['status.conditions[0]']);
    assert.match(err.message, /omits all key fields \["type"\]/);
    assert.equal(code(() => created('Pod', pod({ containers: [{ image: 'i' }] }))), 422, 'a container without a name: validation says so first');
  });

  it('an old object that cannot be tracked (stored before the check) does not fail an update: managedFields are cleared', () => {
    const old = deploy(1);
    const broken = { ...old, status: { conditions: [{ status: 'True' }] } };
    const d = decide(D, broken, { ...broken, metadata: { ...broken.metadata, labels: { a: 'b' } }, status: { conditions: [{ type: 'Available', status: 'True' }] } }, tracking);
    assert.equal(summary(d), 'MODIFIED');
    assert.equal(d.object.metadata.managedFields, undefined);
  });
});

describe('deleteDecision', () => {
  const req = (over: Partial<DeleteRequest> = {}): DeleteRequest => ({ propagationPolicy: 'Background', ...over });
  const cases: [string, string, KObject, DeleteRequest, string, (o: KObject) => void][] = [
    ['an unscheduled pod goes at once', 'Pod', pod(), req(), 'DELETED', () => {}],
    ['a scheduled pod is marked with its grace period', 'Pod', pod({ nodeName: 'n1' }), req(), 'MODIFIED', (o) => {
      assert.equal(o.metadata.deletionTimestamp, '2026-12-06T12:00:30Z');
      assert.equal(o.metadata.deletionGracePeriodSeconds, 30);
    }],
    ['a scheduled pod with grace 0 goes at once', 'Pod', pod({ nodeName: 'n1' }), req({ gracePeriodSeconds: 0 }), 'DELETED', () => {}],
    ['a marked pod asked again with a longer grace: nothing to do', 'Pod', pod({ nodeName: 'n1' }, { deletionTimestamp: '2026-12-06T12:00:10Z', deletionGracePeriodSeconds: 10 }), req({ gracePeriodSeconds: 20 }), 'noop', () => {}],
    ['a marked pod asked with a shorter grace: marked sooner', 'Pod', pod({ nodeName: 'n1' }, { deletionTimestamp: '2026-12-06T12:00:30Z', deletionGracePeriodSeconds: 30 }), req({ gracePeriodSeconds: 5 }), 'MODIFIED', (o) => assert.equal(o.metadata.deletionTimestamp, '2026-12-06T12:00:05Z')],
    ['a ConfigMap goes at once', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd', uid: 'u1' } }, req(), 'DELETED', () => {}],
    ['a ConfigMap with a finalizer is marked', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd', uid: 'u1', finalizers: ['x/y'] } }, req(), 'MODIFIED', (o) => assert.equal(o.metadata.deletionTimestamp, '2026-12-06T12:00:00Z')],
    ['Foreground adds its finalizer', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd', uid: 'u1' } }, req({ propagationPolicy: 'Foreground' }), 'MODIFIED', (o) => assert.deepEqual(o.metadata.finalizers, ['foregroundDeletion'])],
    ['Orphan adds its finalizer', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd', uid: 'u1' } }, req({ propagationPolicy: 'Orphan' }), 'MODIFIED', (o) => assert.deepEqual(o.metadata.finalizers, ['orphan'])],
    ['a namespace turns Terminating and waits for its finalizer', 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', uid: 'u1' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }, req(), 'MODIFIED', (o) => assert.deepEqual(o.status, { phase: 'Terminating' })],
  ];
  for (const [name, kind, obj, r, want, check] of cases) {
    it(name, () => {
      const d = deleteDecision(info(kind), obj, 7, r, NOW);
      assert.equal(summary(d), want);
      check(d.object);
    });
  }

  it('preconditions: a different uid or resourceVersion is a 409', () => {
    assert.equal(code(() => deleteDecision(info('Pod'), pod(), 7, req({ preconditions: { uid: 'x' } }), NOW)), 409);
    assert.equal(code(() => deleteDecision(info('Pod'), pod(), 7, req({ preconditions: { resourceVersion: '6' } }), NOW)), 409);
    assert.equal(summary(deleteDecision(info('Pod'), pod(), 7, req({ preconditions: { uid: 'u1', resourceVersion: '7' } }), NOW)), 'DELETED');
  });
});

describe('bindDecision', () => {
  it('assigns the node and sets PodScheduled', () => {
    const d = bindDecision(pod(), 'n1', NOW);
    assert.equal((d.object.spec as { nodeName: string }).nodeName, 'n1');
    assert.deepEqual((d.object.status as { conditions: object[] }).conditions, [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-12-06T12:00:00Z' }]);
  });
  it('refuses a pod already assigned or being deleted (409)', () => {
    assert.equal(code(() => bindDecision(pod({ nodeName: 'n0' }), 'n1', NOW)), 409);
    assert.equal(code(() => bindDecision(pod({}, { deletionTimestamp: '2026-12-06T11:00:00Z' }), 'n1', NOW)), 409);
  });
});
