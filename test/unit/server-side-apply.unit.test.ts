/**
 * Server-side apply's pure core on Kubernetes' real schemas. Expected outputs are Kubernetes'
 * answers: the FieldsV1 bytes kube-apiserver writes, structured-merge-diff's ownership results
 * (its merge tests, replayed on a Deployment: its `list` keyed by name is `containers`, a nested
 * keyed list is a container's `env`), apimachinery's field manager (before-first-apply, stripped
 * fields, entry identity, order and capping) and the Server-Side Apply documentation (conflict
 * messages, shared ownership, hand-over of `replicas`).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyObject, ApplyError, conflictMessage, decodeManagedFields, encodeManagedFields, FieldSet, fieldEl, fieldsOf,
  fieldsV1Json, FieldsV1Error, fromFieldsV1, keepTimesOfNoOpWrite, keyEl, makePath, managerIdentifier, managerOrUserAgent, mergeValues,
  parentEntriesFromScale, pathString, resetFieldsFor, scaleEntriesFromParent, sortEntries, toFieldsV1, typeOf, typeOfKind, updateObject, valueEl, indexEl,
  type ApplyResult, type ManagedFieldsEntry, type Path, type Type,
} from '../../shared/apply/index.js';

type Obj = Record<string, unknown>;

const DEPLOYMENT = typeOfKind('apps', 'v1', 'Deployment');
const POD = typeOfKind('', 'v1', 'Pod');
const NO_SCHEMA = typeOf(undefined);
const STATUS = FieldSet.of([fieldEl('status')]);
const SPEC = FieldSet.of([fieldEl('spec')]);
const T0 = Date.parse('2024-05-01T10:00:00Z');

const paths = (set: FieldSet): string[] => set.sortedPaths().map(pathString);
const C = (name: string) => keyEl({ name });

// --------------------------------------------------------------------------------- FieldsV1

interface EncodingCase {
  readonly name: string;
  readonly paths: Path[];
  readonly json: string;
}

const ENCODING: EncodingCase[] = [
  { name: 'empty set', paths: [], json: '{}' },
  { name: 'a leaf field', paths: [makePath('spec', 'replicas')], json: '{"f:spec":{"f:replicas":{}}}' },
  {
    name: 'fields sorted bytewise (upper case first)',
    paths: [makePath('data', 'b'), makePath('data', 'a'), makePath('data', 'Z')],
    json: '{"f:data":{"f:Z":{},"f:a":{},"f:b":{}}}',
  },
  {
    name: 'a map-list item owned whole and field by field carries "."',
    paths: [makePath('spec', 'containers', C('nginx')), makePath('spec', 'containers', C('nginx'), 'image'), makePath('spec', 'containers', C('nginx'), 'name')],
    json: '{"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:name":{}}}}}',
  },
  {
    name: 'key fields sorted by name, numbers unquoted',
    paths: [makePath('ports', keyEl({ protocol: 'TCP', containerPort: 80 }))],
    json: '{"f:ports":{"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{}}}',
  },
  {
    name: 'set items by value: strings, numbers, booleans',
    paths: [makePath('x', valueEl('foregroundDeletion')), makePath('x', valueEl(3)), makePath('x', valueEl(3.1415)), makePath('x', valueEl(false))],
    json: '{"f:x":{"v:3":{},"v:3.1415":{},"v:\\"foregroundDeletion\\"":{},"v:false":{}}}',
  },
  {
    name: 'fields before keys before values before indexes',
    paths: [makePath(indexEl(5), 'i'), makePath(valueEl('a')), makePath(keyEl({ name: 'a' })), makePath('f')],
    json: '{"f:f":{},"k:{\\"name\\":\\"a\\"}":{},"v:\\"a\\"":{},"i:5":{"f:i":{}}}',
  },
  {
    name: 'JSON inside keys uses Go\'s HTML-safe escapes; field names are written as they are',
    paths: [makePath('list', keyEl({ name: 'a<b>&c' })), makePath('a<b')],
    json: '{"f:a<b":{},"f:list":{"k:{\\"name\\":\\"a\\\\u003cb\\\\u003e\\\\u0026c\\"}":{}}}',
  },
  {
    name: 'a member that also has children, at the top of a field',
    paths: [makePath('metadata', 'labels'), makePath('metadata', 'labels', 'app')],
    json: '{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}',
  },
];

describe('server-side apply: FieldsV1 encoding (exact bytes)', () => {
  for (const c of ENCODING) {
    it(c.name, () => {
      const set = FieldSet.of(...c.paths);
      assert.equal(fieldsV1Json(set), c.json);
      assert.equal(JSON.stringify(toFieldsV1(set)), JSON.stringify(JSON.parse(c.json)), 'the object form keeps the order');
      assert.ok(fromFieldsV1(c.json).equals(set), 'decoding gives the set back');
    });
  }

  // apimachinery's TestRoundTripManagedFields documents, as JSON.
  const ROUND_TRIPS: unknown[] = [
    { 'v:3': { 'f:alsoPi': {} }, 'v:3.1415': { 'f:pi': {} }, 'v:false': { 'f:notTrue': {} } },
    { 'i:5': { 'f:i': {} } },
    { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { 'f:image': {}, 'f:name': {} } } } },
    {
      'f:apiVersion': {}, 'f:kind': {},
      'f:metadata': { 'f:labels': { 'f:app': {} }, 'f:name': {} },
      'f:spec': {
        'f:replicas': {}, 'f:selector': { 'f:matchLabels': { 'f:app': {} } },
        'f:template': {
          'f:medatada': { 'f:labels': { 'f:app': {} } },
          'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'i:0': { 'f:containerPort': {} } } } } },
        },
      },
    },
  ];
  for (const [i, doc] of ROUND_TRIPS.entries()) {
    it(`Kubernetes' document ${i + 1} round-trips`, () => {
      assert.equal(fieldsV1Json(fromFieldsV1(doc)), JSON.stringify(doc));
    });
  }

  it('a key of an unknown type is dropped, as Kubernetes drops it', () => {
    assert.deepEqual(paths(fromFieldsV1({ 'f:a': {}, 'x:future': {}, 'f:b': { 'z:': {} } })), ['.a', '.b']);
  });

  const MALFORMED: [string, unknown, RegExp][] = [
    ['not JSON', '{"f:a": ', /invalid FieldsV1 JSON/],
    ['a list at the top', [], /expected a JSON object, got an array/],
    ['a value that is not an object', { 'f:a': true }, /"f:a": expected a JSON object, got boolean/],
    ['a key without its colon', { 'fa': {} }, /"fa": missing colon/],
    ['a one-character key', { 'f': {} }, /key must be 2 characters long/],
    ['a map-list key that is not JSON', { 'k:{name}': {} }, /invalid path element "k:\{name\}"/],
    ['a map-list key that is not an object', { 'k:[1]': {} }, /a key must be a JSON object/],
    ['an index that is not a number', { 'i:one': {} }, /an index must be an integer/],
  ];
  for (const [name, doc, err] of MALFORMED) {
    it(`rejects ${name}`, () => {
      assert.throws(() => fromFieldsV1(doc), (e: unknown) => e instanceof FieldsV1Error && err.test(e.message));
    });
  }

  it('paths print as in Kubernetes\' messages', () => {
    assert.equal(pathString(makePath('spec', 'template', 'spec', 'containers', C('nginx'), 'image')), '.spec.template.spec.containers[name="nginx"].image');
    assert.equal(pathString(makePath('ports', keyEl({ protocol: 'TCP', containerPort: 80 }))), '.ports[containerPort=80,protocol="TCP"]');
    assert.equal(pathString(makePath('metadata', 'finalizers', valueEl('a'))), '.metadata.finalizers[="a"]');
    assert.equal(pathString(makePath('args', indexEl(0))), '.args[0]');
  });
});

describe('server-side apply: field set operations', () => {
  const a = makePath('a');
  const ab = makePath('a', 'b');
  const ac = makePath('a', 'c');
  const d = makePath('d');

  it('difference removes exact paths; recursive difference also what is under a member', () => {
    assert.deepEqual(paths(FieldSet.of(a, ab, d).difference(FieldSet.of(a))), ['.a.b', '.d']);
    assert.deepEqual(paths(FieldSet.of(a, ab, d).recursiveDifference(FieldSet.of(a))), ['.d']);
  });

  it('union and intersection; has, size, emptiness', () => {
    const u = FieldSet.of(ab).union(FieldSet.of(a, ac));
    assert.deepEqual(paths(u), ['.a', '.a.b', '.a.c']);
    assert.equal(u.size(), 3);
    assert.ok(u.has(ab) && !u.has(d) && !u.has([]));
    assert.deepEqual(paths(u.intersection(FieldSet.of(ac, d))), ['.a.c']);
    assert.ok(FieldSet.of(ab).intersection(FieldSet.of(ac)).isEmpty());
  });

  it('paths come members first, then children, each level in Kubernetes\' order', () => {
    const s = FieldSet.of(makePath('b', 'x'), makePath('a', C('z')), makePath('a', 'y'), makePath('c'));
    assert.deepEqual(s.paths().map(pathString), ['.c', '.a.y', '.a[name="z"]', '.b.x']);
  });

  it('results share nothing with their inputs', () => {
    const x = FieldSet.of(ab);
    const u = x.union(FieldSet.of(d));
    u.insert(ac);
    assert.deepEqual(paths(x), ['.a.b']);
  });
});

// --------------------------------------------------------------------------------- fieldsOf

const podSpec = (spec: Obj, meta: Obj = {}): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...meta }, spec });

interface FieldsCase {
  readonly name: string;
  readonly type: Type;
  readonly value: Obj;
  readonly fieldsV1?: unknown;
  readonly error?: RegExp;
}

const FIELDS: FieldsCase[] = [
  {
    name: 'containers: a map list by name; args: an atomic list is one leaf; ports: keyed by port and protocol, the protocol defaulted',
    type: POD,
    value: podSpec({ containers: [{ name: 'app', image: 'nginx', args: ['-g', 'daemon off;'], ports: [{ containerPort: 80 }] }] }),
    fieldsV1: {
      'f:apiVersion': {}, 'f:kind': {}, 'f:metadata': { 'f:name': {} },
      'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:args': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } } } },
    },
  },
  {
    name: 'finalizers: a set of values; labels: a granular map, key by key',
    type: POD,
    value: podSpec({}, { finalizers: ['b.example.com/x', 'a.example.com/y'], labels: { app: 'web', tier: 'fe' } }),
    fieldsV1: {
      'f:apiVersion': {}, 'f:kind': {},
      'f:metadata': { 'f:finalizers': { 'v:"a.example.com/y"': {}, 'v:"b.example.com/x"': {} }, 'f:labels': { 'f:app': {}, 'f:tier': {} }, 'f:name': {} },
      'f:spec': {},
    },
  },
  {
    name: 'atomic maps (nodeSelector, a LabelSelector) are leaves; an empty struct and a null are members; [] in a set owns nothing',
    type: DEPLOYMENT,
    value: {
      spec: {
        selector: { matchLabels: { app: 'web' } }, strategy: {}, paused: null,
        template: { metadata: { finalizers: [] }, spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'a' }] } },
      },
    },
    fieldsV1: {
      'f:spec': {
        'f:paused': {}, 'f:selector': {}, 'f:strategy': {},
        'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:name': {} } }, 'f:nodeSelector': {} } },
      },
    },
  },
  {
    name: 'without a schema (a CustomResource), maps are granular and each key is also a member; lists are atomic',
    type: NO_SCHEMA,
    value: { spec: { size: 3, tags: ['a', 'b'], nested: { x: 1 } } },
    fieldsV1: { 'f:spec': { '.': {}, 'f:nested': { '.': {}, 'f:x': {} }, 'f:size': {}, 'f:tags': {} } },
  },
  {
    name: 'an applied map-list item without its key is an error',
    type: POD,
    value: podSpec({ containers: [{ image: 'nginx' }] }),
    error: /^\.spec\.containers: element 0: associative list with keys has an element that omits all key fields \["name"\]/,
  },
  {
    name: 'two applied items with the same key are an error',
    type: POD,
    value: podSpec({ containers: [{ name: 'a' }, { name: 'a', image: 'x' }] }),
    error: /^\.spec\.containers: duplicate entries for key \[name="a"\]/,
  },
  {
    name: 'a field the schema does not declare is an error',
    type: DEPLOYMENT,
    value: { spec: { replicaz: 3 } },
    error: /^\.spec\.replicaz: field not declared in schema/,
  },
];

describe('server-side apply: the fields an applied configuration specifies', () => {
  for (const c of FIELDS) {
    it(c.name, () => {
      if (c.error) {
        assert.throws(() => fieldsOf(c.value, c.type, { strict: true }), (e: unknown) => e instanceof ApplyError && c.error!.test(e.message));
      } else {
        assert.equal(fieldsV1Json(fieldsOf(c.value, c.type, { strict: true })), JSON.stringify(c.fieldsV1));
      }
    });
  }
});

// --------------------------------------------------------------------------------- merge

interface MergeCase {
  readonly name: string;
  readonly live: Obj;
  readonly applied: Obj;
  readonly want: Obj;
}
const tmpl = (containers: Obj[], extra: Obj = {}): Obj => ({ spec: { template: { spec: { containers, ...extra } } } });

const MERGES: MergeCase[] = [
  {
    name: 'map-list items merge by key; items only in the live list keep their place',
    live: tmpl([{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }, { name: 'c', image: 'c:1' }]),
    applied: tmpl([{ name: 'c', image: 'c:2' }, { name: 'd', image: 'd:1' }]),
    want: tmpl([{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }, { name: 'c', image: 'c:2' }, { name: 'd', image: 'd:1' }]),
  },
  {
    name: 'a new item the applier puts before a shared one lands before it',
    live: tmpl([{ name: 'a' }, { name: 'b' }, { name: 'c' }]),
    applied: tmpl([{ name: 'd' }, { name: 'a' }]),
    want: tmpl([{ name: 'd' }, { name: 'a' }, { name: 'b' }, { name: 'c' }]),
  },
  {
    name: 'atomic lists and atomic maps are replaced, granular maps merged, sets unioned',
    live: { metadata: { labels: { app: 'web' }, finalizers: ['x', 'y'] }, ...tmpl([{ name: 'a', args: ['1', '2'] }], { nodeSelector: { disk: 'ssd', zone: 'a' } }) },
    applied: { metadata: { labels: { tier: 'fe' }, finalizers: ['z', 'x'] }, ...tmpl([{ name: 'a', args: ['3'] }], { nodeSelector: { zone: 'b' } }) },
    want: { metadata: { labels: { app: 'web', tier: 'fe' }, finalizers: ['z', 'x', 'y'] }, ...tmpl([{ name: 'a', args: ['3'] }], { nodeSelector: { zone: 'b' } }) },
  },
];

describe('server-side apply: merging an applied configuration into the live object', () => {
  for (const c of MERGES) {
    it(c.name, () => {
      const before = structuredClone(c.live);
      assert.deepEqual(mergeValues(c.live, c.applied, DEPLOYMENT), c.want);
      assert.deepEqual(c.live, before, 'the live object is not modified');
    });
  }
});

// --------------------------------------------------------------------------------- scenarios

type Op =
  | { readonly apply: string; readonly obj: Obj; readonly force?: boolean; readonly conflict?: string }
  | { readonly update: string; readonly obj: Obj; readonly subresource?: string; readonly keepManagedFields?: boolean };

interface Scenario {
  readonly name: string;
  readonly type?: Type;
  readonly kind?: [string, string];
  readonly initial?: Obj;
  readonly ops: readonly Op[];
  /** Top-level parts of the final object (metadata without name, namespace, uid, managedFields). */
  readonly object?: Obj;
  /** `manager/Operation[/subresource]` → the paths it owns. */
  readonly owners?: Readonly<Record<string, readonly string[]>>;
  /** The managedFields entries, exactly (fieldsV1 left out when absent from the expectation). */
  readonly entries?: readonly Partial<ManagedFieldsEntry>[];
}

const META = { name: 'web', namespace: 'default' };
const deploy = (spec: Obj | undefined, meta: Obj = {}): Obj => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { ...META, ...meta }, ...(spec ? { spec } : {}) });
const containers = (...cs: Obj[]): Obj => ({ template: { spec: { containers: cs } } });
const CT = '.spec.template.spec.containers';
const LA = 'kubectl.kubernetes.io/last-applied-configuration';
const lastApplied = (spec: Obj): string => `${JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { annotations: {}, name: 'web', namespace: 'default' }, spec })}\n`;

function run(s: Scenario): { object: Obj; results: ApplyResult[] } {
  const type = s.type ?? DEPLOYMENT;
  const [apiVersion, kind] = s.kind ?? ['apps/v1', 'Deployment'];
  let stored: Obj | undefined = s.initial ? structuredClone(s.initial) : undefined;
  const results: ApplyResult[] = [];
  s.ops.forEach((op, i) => {
    const now = new Date(T0 + i * 1000 + 250);
    if ('apply' in op) {
      const r = applyObject({ type, apiVersion, kind, now, resetFields: STATUS, live: stored, applied: structuredClone(op.obj), manager: op.apply, force: op.force });
      results.push(r);
      if (op.conflict !== undefined) {
        assert.equal(r.ok, false, `op ${i} conflicts`);
        if (!r.ok) assert.equal(r.status.message, op.conflict);
        return;
      }
      if (!r.ok) assert.fail(`op ${i}: unexpected conflict: ${r.status.message}`);
      stored = r.object;
    } else {
      const next = structuredClone(op.obj);
      const meta = (next.metadata ??= {}) as Obj;
      if (stored && !op.keepManagedFields) meta.managedFields = (stored.metadata as Obj).managedFields;
      if ((stored?.metadata as Obj | undefined)?.uid) meta.uid = (stored!.metadata as Obj).uid;
      stored = updateObject({
        type, apiVersion, kind, now, subresource: op.subresource, resetFields: op.subresource === 'status' ? SPEC : STATUS,
        old: stored, new: next, manager: op.update,
      });
    }
    const meta = stored.metadata as Obj;
    meta.uid ??= 'uid-1';
  });
  return { object: stored!, results };
}

function owners(o: Obj): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of ((o.metadata as Obj).managedFields ?? []) as ManagedFieldsEntry[]) {
    out[[e.manager, e.operation, e.subresource].filter(Boolean).join('/')] = paths(fromFieldsV1(e.fieldsV1));
  }
  return out;
}

function visible(o: Obj, want: Obj): Obj {
  const out: Obj = {};
  for (const k of Object.keys(want)) {
    if (k !== 'metadata') {
      out[k] = o[k];
      continue;
    }
    const { name: _n, namespace: _ns, uid: _u, managedFields: _m, ...rest } = o.metadata as Obj;
    out.metadata = rest;
  }
  return out;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'apply creates the object: one Apply entry, its time in whole seconds, exact FieldsV1',
    ops: [{ apply: 'alice', obj: deploy({ replicas: 3, selector: { matchLabels: { app: 'web' } }, ...containers({ name: 'nginx', image: 'nginx:1' }) }, { labels: { app: 'web' } }) }],
    object: { spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, ...containers({ name: 'nginx', image: 'nginx:1' }) }, metadata: { labels: { app: 'web' } } },
    entries: [{
      manager: 'alice', operation: 'Apply', apiVersion: 'apps/v1', time: '2024-05-01T10:00:00Z', fieldsType: 'FieldsV1',
      fieldsV1: JSON.parse('{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:name":{}}}}}}}'),
    }],
  },
  {
    name: 'a create (Update) owns what it set, not metadata.name, uid or the structs every Deployment has; maps and items it adds are owned whole',
    ops: [{ update: 'kubectl-create', obj: deploy({ replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } }, ...containers({ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }] }) }, { labels: { app: 'web' }, generation: 1, creationTimestamp: '2024-05-01T10:00:00Z' }) }],
    entries: [{
      manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', time: '2024-05-01T10:00:00Z', fieldsType: 'FieldsV1',
      fieldsV1: JSON.parse('{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{}},"f:type":{}},"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{".":{},"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:protocol":{}}}}}}}}}'),
    }],
  },
  {
    name: 'applying the same configuration again changes nothing, not even the time',
    ops: [
      { apply: 'alice', obj: deploy({ replicas: 3 }) },
      { apply: 'alice', obj: deploy({ replicas: 3 }) },
    ],
    entries: [{ manager: 'alice', operation: 'Apply', apiVersion: 'apps/v1', time: '2024-05-01T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }],
  },
  {
    name: 'replicas owned by a controller (Update): a different applied value conflicts (one conflict, "using apps/v1")',
    ops: [
      { apply: 'alice', obj: deploy({ replicas: 3 }) },
      { update: 'kube-controller-manager', obj: deploy({ replicas: 5 }) },
      { apply: 'alice', obj: deploy({ replicas: 3 }), conflict: 'Apply failed with 1 conflict: conflict with "kube-controller-manager" using apps/v1: .spec.replicas' },
    ],
    object: { spec: { replicas: 5 } },
    owners: { 'kube-controller-manager/Update': ['.spec.replicas'] },
  },
  {
    name: 'applying the value a controller set shares the field instead of conflicting',
    ops: [
      { update: 'kube-controller-manager', obj: deploy({ replicas: 5 }) },
      { apply: 'alice', obj: deploy({ replicas: 5 }) },
    ],
    owners: { 'alice/Apply': ['.spec.replicas'], 'kube-controller-manager/Update': ['.spec.replicas'] },
  },
  {
    name: 'force takes the field; the controller, left with nothing, loses its entry',
    ops: [
      { apply: 'alice', obj: deploy({ replicas: 3 }) },
      { update: 'kube-controller-manager', obj: deploy({ replicas: 5 }) },
      { apply: 'alice', obj: deploy({ replicas: 3 }), force: true },
    ],
    object: { spec: { replicas: 3 } },
    owners: { 'alice/Apply': ['.spec.replicas'] },
  },
  {
    name: 'conflicts with another applier are named without an apiVersion; several conflicts are grouped by manager',
    ops: [
      { apply: 'bob', obj: deploy({ replicas: 2, paused: false }) },
      { update: 'hpa', obj: deploy({ replicas: 4, paused: false, minReadySeconds: 5 }) },
      { apply: 'alice', obj: deploy({ replicas: 3, paused: true, minReadySeconds: 6 }), conflict: 'Apply failed with 3 conflicts: conflicts with "bob":\n- .spec.paused\nconflicts with "hpa" using apps/v1:\n- .spec.minReadySeconds\n- .spec.replicas' },
    ],
  },
  {
    name: 'a field removed from the configuration of its only manager is removed from the object',
    ops: [
      { apply: 'alice', obj: deploy({ replicas: 3, minReadySeconds: 10 }, { labels: { app: 'web', team: 'a' } }) },
      { apply: 'alice', obj: deploy({ replicas: 3 }, { labels: { app: 'web' } }) },
    ],
    object: { spec: { replicas: 3 }, metadata: { labels: { app: 'web' } } },
    owners: { 'alice/Apply': ['.metadata.labels.app', '.spec.replicas'] },
  },
  {
    name: 'a field another applier also applies is kept when one of them stops applying it',
    ops: [
      { apply: 'alice', obj: deploy({ replicas: 3, minReadySeconds: 10 }) },
      { apply: 'bob', obj: deploy({ minReadySeconds: 10 }) },
      { apply: 'alice', obj: deploy({ replicas: 3 }) },
    ],
    object: { spec: { replicas: 3, minReadySeconds: 10 } },
    owners: { 'alice/Apply': ['.spec.replicas'], 'bob/Apply': ['.spec.minReadySeconds'] },
  },
  {
    name: 'a field an updater also owns is kept when the applier stops applying it (unset_scalar_shared_with_updater)',
    ops: [
      { update: 'updater', obj: deploy({ replicas: 3, minReadySeconds: 10 }) },
      { apply: 'applier', obj: deploy({ replicas: 3, minReadySeconds: 10 }) },
      { apply: 'applier', obj: deploy({ replicas: 3 }) },
    ],
    object: { spec: { replicas: 3, minReadySeconds: 10 } },
    owners: { 'applier/Apply': ['.spec.replicas'], 'updater/Update': ['.spec.minReadySeconds', '.spec.replicas'] },
  },
  {
    name: 'an updater that changes an applied value takes it over (updater_claims_field)',
    ops: [
      { apply: 'applier', obj: deploy({ replicas: 3, minReadySeconds: 10 }) },
      { update: 'updater', obj: deploy({ replicas: 3, minReadySeconds: 20 }) },
    ],
    object: { spec: { replicas: 3, minReadySeconds: 20 } },
    owners: { 'applier/Apply': ['.spec.replicas'], 'updater/Update': ['.spec.minReadySeconds'] },
  },
  {
    name: 'two appliers owning different containers both keep theirs; an item dropped by its only applier goes (remove_one_keep_one)',
    ops: [
      { apply: 'apply-one', obj: deploy(containers({ name: 'a' }, { name: 'b' }, { name: 'c' })) },
      { apply: 'apply-two', obj: deploy(containers({ name: 'c' }, { name: 'd' })) },
      { apply: 'apply-one', obj: deploy(containers({ name: 'a' })) },
    ],
    object: { spec: containers({ name: 'a' }, { name: 'c' }, { name: 'd' }) },
    owners: {
      'apply-one/Apply': [`${CT}[name="a"]`, `${CT}[name="a"].name`],
      'apply-two/Apply': [`${CT}[name="c"]`, `${CT}[name="c"].name`, `${CT}[name="d"]`, `${CT}[name="d"].name`],
    },
  },
  {
    name: 'two appliers applying the same item and value share it (same_value_no_conflict)',
    ops: [
      { apply: 'apply-one', obj: deploy(containers({ name: 'a', image: 'x' })) },
      { apply: 'apply-two', obj: deploy(containers({ name: 'a', image: 'x' })) },
    ],
    owners: {
      'apply-one/Apply': [`${CT}[name="a"]`, `${CT}[name="a"].image`, `${CT}[name="a"].name`],
      'apply-two/Apply': [`${CT}[name="a"]`, `${CT}[name="a"].image`, `${CT}[name="a"].name`],
    },
  },
  {
    name: 'another applier changing an item\'s field conflicts (change_value_yes_conflict)',
    ops: [
      { apply: 'apply-one', obj: deploy(containers({ name: 'a', image: 'x' })) },
      { apply: 'apply-two', obj: deploy(containers({ name: 'a', image: 'y' })), conflict: `Apply failed with 1 conflict: conflict with "apply-one": ${CT}[name="a"].image` },
    ],
  },
  {
    name: 'an atomic list (args) is one field: changing it conflicts as a whole',
    ops: [
      { apply: 'apply-one', obj: deploy(containers({ name: 'a', args: ['--x'] })) },
      { apply: 'apply-two', obj: deploy(containers({ name: 'a', args: ['--x', '--y'] })), conflict: `Apply failed with 1 conflict: conflict with "apply-one": ${CT}[name="a"].args` },
    ],
  },
  {
    name: 'an atomic map (nodeSelector) is one field: another applier\'s map conflicts as a whole; force replaces it (TestMultipleApplierAtomicMaps)',
    ops: [
      { apply: 'apply-one', obj: deploy({ template: { spec: { nodeSelector: { field1: 'a' } } } }) },
      { apply: 'apply-two', obj: deploy({ template: { spec: { nodeSelector: { field2: 'b' } } } }), conflict: 'Apply failed with 1 conflict: conflict with "apply-one": .spec.template.spec.nodeSelector' },
      { apply: 'apply-two', obj: deploy({ template: { spec: { nodeSelector: { field2: 'b' } } } }), force: true },
    ],
    object: { spec: { template: { spec: { nodeSelector: { field2: 'b' } } } } },
    owners: { 'apply-two/Apply': ['.spec.template.spec.nodeSelector'] },
  },
  {
    name: 'finalizers are a set: each applier owns its values; one removing its own leaves the other\'s',
    ops: [
      { apply: 'one', obj: deploy(undefined, { finalizers: ['a.io/x'] }) },
      { apply: 'two', obj: deploy(undefined, { finalizers: ['b.io/y'] }) },
      { apply: 'one', obj: deploy(undefined) },
    ],
    object: { metadata: { finalizers: ['b.io/y'] } },
    owners: { 'two/Apply': ['.metadata.finalizers[="b.io/y"]'] },
  },
  {
    name: 'a set item a controller added and an applier then applies is shared (apply_update_apply_with_overlap)',
    ops: [
      { apply: 'default', obj: deploy(undefined, { finalizers: ['a', 'c'] }) },
      { update: 'controller', obj: deploy(undefined, { finalizers: ['a', 'b', 'c', 'd'] }) },
      { apply: 'default', obj: deploy(undefined, { finalizers: ['a', 'b', 'c'] }) },
    ],
    object: { metadata: { finalizers: ['a', 'b', 'c', 'd'] } },
    owners: {
      'default/Apply': ['.metadata.finalizers[="a"]', '.metadata.finalizers[="b"]', '.metadata.finalizers[="c"]'],
      'controller/Update': ['.metadata.finalizers[="b"]', '.metadata.finalizers[="d"]'],
    },
  },
  {
    name: 'reordering a set owns nothing; the next apply puts its order back (apply_update_apply_reorder)',
    ops: [
      { apply: 'default', obj: deploy(undefined, { finalizers: ['a', 'b', 'c', 'd'] }) },
      { update: 'controller', obj: deploy(undefined, { finalizers: ['a', 'd', 'c', 'b'] }) },
      { apply: 'default', obj: deploy(undefined, { finalizers: ['a', 'b', 'c', 'd'] }) },
    ],
    object: { metadata: { finalizers: ['a', 'b', 'c', 'd'] } },
    owners: { 'default/Apply': ['.metadata.finalizers[="a"]', '.metadata.finalizers[="b"]', '.metadata.finalizers[="c"]', '.metadata.finalizers[="d"]'] },
  },
  {
    name: 'an applier that stops applying a field a controller took over leaves its value (update_apply_omits)',
    ops: [
      { apply: 'default', obj: deploy({ replicas: 2 }) },
      { update: 'controller', obj: deploy({ replicas: 1 }) },
      { apply: 'default', obj: deploy(undefined) },
    ],
    object: { spec: { replicas: 1 } },
    owners: { 'controller/Update': ['.spec.replicas'] },
  },
  {
    name: 'an applier that applies nothing loses its entry and its fields (apply_remove_empty_set)',
    ops: [
      { apply: 'default', obj: deploy({ replicas: 2 }, { labels: { a: 'b' } }) },
      { apply: 'default', obj: deploy(undefined) },
    ],
    object: { metadata: {} },
    owners: {},
  },
  {
    name: 'labels are granular: each applier owns its keys',
    ops: [
      { apply: 'one', obj: deploy(undefined, { labels: { app: 'web' } }) },
      { apply: 'two', obj: deploy(undefined, { labels: { team: 'x' } }) },
    ],
    object: { metadata: { labels: { app: 'web', team: 'x' } } },
    owners: { 'one/Apply': ['.metadata.labels.app'], 'two/Apply': ['.metadata.labels.team'] },
  },
  {
    name: 'nested items: a shared item stays, losing only what its last owner dropped (remove_one_keep_one_with_dangling_subitem)',
    ops: [
      { apply: 'apply-one', obj: deploy(containers({ name: 'a' }, { name: 'b', env: [{ name: 'c' }] })) },
      { apply: 'apply-two', obj: deploy(containers({ name: 'b', env: [{ name: 'd' }] })) },
      { update: 'controller', obj: deploy(containers({ name: 'a' }, { name: 'b', env: [{ name: 'c' }, { name: 'd' }, { name: 'e' }] })) },
      { apply: 'apply-one', obj: deploy(containers({ name: 'a' })) },
    ],
    object: { spec: containers({ name: 'a' }, { name: 'b', env: [{ name: 'd' }, { name: 'e' }] }) },
    owners: {
      'apply-one/Apply': [`${CT}[name="a"]`, `${CT}[name="a"].name`],
      'apply-two/Apply': [`${CT}[name="b"]`, `${CT}[name="b"].env[name="d"]`, `${CT}[name="b"].env[name="d"].name`, `${CT}[name="b"].name`],
      'controller/Update': [`${CT}[name="b"].env[name="e"]`, `${CT}[name="b"].env[name="e"].name`],
    },
  },
  {
    name: 'nested items: an item only its applier owned goes with what an updater added inside it (remove_one_with_dangling_subitem_keep_one)',
    ops: [
      { apply: 'apply-one', obj: deploy(containers({ name: 'a' }, { name: 'b', env: [{ name: 'c' }] })) },
      { apply: 'apply-two', obj: deploy(containers({ name: 'a', env: [{ name: 'b' }] })) },
      { update: 'controller', obj: deploy(containers({ name: 'a', env: [{ name: 'b' }] }, { name: 'b', env: [{ name: 'c' }, { name: 'd' }] })) },
      { apply: 'apply-one', obj: deploy(containers({ name: 'a' })) },
    ],
    object: { spec: containers({ name: 'a', env: [{ name: 'b' }] }) },
    owners: {
      'apply-one/Apply': [`${CT}[name="a"]`, `${CT}[name="a"].name`],
      'apply-two/Apply': [`${CT}[name="a"]`, `${CT}[name="a"].env[name="b"]`, `${CT}[name="a"].env[name="b"].name`, `${CT}[name="a"].name`],
    },
  },
  {
    name: 'the docs\' hand-over: an applier that stops applying replicas leaves them to the controller that also owns them',
    ops: [
      { apply: 'kubectl', obj: deploy({ replicas: 3 }) },
      { update: 'hpa', obj: deploy({ replicas: 3 }) },
      { apply: 'handover-to-hpa', obj: deploy({ replicas: 3 }) },
      { apply: 'kubectl', obj: deploy(undefined) },
    ],
    object: { spec: { replicas: 3 } },
    owners: { 'handover-to-hpa/Apply': ['.spec.replicas'] },
  },
  {
    name: 'the first apply to an object nobody tracked gives its fields to before-first-apply, which conflicts like any updater',
    initial: deploy({ replicas: 1, minReadySeconds: 5 }, { uid: 'uid-1' }),
    ops: [{ apply: 'alice', obj: deploy({ replicas: 2 }), conflict: 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas' }],
  },
  {
    name: 'before-first-apply keeps what the applier does not take',
    initial: deploy({ replicas: 1, minReadySeconds: 5 }, { uid: 'uid-1' }),
    ops: [{ apply: 'alice', obj: deploy({ replicas: 2 }), force: true }],
    object: { spec: { replicas: 2, minReadySeconds: 5 } },
    owners: { 'alice/Apply': ['.spec.replicas'], 'before-first-apply/Update': ['.spec.minReadySeconds'] },
  },
  {
    name: 'an update to an object without managedFields leaves it untracked',
    initial: deploy({ replicas: 1 }, { uid: 'uid-1' }),
    ops: [{ update: 'kubectl-edit', obj: deploy({ replicas: 2 }) }],
    owners: {},
  },
  {
    name: 'a request that sends managedFields: [] clears them',
    ops: [
      { apply: 'alice', obj: deploy({ replicas: 3 }) },
      { update: 'kubectl-edit', obj: deploy({ replicas: 4 }, { managedFields: [] }), keepManagedFields: true },
    ],
    owners: {},
  },
  {
    name: 'Update entries of one manager merge; Apply and Update of one name are separate entries, Apply first',
    ops: [
      { update: 'ctl', obj: deploy({ replicas: 1 }) },
      { update: 'ctl', obj: deploy({ replicas: 1, paused: true }) },
      { apply: 'ctl', obj: deploy({ replicas: 1, paused: true, minReadySeconds: 3 }) },
    ],
    entries: [
      { manager: 'ctl', operation: 'Apply', time: '2024-05-01T10:00:02Z', fieldsV1: { 'f:spec': { 'f:minReadySeconds': {}, 'f:paused': {}, 'f:replicas': {} } } },
      { manager: 'ctl', operation: 'Update', time: '2024-05-01T10:00:01Z', fieldsV1: { 'f:spec': { 'f:paused': {}, 'f:replicas': {} } } },
    ],
  },
  {
    name: 'a status write records subresource status and owns no spec field; a main write owns no status field',
    ops: [
      { update: 'kubectl', obj: deploy({ replicas: 1 }) },
      { update: 'kube-controller-manager', obj: { ...deploy({ replicas: 9 }), status: { replicas: 1, readyReplicas: 1 } }, subresource: 'status' },
      { update: 'kubectl', obj: { ...deploy({ replicas: 2 }), status: { replicas: 7 } } },
    ],
    owners: {
      'kubectl/Update': ['.spec.replicas'],
      'kube-controller-manager/Update/status': ['.status.readyReplicas', '.status.replicas'],
    },
  },
  {
    name: 'kubectl --server-side takes over from client-side apply: conflicts on fields still as last applied are forced, and the annotation follows',
    ops: [
      { update: 'kubectl-client-side-apply', obj: deploy({ replicas: 3, paused: false }, { annotations: { [LA]: lastApplied({ replicas: 3, paused: false }) } }) },
      { apply: 'kubectl', obj: deploy({ replicas: 5, paused: false }) },
    ],
    object: { spec: { replicas: 5, paused: false }, metadata: { annotations: { [LA]: '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},"spec":{"paused":false,"replicas":5}}\n' } } },
    owners: {
      'kubectl/Apply': ['.spec.paused', '.spec.replicas'],
      'kubectl-client-side-apply/Update': ['.metadata.annotations', `.metadata.annotations.${LA}`, '.spec.paused'],
    },
  },
  {
    name: 'a field changed since the last client-side apply still conflicts for kubectl; other managers are never forced',
    ops: [
      { update: 'kubectl-client-side-apply', obj: deploy({ replicas: 3, paused: false }, { annotations: { [LA]: lastApplied({ replicas: 3, paused: false }) } }) },
      { update: 'kubectl-client-side-apply', obj: deploy({ replicas: 3, paused: true }, { annotations: { [LA]: lastApplied({ replicas: 3, paused: false }) } }) },
      { apply: 'kubectl', obj: deploy({ replicas: 5, paused: false }), conflict: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.paused' },
      { apply: 'other', obj: deploy({ replicas: 5 }), conflict: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas' },
    ],
  },
  {
    name: 'status applied to the main resource is not owned (reset fields)',
    ops: [{ apply: 'alice', obj: { ...deploy({ replicas: 1 }), status: { replicas: 3 } } }],
    owners: { 'alice/Apply': ['.spec.replicas'] },
  },
  {
    name: 'more than 10 Update managers: after each write the oldest merge into ancient-changes, which takes the newest merged time',
    ops: Array.from({ length: 12 }, (_, i) => ({ update: `m${String(i).padStart(2, '0')}`, obj: deploy(undefined, { labels: Object.fromEntries(Array.from({ length: i + 1 }, (_, j) => [`l${j}`, 'x'])) }) })),
    owners: {
      'ancient-changes/Update': ['.metadata.labels', '.metadata.labels.l0', '.metadata.labels.l1', '.metadata.labels.l2'],
      ...Object.fromEntries(Array.from({ length: 9 }, (_, k) => [`m${String(k + 3).padStart(2, '0')}/Update`, [`.metadata.labels.l${k + 3}`]])),
    },
    entries: [{ manager: 'ancient-changes', time: '2024-05-01T10:00:02Z' }, ...Array.from({ length: 9 }, (_, k) => ({ manager: `m${String(k + 3).padStart(2, '0')}` }))],
  },
  {
    name: 'a CustomResource without a schema: deduced granular maps, atomic lists',
    type: NO_SCHEMA,
    kind: ['example.com/v1', 'Widget'],
    ops: [
      { apply: 'one', obj: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: META, spec: { size: 1, tags: ['a'] } } },
      { apply: 'two', obj: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: META, spec: { color: 'red' } } },
      { apply: 'one', obj: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: META, spec: { size: 1 } } },
    ],
    object: { spec: { size: 1, color: 'red' } },
    owners: { 'one/Apply': ['.spec', '.spec.size'], 'two/Apply': ['.spec', '.spec.color'] },
  },
];

describe('server-side apply: ownership, conflicts and managedFields (Deployment)', () => {
  for (const s of SCENARIOS) {
    it(s.name, () => {
      const ops = structuredClone(s.ops);
      const { object } = run(s);
      assert.deepEqual(s.ops, ops, 'inputs are not modified');
      if (s.object) assert.deepEqual(visible(object, s.object), s.object);
      if (s.owners) assert.deepEqual(owners(object), s.owners);
      if (s.entries) {
        const got = ((object.metadata as Obj).managedFields ?? []) as ManagedFieldsEntry[];
        assert.deepEqual(got.map((e, i) => Object.fromEntries(Object.keys(s.entries![i] ?? e).map((k) => [k, (e as unknown as Obj)[k]]))), s.entries);
        assert.equal(got.length, s.entries.length);
      }
    });
  }
});

// --------------------------------------------------------------------------------- entries

describe('server-side apply: managedFields entries and requests', () => {
  const ctx = { type: DEPLOYMENT, apiVersion: 'apps/v1', kind: 'Deployment', now: new Date(T0) };

  it('manager identifiers leave out time, fields and, for Apply, the apiVersion', () => {
    assert.equal(managerIdentifier({ manager: 'foo', operation: 'Update', apiVersion: 'v1' }), '{"manager":"foo","operation":"Update","apiVersion":"v1"}');
    assert.equal(managerIdentifier({ manager: 'foo', operation: 'Apply', apiVersion: 'v1' }), '{"manager":"foo","operation":"Apply"}');
    assert.equal(managerIdentifier({ manager: 'foo', operation: 'Apply', subresource: 'scale' }), '{"manager":"foo","operation":"Apply","subresource":"scale"}');
  });

  it('entries sort Apply first, then oldest, then by manager', () => {
    const e = (manager: string, operation: 'Apply' | 'Update', time?: string) => ({ manager, operation, apiVersion: 'v1', fieldsType: 'FieldsV1' as const, fieldsV1: {}, ...(time ? { time } : {}) });
    const got = sortEntries([
      e('c', 'Update', '2001-01-01T01:00:00Z'), e('a', 'Apply'), e('c', 'Update', '2002-01-01T01:00:00Z'), e('b', 'Apply'), e('d', 'Update', '2001-01-01T01:00:00Z'),
    ]);
    assert.deepEqual(got.map((x) => `${x.manager}/${x.time ?? ''}`), ['a/', 'b/', 'c/2001-01-01T01:00:00Z', 'd/2001-01-01T01:00:00Z', 'c/2002-01-01T01:00:00Z']);
  });

  it('decoding rejects what Kubernetes rejects, and encoding drops empty sets', () => {
    assert.throws(() => decodeManagedFields([{ manager: 'a', operation: 'Patch', apiVersion: 'v1', fieldsType: 'FieldsV1' }]), /operation must be `Apply` or `Update`/);
    assert.throws(() => decodeManagedFields([{ manager: 'a', operation: 'Apply', fieldsType: 'FieldsV1' }]), /apiVersion must not be empty/);
    assert.throws(() => decodeManagedFields([{ manager: 'a', operation: 'Apply', apiVersion: 'v1' }]), /missing fieldsType in managed fields entry 0/);
    assert.throws(() => decodeManagedFields([{ manager: 'a', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV2' }]), /invalid fieldsType "FieldsV2" in managed fields entry 0/);
    const m = decodeManagedFields([{ manager: 'a', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:a': {} } }]);
    assert.equal(encodeManagedFields(m)?.length, 1);
    assert.equal(encodeManagedFields({ fields: new Map(), times: new Map() }), undefined);
  });

  it('an applied object of another kind or with managedFields is a bad request', () => {
    const live = undefined;
    assert.throws(() => applyObject({ ...ctx, live, manager: 'a', applied: { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: META } }),
      (e: unknown) => e instanceof ApplyError && e.code === 400 && e.message === 'invalid object type: apps/v1, Kind=ReplicaSet');
    assert.throws(() => applyObject({ ...ctx, live, manager: 'a', applied: { apiVersion: 'v1', kind: 'Deployment', metadata: META } }),
      (e: unknown) => e instanceof ApplyError && e.message === 'invalid object type: /v1, Kind=Deployment');
    assert.throws(() => applyObject({ ...ctx, live, manager: 'a', applied: deploy(undefined, { managedFields: [] }) }),
      (e: unknown) => e instanceof ApplyError && e.code === 400 && e.message === 'metadata.managedFields must be nil');
  });

  it('an applied item without its key fails with kube-apiserver\'s message, as a 400 (kube-apiserver: 500)', () => {
    assert.throws(() => applyObject({ ...ctx, live: undefined, manager: 'a', applied: deploy(containers({ image: 'nginx' })) }),
      (e: unknown) => e instanceof ApplyError && e.code === 400 && e.message === 'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits all key fields ["name"] (and doesn\'t have default values for any key fields)');
  });

  it('a conflict answer is a 409 Status with one FieldManagerConflict cause per field', () => {
    const { results } = run({
      name: '', ops: [
        { update: 'ctl', obj: deploy({ replicas: 1 }), subresource: 'scale' },
        { apply: 'alice', obj: deploy({ replicas: 2 }), conflict: 'Apply failed with 1 conflict: conflict with "ctl" with subresource "scale" using apps/v1: .spec.replicas' },
      ],
    });
    const r = results[0]!;
    assert.ok(!r.ok);
    assert.deepEqual(r.status, {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Conflict', code: 409,
      message: 'Apply failed with 1 conflict: conflict with "ctl" with subresource "scale" using apps/v1: .spec.replicas',
      details: { causes: [{ type: 'FieldManagerConflict', message: 'conflict with "ctl" with subresource "scale" using apps/v1', field: '.spec.replicas' }] },
    });
    assert.deepEqual(r.conflicts, [{ manager: 'ctl', operation: 'Update', apiVersion: 'apps/v1', subresource: 'scale', field: '.spec.replicas' }]);
  });

  it('the multi-conflict message of Kubernetes\' docs (kubectl-client-side-apply)', () => {
    const c = (manager: string, field: string, operation: 'Apply' | 'Update' = 'Update') => ({ manager, operation, apiVersion: 'apps/v1', field });
    assert.equal(
      conflictMessage([c('kubectl-client-side-apply', '.spec.replicas'), c('kubectl-client-side-apply', '.spec.template.spec.containers[name="nginx"].image')]),
      'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
    );
  });

  it('a write without fieldManager is managed by the user agent up to its first slash', () => {
    assert.equal(managerOrUserAgent('my-ctl', 'kubectl/v1.30.0'), 'my-ctl');
    assert.equal(managerOrUserAgent(undefined, 'kubectl-edit/v1.30.0 (linux/amd64) kubernetes/7c48c2b'), 'kubectl-edit');
    assert.equal(managerOrUserAgent('', 'kube-controller-manager/v1.30.0 (linux/amd64) kubernetes/abc/system:serviceaccount:kube-system:deployment-controller'), 'kube-controller-manager');
    assert.equal(managerOrUserAgent(undefined, `a\u0007b${'x'.repeat(200)}`), `ab${'x'.repeat(126)}`);
  });

  it('the stripped fields are never owned, even by an applier that sets them', () => {
    const r = applyObject({ ...ctx, live: undefined, manager: 'a', applied: deploy({ replicas: 1 }, { uid: 'x', generation: 3, resourceVersion: '5', labels: { a: 'b' } }) });
    assert.ok(r.ok);
    assert.deepEqual(owners(r.object), { 'a/Apply': ['.metadata.labels.a', '.spec.replicas'] });
  });

  const cm = (data: Obj): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'configmap' }, data });
  const cmScenario = (ops: Op[]): Scenario => ({ name: '', type: typeOfKind('', 'v1', 'ConfigMap'), kind: ['v1', 'ConfigMap'], ops });
  const timeOf = (o: Obj, manager: string) => (((o.metadata as Obj).managedFields ?? []) as ManagedFieldsEntry[]).find((e) => e.manager === manager)?.time;

  it('an update that changes nothing keeps the time; one that changes something sets it', () => {
    const same = run(cmScenario([{ update: 'a', obj: cm({ k: 'v' }) }, { update: 'a', obj: cm({ k: 'v' }) }])).object;
    assert.equal(timeOf(same, 'a'), '2024-05-01T10:00:00Z');
    const changed = run(cmScenario([{ update: 'a', obj: cm({ k: 'v' }) }, { update: 'a', obj: cm({ k: 'w' }) }])).object;
    assert.equal(timeOf(changed, 'a'), '2024-05-01T10:00:01Z');
  });

  it('taking over another manager\'s field does not touch that manager\'s time', () => {
    const o = run(cmScenario([
      { apply: 'a', obj: cm({ key_a: 'value', key_b: 'value' }) },
      { apply: 'b', obj: cm({ key_b: 'new-value' }), force: true },
    ])).object;
    assert.equal(timeOf(o, 'a'), '2024-05-01T10:00:00Z');
    assert.equal(timeOf(o, 'b'), '2024-05-01T10:00:01Z');
    assert.deepEqual(owners(o), { 'a/Apply': ['.data.key_a'], 'b/Apply': ['.data.key_b'] });
  });

  it('an apply that changes no field answers changed: false with the stored object and keeps every time', () => {
    const { results, object } = run(cmScenario([
      { update: 'a', obj: cm({ k: 'v' }) },
      { apply: 'b', obj: cm({ k: 'v' }) },
    ]));
    const r = results[0]!;
    assert.ok(r.ok && !r.changed);
    assert.deepEqual(object.data, { k: 'v' });
    assert.equal(timeOf(object, 'a'), '2024-05-01T10:00:00Z');
    assert.equal(timeOf(object, 'b'), undefined, 'a new entry from an apply that changed nothing has no time, as in Kubernetes');
  });

  it('an update may set managedFields itself (taken as given) or reset them with [{}]; a status write cannot', () => {
    const ctxCm = { type: typeOfKind('', 'v1', 'ConfigMap'), apiVersion: 'v1', kind: 'ConfigMap', now: new Date(T0) };
    const entry = (manager: string, key: string): ManagedFieldsEntry => ({ manager, operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { [`f:${key}`]: {} } } });
    const old = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', uid: 'u', managedFields: [entry('a', 'x')] }, data: { x: '1', y: '2' } };
    const given = updateObject({ ...ctxCm, old, manager: 'edit', new: { ...old, metadata: { ...old.metadata, managedFields: [entry('b', 'y')] } } });
    assert.deepEqual(owners(given), { 'b/Apply': ['.data.y'] });
    const reset = updateObject({ ...ctxCm, old, manager: 'edit', new: { ...old, metadata: { ...old.metadata, managedFields: [{}] } } });
    assert.equal((reset.metadata as Obj).managedFields, undefined);
    const status = updateObject({ ...ctxCm, old, manager: 'edit', subresource: 'status', new: { ...old, metadata: { ...old.metadata, managedFields: [] } } });
    assert.deepEqual(owners(status), { 'a/Apply': ['.data.x'] });
  });

  it('a write that changes only managedFields times keeps the stored times (a no-op), any other change keeps the new ones', () => {
    const entry = (time: string, key = 'k'): ManagedFieldsEntry => ({ manager: 'a', operation: 'Update', apiVersion: 'v1', time, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { [`f:${key}`]: {} } } });
    const obj = (data: Obj, e: ManagedFieldsEntry): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', managedFields: [e] }, data });
    const old = obj({ k: 'v' }, entry('2024-01-01T00:00:00Z'));
    assert.deepEqual(keepTimesOfNoOpWrite(old, obj({ k: 'v' }, entry('2024-02-02T00:00:00Z'))), old);
    const changed = obj({ k: 'w' }, entry('2024-02-02T00:00:00Z'));
    assert.equal(keepTimesOfNoOpWrite(old, changed), changed);
    const otherFields = obj({ k: 'v' }, entry('2024-02-02T00:00:00Z', 'x'));
    assert.equal(keepTimesOfNoOpWrite(old, otherFields), otherFields);
  });

  it('reset fields per kind and endpoint, as Kubernetes\' strategies declare them', () => {
    const show = (s: FieldSet | undefined) => (s ? paths(s) : undefined);
    assert.deepEqual(show(resetFieldsFor('Deployment')), ['.status']);
    assert.deepEqual(show(resetFieldsFor('Deployment', 'status')), ['.metadata.labels', '.spec']);
    assert.deepEqual(show(resetFieldsFor('Pod', 'status')), ['.metadata.deletionTimestamp', '.metadata.ownerReferences', '.spec']);
    assert.deepEqual(show(resetFieldsFor('Node', 'status')), ['.spec']);
    assert.equal(resetFieldsFor('ConfigMap'), undefined);
  });

  describe('the /scale subresource (apimachinery\'s ScaleHandler cases)', () => {
    const REPLICAS = { 'apps/v1': makePath('spec', 'replicas') };
    const e = (manager: string, operation: 'Apply' | 'Update', apiVersion: string, fieldsV1: string, subresource?: string): ManagedFieldsEntry =>
      ({ manager, operation, apiVersion, fieldsType: 'FieldsV1', fieldsV1: JSON.parse(fieldsV1), ...(subresource ? { subresource } : {}) });
    const replicas = '{"f:spec":{"f:replicas":{}}}';

    it('a Scale shows the owners of the parent\'s replicas, and only of known versions', () => {
      assert.deepEqual(scaleEntriesFromParent([
        e('manager-1', 'Apply', 'apps/v1', '{"f:spec":{"f:another-field":{}}}'),
        e('manager-2', 'Apply', 'apps/v1', replicas),
        e('manager-3', 'Apply', 'apps/v10', replicas),
      ], REPLICAS), [e('manager-2', 'Apply', 'autoscaling/v1', replicas)]);
    });

    it('a write to /scale gives the parent\'s replicas to the new owner; the old owner keeps the rest', () => {
      assert.deepEqual(parentEntriesFromScale(
        [e('test', 'Update', 'apps/v1', '{"f:spec":{"f:replicas":{},"f:selector":{}}}')],
        [e('scale', 'Update', 'autoscaling/v1', replicas, 'scale')],
        'apps/v1', REPLICAS,
      ), [e('scale', 'Update', 'apps/v1', replicas, 'scale'), e('test', 'Update', 'apps/v1', '{"f:spec":{"f:selector":{}}}')]);
    });

    it('an applier still owning the Scale\'s replicas keeps the parent\'s', () => {
      const parent = [e('test', 'Apply', 'apps/v1', '{"f:spec":{"f:replicas":{},"f:selector":{}}}')];
      assert.deepEqual(parentEntriesFromScale(parent, scaleEntriesFromParent(parent, REPLICAS), 'apps/v1', REPLICAS), parent);
    });
  });

  it('the Server-Side Apply docs\' ConfigMap', () => {
    const r = applyObject({
      type: typeOfKind('', 'v1', 'ConfigMap'), apiVersion: 'v1', kind: 'ConfigMap', now: new Date('2010-10-10T00:00:00Z'), live: undefined, manager: 'kubectl',
      applied: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'test-cm', namespace: 'default', labels: { 'test-label': 'test' } }, data: { key: 'some value' } },
    });
    assert.ok(r.ok);
    assert.deepEqual((r.object.metadata as Obj).managedFields, [{
      manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2010-10-10T00:00:00Z', fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': { 'f:key': {} }, 'f:metadata': { 'f:labels': { 'f:test-label': {} } } },
    }]);
  });
});
