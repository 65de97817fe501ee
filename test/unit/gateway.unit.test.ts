import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePath } from '../../services/gateway/paths.js';
import { applyPatch, patchTypeOf, type PatchType } from '../../services/gateway/patch.js';
import { patchSchemaForKind } from '../../shared/patch/patch-schema.js';
import { SelectorFilter } from '../../services/gateway/watch.js';
import { decodeToken, encodeToken, parseResourceSubject, resourceSubject } from '../../shared/eventlog/subjects.js';
import { isApiError } from '../../shared/errors.js';
import type { KObject } from '../../shared/resources/meta.js';

describe('REST paths', () => {
  const cases: [string, string | undefined][] = [
    ['/api/v1/pods', 'pods  - -'],
    ['/api/v1/namespaces/default/pods', 'pods default - -'],
    ['/api/v1/namespaces/default/pods/web-1', 'pods default web-1 -'],
    ['/api/v1/namespaces/default/pods/web-1/status', 'pods default web-1 status'],
    ['/api/v1/namespaces/default/pods/web-1/binding', 'pods default web-1 binding'],
    ['/api/v1/namespaces', 'namespaces  - -'],
    ['/api/v1/namespaces/default', 'namespaces  default -'],
    ['/api/v1/namespaces/default/status', 'namespaces  default status'],
    ['/api/v1/namespaces/default/finalize', 'namespaces  default finalize'],
    ['/api/v1/nodes/n1', 'nodes  n1 -'],
    ['/apis/apps/v1/namespaces/x/deployments/web/scale', 'deployments x web scale'],
    ['/apis/apps/v1/deployments', 'deployments  - -'],
    ['/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1', 'leases kube-node-lease n1 -'],
    ['/api/v1/pods/web', undefined], // namespaced kinds have no cluster-scoped item path
    ['/api/v1/namespaces/default/nodes', undefined], // nodes are cluster-scoped
    ['/apis/apps/v1/namespaces/default/pods', undefined], // wrong group
    ['/apis/example.com/v1/widgets', undefined],
    ['/api/v2/pods', undefined],
    ['/api/v1/namespaces/default/pods/a/b/c', undefined],
    ['/api/v1/namespaces/default/pods/%E0%A4%A', 'invalid'], // broken percent-encoding: a 400
    ['/api/v1/namespaces/default/pods/%FF', 'invalid'], // not UTF-8
    ['/api/v1/namespaces/de%00fault/pods', 'invalid'], // a NUL
    ['/api/v1/namespaces/default/pods/a%2Bb+c', 'pods default a+b+c -'], // '+' is not a space in a path
  ];
  for (const [path, want] of cases) {
    it(`${path} → ${want ?? 'not found'}`, () => {
      const p = parsePath(path);
      if (want === undefined) return assert.equal(p.type, 'notfound');
      if (want === 'invalid') return assert.equal(p.type, 'invalid');
      assert.equal(p.type, 'resource');
      if (p.type !== 'resource') return;
      const t = p.target;
      assert.equal(`${t.info.plural} ${t.namespace} ${t.name ?? '-'} ${t.subresource ?? '-'}`, want);
    });
  }
});

describe('subjects', () => {
  it('encodes dots so a name cannot split the subject, and round-trips', () => {
    for (const name of ['web', 'web.example.com', 'a-b.c-d', 'Evil Name/..*>', 'ünïcode']) {
      const t = encodeToken(name);
      assert.ok(!/[.*> ]/.test(t), t);
      assert.equal(decodeToken(t), name);
    }
    const s = resourceSubject('jk', 'nodes', undefined, 'node-1.local');
    assert.equal(s, 'jk.res.nodes._.node-1_local');
    assert.deepEqual(parseResourceSubject('jk', s), { plural: 'nodes', namespace: '', name: 'node-1.local' });
    assert.deepEqual(parseResourceSubject('jk', 'jk.res.pods.default.web'), { plural: 'pods', namespace: 'default', name: 'web' });
    assert.equal(parseResourceSubject('jk', 'jk.alloc.ips.x'), undefined);
  });
});

const podSchema = patchSchemaForKind('', 'v1', 'Pod');
const applyPod = (type: PatchType, target: unknown, patch: unknown) => applyPatch(type, target, patch, podSchema);

describe('patches', () => {
  const base = {
    metadata: { name: 'web', labels: { a: '1', b: '2' } },
    spec: { containers: [{ name: 'a', image: 'x:1', env: [{ name: 'E', value: '1' }] }, { name: 'b', image: 'y:1' }], replicas: 1 },
  };

  it('maps content types', () => {
    assert.equal(patchTypeOf('application/merge-patch+json; charset=utf-8'), 'merge');
    assert.equal(patchTypeOf('application/json-patch+json'), 'json');
    assert.equal(patchTypeOf('application/strategic-merge-patch+json'), 'strategic');
    assert.equal(patchTypeOf('application/json'), undefined);
  });

  it('merge patch (RFC 7386): null deletes, lists replace', () => {
    const out = applyPod('merge', base, { metadata: { labels: { a: null, c: '3' } }, spec: { containers: [{ name: 'z', image: 'z' }] } }) as typeof base;
    assert.deepEqual(out.metadata.labels, { b: '2', c: '3' });
    assert.deepEqual(out.spec.containers, [{ name: 'z', image: 'z' }]);
    assert.equal(base.metadata.labels.a, '1', 'input untouched');
  });

  it('strategic merge patch merges named lists by key and honours $patch', () => {
    const out = applyPod('strategic', base, { spec: { containers: [{ name: 'b', image: 'y:2' }, { name: 'c', image: 'c:1' }] } }) as typeof base;
    assert.deepEqual(out.spec.containers.map((c) => `${c.name}=${c.image}`), ['a=x:1', 'b=y:2', 'c=c:1']);
    assert.deepEqual(out.spec.containers[0]!.env, [{ name: 'E', value: '1' }]);
    const del = applyPod('strategic', base, { spec: { containers: [{ name: 'a', $patch: 'delete' }] } }) as typeof base;
    assert.deepEqual(del.spec.containers.map((c) => c.name), ['b']);
    const rep = applyPod('strategic', base, { metadata: { labels: { $patch: 'replace', only: 'me' } } }) as typeof base;
    assert.deepEqual(rep.metadata.labels, { only: 'me' });
    // Deleting from a list the object does not have drops the directive, leaving an empty list
    // (which the write path then omits, as the apiserver's Go types do).
    const gone = applyPod('strategic', base, { metadata: { ownerReferences: [{ uid: 'x', $patch: 'delete' }] } }) as KObject;
    assert.deepEqual(gone.metadata.ownerReferences, []);
    const added = applyPod('strategic', base, { metadata: { ownerReferences: [{ uid: 'x', name: 'o', kind: 'K', apiVersion: 'v1' }] } }) as KObject;
    assert.deepEqual(added.metadata.ownerReferences, [{ uid: 'x', name: 'o', kind: 'K', apiVersion: 'v1' }]);
  });

  it('JSON patch (RFC 6902): applies, 422 on an unresolvable path, 400 on a malformed patch', () => {
    const out = applyPod('json', base, [{ op: 'replace', path: '/spec/replicas', value: 3 }, { op: 'add', path: '/metadata/labels/z', value: '9' }]) as typeof base;
    assert.equal(out.spec.replicas, 3);
    assert.equal((out.metadata.labels as Record<string, string>).z, '9');
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return isApiError(e) ? e.code : -1;
      }
      return 0;
    };
    assert.equal(err(() => applyPod('json', base, [{ op: 'remove', path: '/spec/nothing' }])), 422);
    assert.equal(err(() => applyPod('json', base, [{ op: 'test', path: '/spec/replicas', value: 9 }])), 422);
    assert.equal(err(() => applyPod('json', base, { op: 'add' })), 400);
    assert.equal(err(() => applyPod('json', base, [{ op: 'frobnicate', path: '/x' }])), 400);
    assert.equal(err(() => applyPod('json', base, [{ op: 'add', path: '/__proto__/polluted', value: 1 }])), 400);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('watch selector transitions', () => {
  const obj = (name: string, labels: Record<string, string>): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'd', labels } });
  const req = [{ key: 'app', operator: 'In' as const, values: ['web'] }];

  it('passes events through when there is no selector', () => {
    const f = new SelectorFilter([], [], undefined);
    assert.equal(f.apply('MODIFIED', obj('a', {})), 'MODIFIED');
    assert.equal(f.apply('DELETED', obj('a', {})), 'DELETED');
  });

  it('after a list, turns entering and leaving the selection into ADDED and DELETED', () => {
    const f = new SelectorFilter(req, [], [obj('a', { app: 'web' })]);
    assert.equal(f.apply('MODIFIED', obj('a', { app: 'web' })), 'MODIFIED');
    assert.equal(f.apply('MODIFIED', obj('a', { app: 'db' })), 'DELETED');
    assert.equal(f.apply('MODIFIED', obj('a', { app: 'db' })), undefined);
    assert.equal(f.apply('MODIFIED', obj('a', { app: 'web' })), 'ADDED');
    assert.equal(f.apply('ADDED', obj('b', { app: 'db' })), undefined);
    assert.equal(f.apply('MODIFIED', obj('b', { app: 'web' })), 'ADDED');
    assert.equal(f.apply('DELETED', obj('b', { app: 'web' })), 'DELETED');
    assert.equal(f.apply('DELETED', obj('c', { app: 'web' })), undefined, 'never seen matching: nothing to delete');
  });

  it('resuming from a resourceVersion, keeps the type for objects it has not seen', () => {
    const f = new SelectorFilter(req, [], undefined);
    assert.equal(f.apply('MODIFIED', obj('a', { app: 'web' })), 'MODIFIED');
    assert.equal(f.apply('MODIFIED', obj('a', { app: 'db' })), 'DELETED');
    assert.equal(f.apply('DELETED', obj('c', { app: 'web' })), 'DELETED');
    assert.equal(f.apply('DELETED', obj('d', { app: 'db' })), undefined);
  });
});
