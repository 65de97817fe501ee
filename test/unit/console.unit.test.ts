/** The web console's pure parts (shared/console/): routes, list state, discovery, node allocation. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from '../../shared/resources/types.js';
import { formatHash, parseHash, type Location } from '../../shared/console/route.js';
import { applyChanges, fromList, listAt, objectKey, type Change, type Keyed } from '../../shared/console/list-state.js';
import { collectionPath, listableResources, objectPath, preferredGroupVersions } from '../../shared/console/discovery.js';
import { cpuCell, memoryCell, nodeRows } from '../../shared/console/nodes.js';
import { clampSeq, seqTimeLabel, sliderRange } from '../../shared/console/time-bounds.js';
import { cacheControlFor, consoleFile, contentTypeFor, isConsolePath } from '../../services/gateway/console.js';

describe('console routes', () => {
  const cases: [string, Location][] = [
    ['', { route: { page: 'pods' }, namespace: 'default' }],
    ['#/nodes', { route: { page: 'nodes' }, namespace: 'default' }],
    ['#/pods?ns=', { route: { page: 'pods' }, namespace: '' }],
    ['#/workloads/StatefulSet?ns=prod', { route: { page: 'workloads', kind: 'StatefulSet' }, namespace: 'prod' }],
    ['#/timeline/Deployment/web?ns=default', { route: { page: 'timeline', kind: 'Deployment', name: 'web' }, namespace: 'default' }],
    ['#/object/apis~apps~v1~deployments/web?ns=prod', { route: { page: 'object', apiPath: 'apis/apps/v1/deployments', name: 'web', namespace: 'prod' }, namespace: 'prod' }],
    ['#/object/api~v1~nodes/n1?ns=', { route: { page: 'object', apiPath: 'api/v1/nodes', name: 'n1' }, namespace: '' }],
    ['#/nonsense', { route: { page: 'pods' }, namespace: 'default' }],
  ];
  for (const [hash, want] of cases) {
    it(`parses ${JSON.stringify(hash)}`, () => assert.deepEqual(parseHash(hash), want));
  }
  for (const [hash, loc] of cases.filter(([h]) => h.includes('?'))) {
    it(`formats back to ${hash}`, () => assert.equal(formatHash(loc), hash));
  }
});

describe('console list state', () => {
  const o = (name: string, rv: number, ns = 'default', extra: object = {}): Keyed & { v?: number } => ({ metadata: { name, namespace: ns, resourceVersion: String(rv) }, ...extra });
  const held = fromList([o('a', 5), o('b', 6)]);
  const cases: { name: string; changes: Change<Keyed & { v?: number }>[]; want: string[] | 'same' }[] = [
    { name: 'an ADDED object is held', changes: [{ type: 'ADDED', object: o('c', 7) }], want: ['default/a@5', 'default/b@6', 'default/c@7'] },
    { name: 'MODIFIED replaces', changes: [{ type: 'MODIFIED', object: o('a', 8) }], want: ['default/a@8', 'default/b@6'] },
    { name: 'DELETED removes', changes: [{ type: 'DELETED', object: o('b', 9) }], want: ['default/a@5'] },
    { name: 'a redelivered (older or equal) event changes nothing', changes: [{ type: 'MODIFIED', object: o('a', 5) }, { type: 'DELETED', object: o('b', 4) }], want: 'same' },
    { name: 'deleting what is not held changes nothing', changes: [{ type: 'DELETED', object: o('z', 10) }], want: 'same' },
    { name: 'a batch applies in order', changes: [{ type: 'ADDED', object: o('c', 7) }, { type: 'MODIFIED', object: o('c', 8) }, { type: 'DELETED', object: o('c', 9) }], want: ['default/a@5', 'default/b@6'] },
    { name: 'namespaces keep same names apart', changes: [{ type: 'ADDED', object: o('a', 7, 'other') }], want: ['default/a@5', 'default/b@6', 'other/a@7'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = applyChanges(held, c.changes);
      if (c.want === 'same') return assert.equal(out, held);
      assert.deepEqual([...out.values()].map((x) => `${objectKey(x)}@${x.metadata.resourceVersion}`).sort(), c.want);
    });
  }
  it('cluster-scoped objects are keyed by name', () => assert.equal(objectKey({ metadata: { name: 'n1' } }), 'n1'));
  it('lists at a sequence with an exact resourceVersion match', () => {
    assert.equal(listAt('/api/v1/pods', 12), '/api/v1/pods?resourceVersion=12&resourceVersionMatch=Exact');
    assert.equal(listAt('/api/v1/pods?fieldSelector=x', 3), '/api/v1/pods?fieldSelector=x&resourceVersion=3&resourceVersionMatch=Exact');
  });
});

describe('console discovery', () => {
  const core = {
    groupVersion: 'v1',
    resources: [
      { name: 'pods', kind: 'Pod', namespaced: true, verbs: ['list', 'watch', 'get'] },
      { name: 'pods/log', kind: 'Pod', namespaced: true, verbs: ['get'] },
      { name: 'nodes', kind: 'Node', namespaced: false, verbs: ['list', 'watch'] },
      { name: 'bindings', kind: 'Binding', namespaced: true, verbs: ['create'] },
    ],
  };
  const apps = { groupVersion: 'apps/v1', resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true, verbs: ['list', 'watch'] }] };
  const history = { groupVersion: 'history.jetkube.io/v1', resources: [{ name: 'changes', kind: 'Change', namespaced: true, verbs: ['get', 'list'] }] };
  it('keeps listable kinds without subresources, sorted by kind', () => {
    assert.deepEqual(
      listableResources([core, apps, history]).map((t) => `${t.groupVersion} ${t.plural} ${t.namespaced} ${t.watchable}`),
      ['history.jetkube.io/v1 changes true false', 'apps/v1 deployments true true', 'v1 nodes false true', 'v1 pods true true'],
    );
  });
  it('the first group version naming a kind wins', () => {
    const beta = { groupVersion: 'apps/v1beta1', resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true, verbs: ['list'] }] };
    assert.deepEqual(listableResources([apps, beta]).map((t) => t.groupVersion), ['apps/v1']);
  });
  it('reads each group at its preferred version', () => {
    const groups = { groups: [{ name: 'apps', preferredVersion: { groupVersion: 'apps/v1' }, versions: [{ groupVersion: 'apps/v1' }] }, { name: 'x', versions: [{ groupVersion: 'x/v2' }] }] };
    assert.deepEqual(preferredGroupVersions(groups), ['apps/v1', 'x/v2']);
  });
  const cases: [Parameters<typeof collectionPath>[0], string, string][] = [
    [{ groupVersion: 'v1', plural: 'pods', namespaced: true }, 'default', '/api/v1/namespaces/default/pods'],
    [{ groupVersion: 'v1', plural: 'pods', namespaced: true }, '', '/api/v1/pods'],
    [{ groupVersion: 'v1', plural: 'nodes', namespaced: false }, 'default', '/api/v1/nodes'],
    [{ groupVersion: 'apps/v1', plural: 'deployments', namespaced: true }, 'a b', '/apis/apps/v1/namespaces/a%20b/deployments'],
  ];
  for (const [t, ns, want] of cases) it(`collection path ${want}`, () => assert.equal(collectionPath(t, ns), want));
  it('object paths', () => {
    assert.equal(objectPath({ groupVersion: 'apps/v1', plural: 'deployments', namespaced: true }, 'prod', 'web'), '/apis/apps/v1/namespaces/prod/deployments/web');
    assert.equal(objectPath({ groupVersion: 'v1', plural: 'nodes', namespaced: false }, 'prod', 'n1'), '/api/v1/nodes/n1');
  });
});

describe('console node rows', () => {
  const node = (name: string, cpu: string, memory: string): Node => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: {},
    status: { capacity: { cpu, memory, pods: '110' }, allocatable: { cpu, memory, pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
  } as Node);
  const pod = (name: string, nodeName: string | undefined, cpu: string, memory: string, phase = 'Running'): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'x', resources: { requests: { cpu, memory } } }] },
    status: { phase },
  } as Pod);
  const rows = nodeRows(
    [node('n1', '4', '8Gi'), node('n2', '2', '4Gi')],
    [pod('a', 'n1', '500m', '256Mi'), pod('b', 'n1', '250m', '256Mi'), pod('done', 'n1', '1', '1Gi', 'Succeeded'), pod('pending', undefined, '1', '1Gi'), pod('c', 'n2', '1', '1Gi', 'Failed')],
  );
  const cases: [string, keyof (typeof rows)[number], unknown][] = [
    ['n1', 'requestedMilliCPU', 750],
    ['n1', 'requestedMemory', 512 * 1024 * 1024],
    ['n1', 'podCount', 2],
    ['n1', 'milliCPU', 4000],
    ['n1', 'status', 'Ready'],
    ['n1', 'conditions', 'Ready=True'],
    ['n2', 'requestedMilliCPU', 0],
    ['n2', 'podCount', 0],
    ['n2', 'pods', 110],
  ];
  for (const [n, field, want] of cases) {
    it(`${n}.${field} = ${String(want)}`, () => assert.equal(rows.find((r) => r.name === n)![field], want));
  }
  it('formats cells with their share', () => {
    assert.equal(cpuCell(750, 4000), '750m (19%)');
    assert.equal(memoryCell(512 * 1024 * 1024, 8 * 1024 * 1024 * 1024), '512Mi (6%)');
    assert.equal(cpuCell(0, 0), '0m');
  });
});

describe('console static serving', () => {
  const cases: [string, boolean][] = [
    ['/ui', true],
    ['/ui/', true],
    ['/ui?x=1', true],
    ['/ui/assets/index-abc.js', true],
    ['/uix', false],
    ['/api/v1/ui', false],
  ];
  for (const [url, want] of cases) it(`${url} is ${want ? '' : 'not '}the console`, () => assert.equal(isConsolePath(url), want));
  it('hashed assets are immutable, the rest revalidated', () => {
    assert.equal(cacheControlFor('/assets/index-abc.js'), 'public, max-age=31536000, immutable');
    assert.equal(cacheControlFor('index.html'), 'no-cache');
  });
  const files: [string, string | undefined][] = [
    ['/ui', undefined],
    ['/ui/', undefined],
    ['/ui/pods', 'pods'],
    ['/ui/assets/index-abc.js?v=1', 'assets/index-abc.js'],
    ['/ui/../package.json', undefined],
    ['/ui/assets/../../secret', undefined],
    ['/ui/%2e%2e/package.json', undefined],
    ['/ui/a%5c..%5cb', undefined],
    ['/ui/%E0%A4%A', undefined],
  ];
  for (const [url, want] of files) it(`${url} names ${want ?? 'the index'}`, () => assert.equal(consoleFile(url), want));
  const types: [string, string][] = [
    ['index.html', 'text/html; charset=utf-8'],
    ['assets/index-abc.js', 'text/javascript; charset=utf-8'],
    ['assets/index-abc.css', 'text/css; charset=utf-8'],
    ['favicon.svg', 'image/svg+xml'],
    ['blob.bin', 'application/octet-stream'],
  ];
  for (const [f, want] of types) it(`${f} is ${want}`, () => assert.equal(contentTypeFor(f), want));
});

describe('console time slider', () => {
  it('spans the history bounds: the log\'s first sequence to the newest, never empty', () => {
    const cases: [string, Parameters<typeof sliderRange>[0], { min: number; max: number }][] = [
      ['not loaded yet', undefined, { min: 1, max: 1 }],
      ['an empty log', { first: null, last: null }, { min: 1, max: 1 }],
      ['nothing compacted', { first: { sequence: 1, time: 't1' }, last: { sequence: 40, time: 't40' } }, { min: 1, max: 40 }],
      ['the oldest messages gone', { first: { sequence: 17, time: 't17' }, last: { sequence: 40, time: 't40' } }, { min: 17, max: 40 }],
      ['first beyond the mirrored last', { first: { sequence: 41, time: null }, last: { sequence: 40, time: 't40' } }, { min: 40, max: 40 }],
    ];
    for (const [what, b, want] of cases) assert.deepEqual(sliderRange(b), want, what);
  });

  it('holds a picked sequence inside the range and labels its time', () => {
    const r = { min: 17, max: 40 };
    assert.deepEqual([3, 17, 25, 40, 99].map((v) => clampSeq(v, r)), [17, 17, 25, 40, 40]);
    assert.equal(seqTimeLabel('2026-12-06T18:00:00.123456Z'), '2026-12-06 18:00:00 UTC');
    assert.equal(seqTimeLabel('2026-12-06T18:00:00Z'), '2026-12-06 18:00:00 UTC');
    assert.equal(seqTimeLabel(null), '');
    assert.equal(seqTimeLabel(undefined), '');
  });
});
