/** The one-line change summary of `jkctl history` and the history API's diff formatting, table-driven. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import jsonpatch from 'fast-json-patch';
import type { EventType, KObject } from '../../shared/resources/meta.js';
import { dotted, show, summarize } from '../../shared/history/summary.js';
import { jsonPatch, revisionDiff, unifiedYamlDiff } from '../../shared/history/diff.js';
import { parseGoDuration, parsePoint, sincePoint } from '../../shared/history/points.js';
import { authorOf } from '../../services/gateway/history/author.js';

const deploy = (replicas: number, images: readonly string[] | string = 'web:v1', extra: { labels?: Record<string, string>; status?: object; rv?: string; generation?: number } = {}): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', resourceVersion: extra.rv ?? '1', generation: extra.generation ?? 1, ...(extra.labels ? { labels: extra.labels } : {}) },
  spec: {
    replicas,
    template: { spec: { containers: (Array.isArray(images) ? images : [images]).map((image, i) => ({ name: i === 0 ? 'web' : `side${i}`, image })) } },
  },
  ...(extra.status ? { status: extra.status } : {}),
});

describe('summarize', () => {
  const cases: readonly (readonly [string, EventType, KObject | undefined, KObject | undefined, string])[] = [
    ['a creation', 'ADDED', undefined, deploy(3), 'created'],
    ['a deletion', 'DELETED', deploy(3), deploy(3), 'deleted'],
    ['a deletion without the previous revision', 'DELETED', undefined, deploy(3), 'deleted'],
    ['a scale', 'MODIFIED', deploy(3), deploy(5, 'web:v1', { generation: 2 }), 'spec.replicas 3→5'],
    ['an image change', 'MODIFIED', deploy(3), deploy(3, 'web:v2'), 'image web:v1→web:v2'],
    ['an image change among several containers', 'MODIFIED', deploy(3, ['web:v1', 'log:v1']), deploy(3, ['web:v1', 'log:v2']), 'image[side1] log:v1→log:v2'],
    ['spec before metadata before status', 'MODIFIED', deploy(3, 'web:v1', { status: { readyReplicas: 1 } }), deploy(4, 'web:v1', { labels: { a: 'b' }, status: { readyReplicas: 2 } }), 'spec.replicas 3→4, metadata.labels.a ∅→b, status.readyReplicas 1→2'],
    ['only the resourceVersion changed', 'MODIFIED', deploy(3, 'web:v1', { rv: '1' }), deploy(3, 'web:v1', { rv: '9' }), 'no change'],
    ['more than three changes', 'MODIFIED', deploy(1, 'a', { status: { x: 1, y: 1, z: 1 } }), deploy(2, 'b', { status: { x: 2, y: 2, z: 2 } }), 'spec.replicas 1→2, image a→b, status.x 1→2, +2 more'],
    ['a label with dots and slashes', 'MODIFIED', deploy(1, 'a', { labels: { 'app.kubernetes.io/name': 'x' } }), deploy(1, 'a', { labels: { 'app.kubernetes.io/name': 'y' } }), 'metadata.labels["app.kubernetes.io/name"] x→y'],
    ['a first status reads as its fields', 'MODIFIED', deploy(3), deploy(3, 'web:v1', { status: { replicas: 3, conditions: [{ type: 'Available' }] } }), 'status.replicas ∅→3, status.conditions ∅→[1]'],
    ['a map removed reads as its fields', 'MODIFIED', deploy(3, 'web:v1', { labels: { a: 'b', c: 'd' } }), deploy(3), 'metadata.labels.a b→∅, metadata.labels.c d→∅'],
    ['a field removed', 'MODIFIED', deploy(1, 'a', { status: { ready: true } }), deploy(1, 'a', { status: {} }), 'status.ready true→∅'],
    ['a MODIFIED without a previous revision reads as a creation', 'MODIFIED', undefined, deploy(1), 'created'],
  ];
  for (const [name, type, prev, next, want] of cases) {
    it(name, () => assert.equal(summarize(type, prev, next), want));
  }
});

describe('show and dotted', () => {
  const values: readonly (readonly [unknown, string])[] = [
    [undefined, '∅'],
    [null, 'null'],
    [3, '3'],
    ['web:v1', 'web:v1'],
    [true, 'true'],
    [[1, 2], '[2]'],
    [{ a: 1 }, '{…}'],
    ['x'.repeat(50), `${'x'.repeat(39)}…`],
  ];
  for (const [v, want] of values) it(`shows ${JSON.stringify(v)} as ${want}`, () => assert.equal(show(v), want));
  const paths: readonly (readonly [string[], string])[] = [
    [['spec', 'replicas'], 'spec.replicas'],
    [['spec', 'containers', '0', 'image'], 'spec.containers[0].image'],
    [['metadata', 'annotations', 'deployment.kubernetes.io/revision'], 'metadata.annotations["deployment.kubernetes.io/revision"]'],
    [[], ''],
  ];
  for (const [segs, want] of paths) it(`writes ${want || '(root)'}`, () => assert.equal(dotted(segs), want));
});

describe('revision diffs', () => {
  it('is a JSON patch that turns from into to (resourceVersion and managedFields left out)', () => {
    const a = { ...deploy(3), metadata: { ...deploy(3).metadata, managedFields: [{ manager: 'kubectl' }] } };
    const b = deploy(5, 'web:v2', { rv: '7', generation: 2 });
    const patch = jsonPatch(a, b);
    assert.ok(patch.every((op) => !op.path.startsWith('/metadata/resourceVersion') && !op.path.startsWith('/metadata/managedFields')));
    const { resourceVersion: _r, ...meta } = b.metadata;
    const { managedFields: _m, resourceVersion: _r2, ...metaA } = a.metadata;
    assert.deepEqual(jsonpatch.applyPatch(structuredClone({ ...a, metadata: metaA }), patch).newDocument, { ...b, metadata: meta });
  });

  const sides: readonly (readonly [string, KObject | undefined, KObject | undefined, unknown])[] = [
    ['creation: the root is added, without its resourceVersion', undefined, deploy(1), [{ op: 'add', path: '', value: { ...deploy(1), metadata: { name: 'web', namespace: 'default', generation: 1 } } }]],
    ['deletion: the root is removed', deploy(1), undefined, [{ op: 'remove', path: '' }]],
    ['nothing on either side', undefined, undefined, []],
    ['equal objects', deploy(1), deploy(1, 'web:v1', { rv: '5' }), []],
  ];
  for (const [name, a, b, want] of sides) it(name, () => assert.deepEqual(jsonPatch(a, b), want));

  it('writes a unified YAML diff with the two labels and 3 lines of context', () => {
    const text = unifiedYamlDiff({ label: 'deployments/web@1', object: deploy(3) }, { label: 'deployments/web@2', object: deploy(5) });
    assert.equal(
      text,
      [
        '--- deployments/web@1',
        '+++ deployments/web@2',
        '@@ -5,7 +5,7 @@',
        '   namespace: default',
        '   generation: 1',
        ' spec:',
        '-  replicas: 3',
        '+  replicas: 5',
        '   template:',
        '     spec:',
        '       containers:',
        '',
      ].join('\n'),
    );
  });

  it('adds every line for a creation and nothing for equal objects', () => {
    const created = revisionDiff({ label: 'a@0', object: undefined }, { label: 'a@1', object: deploy(1) }).unified;
    assert.ok(created.split('\n').filter((l) => l && !l.startsWith('---') && !l.startsWith('+++') && !l.startsWith('@@')).every((l) => l.startsWith('+')));
    assert.equal(unifiedYamlDiff({ label: 'a', object: deploy(1) }, { label: 'b', object: deploy(1, 'web:v1', { rv: '2' }) }), '');
  });
});

describe('points', () => {
  const points: readonly (readonly [string, unknown])[] = [
    ['120', { seq: 120 }],
    ['2026-12-06T18:00:00Z', { time: new Date('2026-12-06T18:00:00Z') }],
    ['2026-12-06T18:00:00.5+01:00', { time: new Date('2026-12-06T17:00:00.500Z') }],
    ['yesterday', undefined],
    ['-1', undefined],
    ['2026-12-06', undefined],
  ];
  for (const [v, want] of points) it(`reads ${v}`, () => assert.deepEqual(parsePoint(v), want));
  const durations: readonly (readonly [string, number | undefined])[] = [
    ['15m', 900_000],
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['500ms', 500],
    ['10', undefined],
    ['5d', undefined],
    ['m', undefined],
    ['1h 2m', undefined],
  ];
  for (const [v, want] of durations) it(`reads the duration ${v}`, () => assert.equal(parseGoDuration(v), want));
  it('puts since back from the clock it is given', () => assert.deepEqual(sincePoint('10m', new Date('2026-12-06T18:10:00Z')), { time: new Date('2026-12-06T18:00:00Z') }));
});

describe('authors from message headers', () => {
  const h = (m: Record<string, string>) => ({ get: (k: string) => m[k] ?? '' });
  const cases: readonly (readonly [string, Record<string, string> | undefined, unknown])[] = [
    ['no headers', undefined, undefined],
    ['headers without an author', { 'Nats-Msg-Id': 'x' }, undefined],
    ['a user', { 'Jetkube-User': 'alice' }, { user: 'alice' }],
    [
      'everything',
      { 'Jetkube-User': 'system:serviceaccount:kube-system:deployment-controller', 'Jetkube-Groups': 'system:serviceaccounts, system:authenticated', 'Jetkube-Field-Manager': 'kube-controller-manager', 'Jetkube-Request-Id': 'r-1' },
      { user: 'system:serviceaccount:kube-system:deployment-controller', groups: ['system:serviceaccounts', 'system:authenticated'], fieldManager: 'kube-controller-manager', requestId: 'r-1' },
    ],
  ];
  for (const [name, headers, want] of cases) it(name, () => assert.deepEqual(authorOf(headers ? h(headers) : undefined), want));
});
