/**
 * CRD validation rules (x-kubernetes-validations, CEL): rules and objects after the examples of
 * Kubernetes' "Validation rules" docs (our own table), the causes a failing rule gives (path,
 * reason, message / messageExpression / default), transition rules with oldSelf, compile failures
 * that refuse the CRD, and the cost bound.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { celFieldName, ruleCompileCauses, validateRules, PER_CALL_LIMIT } from '../../shared/resources/crd-cel.js';
import { defaultCrd, validateCrd, type Crd, type JSONSchemaProps } from '../../shared/resources/crd.js';
import { customResourceStrategy } from '../../shared/resources/custom-resource.js';
import type { KObject } from '../../shared/resources/meta.js';

type Rule = Record<string, unknown>;
const obj = (spec: unknown): KObject => ({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'my-cron' }, spec }) as unknown as KObject;
const root = (spec: JSONSchemaProps): JSONSchemaProps => ({ type: 'object', properties: { spec } });
const causes = (schema: JSONSchemaProps, o: unknown, old?: unknown) => validateRules(o, old, schema).map((c) => `${c.field}: ${c.message}`);

const S = { type: 'string' } as const;
const I = { type: 'integer' } as const;

describe('CEL rules: docs examples', () => {
  // [name, spec schema props, rule (on spec), passing spec, failing spec]
  const cases: [string, Record<string, JSONSchemaProps>, string, unknown, unknown][] = [
    ['minReplicas <= replicas', { minReplicas: I, replicas: I }, 'self.minReplicas <= self.replicas', { minReplicas: 1, replicas: 2 }, { minReplicas: 3, replicas: 2 }],
    ["'Available' in a map", { stateCounts: { type: 'object', additionalProperties: I } }, "'Available' in self.stateCounts", { stateCounts: { Available: 1 } }, { stateCounts: { Busy: 1 } }],
    ['exactly one of two lists', { list1: { type: 'array', items: S }, list2: { type: 'array', items: S } }, '(size(self.list1) == 0) != (size(self.list2) == 0)', { list1: ['a'], list2: [] }, { list1: ['a'], list2: ['b'] }],
    ['a map key matches', { map1: { type: 'object', additionalProperties: S } }, "!('MY_FIELD' in self.map1) || self.map1['MY_FIELD'].matches('^[a-zA-Z]*$')", { map1: { MY_FIELD: 'abc' } }, { map1: { MY_FIELD: 'a1' } }],
    ['filter then all', { envars: { type: 'array', items: { type: 'object', properties: { name: S, value: S } } } }, "self.envars.filter(e, e.name == 'MY_ENV').all(e, e.value.matches('^[a-zA-Z]*$'))", { envars: [{ name: 'MY_ENV', value: 'abc' }, { name: 'X', value: '1' }] }, { envars: [{ name: 'MY_ENV', value: '1' }] }],
    ['timestamp + duration', { created: { type: 'string', format: 'date-time' }, ttl: { type: 'string', format: 'duration' }, expired: { type: 'string', format: 'date-time' } }, 'has(self.expired) && self.created + self.ttl < self.expired', { created: '2024-01-01T00:00:00Z', ttl: '1h', expired: '2024-01-01T02:00:00Z' }, { created: '2024-01-01T00:00:00Z', ttl: '3h', expired: '2024-01-01T02:00:00Z' }],
    ['startsWith', { health: S }, "self.health.startsWith('ok')", { health: 'ok: yes' }, { health: 'bad' }],
    ['exists', { widgets: { type: 'array', items: { type: 'object', properties: { key: S, foo: I } } } }, "self.widgets.exists(w, w.key == 'x' && w.foo < 10)", { widgets: [{ key: 'y', foo: 1 }, { key: 'x', foo: 5 }] }, { widgets: [{ key: 'x', foo: 50 }] }],
    ['int-or-string', { port: { 'x-kubernetes-int-or-string': true } }, "type(self.port) == string ? self.port == '100%' : self.port == 1000", { port: '100%' }, { port: 999 }],
    ['set disjoint', { set1: { type: 'array', items: S }, set2: { type: 'array', items: S } }, 'self.set1.all(e, !(e in self.set2))', { set1: ['a'], set2: ['b'] }, { set1: ['a'], set2: ['a'] }],
    ['names and details', { names: { type: 'array', items: S }, details: { type: 'object', additionalProperties: S } }, 'size(self.names) == size(self.details) && self.names.all(n, n in self.details)', { names: ['a'], details: { a: 'x' } }, { names: ['a'], details: { b: 'x' } }],
    ['exactly one primary', { primary: S, clusters: { type: 'array', items: { type: 'object', properties: { name: S } } } }, 'size(self.clusters.filter(c, c.name == self.primary)) == 1', { primary: 'a', clusters: [{ name: 'a' }, { name: 'b' }] }, { primary: 'a', clusters: [{ name: 'a' }, { name: 'a' }] }],
    ['exists_one', { xs: { type: 'array', items: I } }, 'self.xs.exists_one(x, x > 2)', { xs: [1, 3] }, { xs: [3, 4] }],
    ['map macro and list functions', { xs: { type: 'array', items: I } }, 'self.xs.map(x, x * 2).sum() == 6 && self.xs.isSorted() && self.xs.min() == 1 && self.xs.indexOf(2) == 1', { xs: [1, 2] }, { xs: [2, 1] }],
    ['string functions', { s: S }, "self.s.lowerAscii().split(',').size() == 2 && self.s.trim() == self.s && self.s.replace('A', 'a').upperAscii() == 'A,B'", { s: 'A,b' }, { s: 'a,b,c' }],
    ['optional field', { s: S }, "self.?s.orValue('') != 'x'", {}, { s: 'x' }],
    ['a number', { ratio: { type: 'number' } }, 'self.ratio < 0.5', { ratio: 0.25 }, { ratio: 1 }],
    ['quantity library', { memory: S }, "isQuantity(self.memory) && quantity(self.memory).isLessThan(quantity('1Gi')) && quantity(self.memory).compareTo(quantity('1k')) > 0", { memory: '512Mi' }, { memory: '2Gi' }],
    ['url library', { endpoint: S }, "isURL(self.endpoint) && url(self.endpoint).getScheme() == 'https' && url(self.endpoint).getHostname() == 'example.com' && url(self.endpoint).getQuery()['x'] == ['1']", { endpoint: 'https://example.com:8443/p?x=1' }, { endpoint: 'http://example.com/p?x=1' }],
    ['a reserved-word property (escaped)', { namespace: S, 'a-b': S }, "self.__namespace__ == self.a__dash__b", { namespace: 'x', 'a-b': 'x' }, { namespace: 'x', 'a-b': 'y' }],
  ];
  for (const [name, props, rule, good, bad] of cases) {
    it(name, () => {
      const schema = root({ type: 'object', properties: props, 'x-kubernetes-validations': [{ rule }] } as JSONSchemaProps);
      assert.deepEqual(ruleCompileCauses(schema, 'x'), []);
      assert.deepEqual(causes(schema, obj(good)), []);
      assert.deepEqual(causes(schema, obj(bad)), [`spec: Invalid value: "object": failed rule: ${rule}`]);
    });
  }

  it('root rules see apiVersion, kind and metadata.name', () => {
    const schema: JSONSchemaProps = { type: 'object', properties: { spec: { type: 'object', properties: { prefix: S } } }, 'x-kubernetes-validations': [{ rule: "self.metadata.name.startsWith(self.spec.prefix) && self.kind == 'CronTab'" }] };
    assert.deepEqual(causes(schema, obj({ prefix: 'my-' })), []);
    assert.deepEqual(causes(schema, obj({ prefix: 'x-' })), [`: Invalid value: "object": failed rule: self.metadata.name.startsWith(self.spec.prefix) && self.kind == 'CronTab'`]);
  });
});

describe('CEL rules: the causes', () => {
  const spec = (rules: Rule[], props: Record<string, JSONSchemaProps> = { replicas: I, maxReplicas: I, name: S }) => root({ type: 'object', properties: props, 'x-kubernetes-validations': rules } as JSONSchemaProps);
  const o = obj({ replicas: 20, maxReplicas: 10, name: 'x' });
  const cases: [string, Rule, string][] = [
    ['message', { rule: 'self.replicas <= self.maxReplicas', message: 'replicas should be smaller than or equal to maxReplicas.' }, 'spec: Invalid value: "object": replicas should be smaller than or equal to maxReplicas.'],
    ['default message', { rule: 'self.replicas <= self.maxReplicas' }, 'spec: Invalid value: "object": failed rule: self.replicas <= self.maxReplicas'],
    ['messageExpression', { rule: 'self.replicas <= self.maxReplicas', messageExpression: "'replicas ' + string(self.replicas) + ' is above ' + string(self.maxReplicas)" }, 'spec: Invalid value: "object": replicas 20 is above 10'],
    ['messageExpression that fails falls back to message', { rule: 'self.replicas <= self.maxReplicas', message: 'too many', messageExpression: 'string(self.replicas / 0)' }, 'spec: Invalid value: "object": too many'],
    ['reason Forbidden', { rule: 'self.replicas <= self.maxReplicas', reason: 'FieldValueForbidden', message: 'no' }, 'spec: Forbidden: no'],
    ['reason Required', { rule: 'self.replicas <= self.maxReplicas', reason: 'FieldValueRequired', message: 'needs more' }, 'spec: Required value: needs more'],
    ['reason Duplicate', { rule: 'self.replicas <= self.maxReplicas', reason: 'FieldValueDuplicate' }, 'spec: Duplicate value: "object"'],
    ['fieldPath', { rule: 'self.replicas <= self.maxReplicas', fieldPath: '.replicas', message: 'm' }, 'spec.replicas: Invalid value: "object": m'],
    ['fieldPath quoted', { rule: 'self.replicas <= self.maxReplicas', fieldPath: "['maxReplicas']", message: 'm' }, 'spec.maxReplicas: Invalid value: "object": m'],
    ['an evaluation error', { rule: 'self.replicas / (self.maxReplicas - 10) > 0' }, 'spec: Invalid value: "object": division by zero evaluating rule: self.replicas / (self.maxReplicas - 10) > 0'],
    ['a quantity that does not parse', { rule: "quantity(self.name).sign() == 1" }, `spec: Invalid value: "object": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': "x" evaluating rule: quantity(self.name).sign() == 1`],
    ['an absent field', { rule: 'self.missing == 1' }, 'spec: Invalid value: "object": no such key: missing evaluating rule: self.missing == 1'],
  ];
  for (const [name, rule, want] of cases) {
    it(name, () => {
      const props = name === 'an absent field' ? { replicas: I, maxReplicas: I, name: S, missing: I } : undefined;
      assert.deepEqual(causes(spec([rule], props), o), [want]);
    });
  }

  it('rules on scalars, list items and map values name their own path', () => {
    const schema = root({ type: 'object', properties: {
      name: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() < 3' }] },
      items: { type: 'array', items: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= 0' }] } },
      labels: { type: 'object', additionalProperties: { type: 'string', 'x-kubernetes-validations': [{ rule: "self != ''" }] } },
    } } as JSONSchemaProps);
    assert.deepEqual(causes(schema, obj({ name: 'long', items: [1, -1], labels: { a: 'x', b: '' } })), [
      'spec.name: Invalid value: "string": failed rule: self.size() < 3',
      'spec.items[1]: Invalid value: "integer": failed rule: self >= 0',
      'spec.labels[b]: Invalid value: "string": failed rule: self != \'\'',
    ]);
  });

  it('a null or absent value is not validated', () => {
    const schema = root({ type: 'object', properties: { name: { type: 'string', nullable: true, 'x-kubernetes-validations': [{ rule: 'self.size() < 3' }] } } } as JSONSchemaProps);
    assert.deepEqual(causes(schema, obj({ name: null })), []);
    assert.deepEqual(causes(schema, obj({})), []);
  });
});

describe('CEL rules: transition rules', () => {
  const schema = root({ type: 'object', properties: {
    engine: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'Value is immutable' }] },
    storageGB: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'Storage size cannot be decreased' }] },
    phase: { type: 'string', 'x-kubernetes-validations': [{ rule: "!oldSelf.hasValue() || oldSelf.value() != 'Done' || self == 'Done'", optionalOldSelf: true, message: 'Done is final' }] },
    items: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: S, size: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'no shrinking' }] } } } },
  } } as JSONSchemaProps);

  it('do not run on create (no old value), except optionalOldSelf', () => {
    assert.deepEqual(causes(schema, obj({ engine: 'pg', storageGB: 1, phase: 'Done' })), []);
  });
  it('run on update against the old value at the same path', () => {
    const old = obj({ engine: 'pg', storageGB: 10, phase: 'Done', items: [{ name: 'a', size: 5 }] });
    assert.deepEqual(causes(schema, obj({ engine: 'mysql', storageGB: 5, phase: 'Running', items: [{ name: 'b', size: 1 }, { name: 'a', size: 4 }] }), old), [
      'spec.engine: Invalid value: "string": Value is immutable',
      'spec.storageGB: Invalid value: "integer": Storage size cannot be decreased',
      'spec.phase: Invalid value: "string": Done is final',
      'spec.items[1].size: Invalid value: "integer": no shrinking',
    ]);
    assert.deepEqual(causes(schema, obj({ engine: 'pg', storageGB: 11, phase: 'Done', items: [{ name: 'a', size: 6 }] }), old), []);
  });
  it('a field that is new on update has no oldSelf', () => {
    assert.deepEqual(causes(schema, obj({ engine: 'pg', storageGB: 3 }), obj({})), []);
  });
  it('ratcheting: an unchanged value is not re-validated by a rule without oldSelf', () => {
    const s = root({ type: 'object', properties: { name: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() < 3' }] }, x: I } } as JSONSchemaProps);
    assert.deepEqual(causes(s, obj({ name: 'long', x: 2 }), obj({ name: 'long', x: 1 })), []);
    assert.deepEqual(causes(s, obj({ name: 'longer' }), obj({ name: 'long' })), ['spec.name: Invalid value: "string": failed rule: self.size() < 3']);
  });
  it('object equality on an object-typed oldSelf', () => {
    const s = root({ type: 'object', properties: { a: I, b: { type: 'array', items: { type: 'object', properties: { c: S } } } }, 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'immutable' }] } as JSONSchemaProps);
    assert.deepEqual(causes(s, obj({ a: 1, b: [{ c: 'x' }] }), obj({ a: 1, b: [{ c: 'x' }] })), []);
    assert.deepEqual(causes(s, obj({ a: 1, b: [{ c: 'y' }] }), obj({ a: 1, b: [{ c: 'x' }] })), ['spec: Invalid value: "object": immutable']);
  });
});

describe('CEL rules: compilation refuses the CRD', () => {
  const at = 'spec.versions[0].schema.openAPIV3Schema';
  const compile = (rules: Rule[]) =>
    ruleCompileCauses(root({ type: 'object', properties: { replicas: I, name: S }, 'x-kubernetes-validations': rules } as JSONSchemaProps), at).map((c) => `${c.field}: ${c.message}`);
  const p = `${at}.properties[spec].x-kubernetes-validations[0]`;
  const goRule = (rule: string, more = 'Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)') => `apiextensions.ValidationRule{Rule:${JSON.stringify(rule)}, ${more}}`;
  const cases: [string, Rule, string][] = [
    ['an undefined field', { rule: 'self.foo == 1' }, `${p}.rule: Invalid value: ${goRule('self.foo == 1')}: compilation failed: ERROR: <input>:1:6: undefined field 'foo'\n | self.foo == 1\n | .....^`],
    ['a type error', { rule: "self.replicas < 'a'" }, `${p}.rule: Invalid value: ${goRule("self.replicas < 'a'")}: compilation failed: ERROR: <input>:1:1: found no matching overload for '_<_' applied to '(int, string)'\n | self.replicas < 'a'\n | ^`],
    ['a function jetkube does not have', { rule: 'isCIDR(self.name)' }, `${p}.rule: Invalid value: ${goRule('isCIDR(self.name)')}: compilation failed: ERROR: <input>:1:1: undeclared reference to 'isCIDR' (in container '')\n | isCIDR(self.name)\n | ^`],
    ['a syntax error', { rule: 'self.replicas +' }, `${p}.rule: Invalid value: ${goRule('self.replicas +')}: compilation failed: ERROR: <input>:1:16: Unexpected token: EOF\n | self.replicas +\n | ...............^`],
    ['not a bool', { rule: 'self.replicas' }, `${p}.rule: Invalid value: ${goRule('self.replicas')}: compilation failed: cel expression must evaluate to a bool`],
    ['a pattern RE2 refuses', { rule: "self.name.matches('(?=a)')" }, `${p}.rule: Invalid value: ${goRule("self.name.matches('(?=a)')")}: compilation failed: ERROR: <input>:1:19: compiling regex failed: error parsing regexp: invalid or unsupported Perl syntax: \`(?=\``],
    ['no rule', { message: 'm' }, `${p}.rule: Required value`],
    ['a bad reason', { rule: 'true', reason: 'Nope' }, `${p}.reason: Unsupported value: "Nope": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`],
    ['a fieldPath naming no field', { rule: 'true', fieldPath: '.nope' }, `${p}.fieldPath: Invalid value: ".nope": fieldPath must be a valid path: does not refer to a valid field`],
    ['a multi-line rule without message', { rule: 'true &&\ntrue' }, `${p}.message: Required value: message must be specified if rule contains line breaks`],
    ['a messageExpression not a string', { rule: 'true', messageExpression: '1' }, `${p}.messageExpression: Invalid value: "1": must evaluate to a string`],
  ];
  for (const [name, rule, want] of cases) {
    it(name, () => assert.deepEqual(compile([rule]), [want]));
  }
  it('oldSelf is optional<T> only with optionalOldSelf', () => {
    assert.deepEqual(compile([{ rule: 'oldSelf.hasValue()', optionalOldSelf: true }]), []);
    assert.equal(compile([{ rule: 'oldSelf.hasValue()' }]).length, 1);
  });
  it('through validateCrd, on the version path', () => {
    const c: any = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'crontabs.stable.example.com' },
      spec: { group: 'stable.example.com', scope: 'Namespaced', names: { plural: 'crontabs', kind: 'CronTab' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: root({ type: 'object', properties: { replicas: I }, 'x-kubernetes-validations': [{ rule: 'self.replicas < 5' }, { rule: 'self.nope' }] } as JSONSchemaProps) } }] },
    };
    defaultCrd(c);
    const got = validateCrd(c as Crd).map((x) => x.field);
    assert.deepEqual(got, [`${at}.properties[spec].x-kubernetes-validations[1].rule`]);
  });
});

describe('CEL rules: the custom resource strategy', () => {
  const c: any = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'crontabs.stable.example.com' },
    spec: { group: 'stable.example.com', scope: 'Namespaced', names: { plural: 'crontabs', kind: 'CronTab' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: root({ type: 'object', properties: { replicas: I, maxReplicas: I }, 'x-kubernetes-validations': [{ rule: 'self.replicas <= self.maxReplicas', message: 'replicas should be smaller than or equal to maxReplicas.' }] } as JSONSchemaProps) } }] },
  };
  defaultCrd(c);
  const st = customResourceStrategy(c as Crd);
  it('validates create and update', () => {
    assert.deepEqual(st.validate!(obj({ replicas: 1, maxReplicas: 2 })), []);
    assert.deepEqual(st.validate!(obj({ replicas: 3, maxReplicas: 2 })).map((x) => `${x.field}: ${x.message}`), ['spec: Invalid value: "object": replicas should be smaller than or equal to maxReplicas.']);
    assert.deepEqual(st.validate!(obj({ replicas: 3, maxReplicas: 2 }), obj({ replicas: 1, maxReplicas: 2 })).length, 1);
  });
  it('does not run rules on an object of the wrong types', () => {
    assert.deepEqual(st.validate!(obj({ replicas: 'x', maxReplicas: 2 })).map((x) => x.message), [
      'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      'Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });
});

describe('CEL rules: cost', () => {
  const schema = root({ type: 'object', properties: { xs: { type: 'array', items: S } }, 'x-kubernetes-validations': [{ rule: 'self.xs.all(x, self.xs.all(y, x == y || x != y))' }] } as JSONSchemaProps);
  it('a nested comprehension over a small list runs', () => {
    assert.deepEqual(causes(schema, obj({ xs: ['a', 'b', 'c'] })), []);
  });
  it('over a big list it is refused quickly, never run', () => {
    const xs = Array.from({ length: 5000 }, (_, i) => `s${i}`);
    const t = Date.now();
    assert.deepEqual(causes(schema, obj({ xs })), [
      `spec: Invalid value: "object": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: self.xs.all(x, self.xs.all(y, x == y || x != y))`,
    ]);
    assert.ok(Date.now() - t < 1000);
    assert.ok(PER_CALL_LIMIT > 0);
  });
  it('building strings in a loop counts the strings in self; a plain loop does not', () => {
    const s = (rule: string) => root({ type: 'object', properties: { s: S, xs: { type: 'array', items: S } }, 'x-kubernetes-validations': [{ rule }] } as JSONSchemaProps);
    const spec = { s: 'x'.repeat(1_000_000), xs: Array.from({ length: 2000 }, () => 'a') };
    assert.deepEqual(causes(s('self.xs.all(x, x.size() < 10)'), obj(spec)), []);
    assert.match(causes(s('self.xs.map(x, self.s + self.s).size() > 0'), obj(spec))[0]!, /actual cost limit exceeded/);
  });
  it('matches is RE2: a pattern that backtracks exponentially in JS answers at once', () => {
    const s = root({ type: 'object', properties: { xs: { type: 'array', items: S }, p: S }, 'x-kubernetes-validations': [{ rule: "self.xs.all(x, x.matches('^(a+)+$') || x.matches(self.p))" }] } as JSONSchemaProps);
    const t = Date.now();
    assert.equal(causes(s, obj({ xs: ['a'.repeat(40) + '!'], p: '^(a|aa)+$' })).length, 1);
    assert.ok(Date.now() - t < 1000);
  });
  it('rules on the items of a big list stop at the request budget', () => {
    const s = root({ type: 'object', properties: { xs: { type: 'array', items: { type: 'array', items: S, 'x-kubernetes-validations': [{ rule: 'self.all(x, x.size() < 100)' }] } } } } as JSONSchemaProps);
    const inner = Array.from({ length: 900 }, () => 'x');
    const got = causes(s, obj({ xs: Array.from({ length: 2000 }, () => inner) }));
    assert.equal(got.length, 1);
    assert.match(got[0]!, /validation failed due to running out of cost budget, no further validation rules will be run/);
  });
});

describe('CEL rules: names of Object.prototype', () => {
  it('fields named toString or hasOwnProperty are plain fields, absent when absent', () => {
    const s = root({ type: 'object', properties: { toString: S, hasOwnProperty: I }, 'x-kubernetes-validations': [{ rule: "self.toString == 'b' && !has(self.hasOwnProperty)" }] } as JSONSchemaProps);
    assert.deepEqual(causes(s, obj({ toString: 'b' })), []);
    assert.equal(causes(s, obj({ toString: 'b', hasOwnProperty: 1 })).length, 1);
  });
  it('map keys like constructor or __proto__ are plain keys', () => {
    const s = root({ type: 'object', properties: { m: { type: 'object', additionalProperties: S } }, 'x-kubernetes-validations': [{ rule: "!('constructor' in self.m) && size(self.m) == 1" }] } as JSONSchemaProps);
    assert.deepEqual(causes(s, obj({ m: { a: 'x' } })), []);
    assert.equal(causes(s, obj({ m: { constructor: 'x' } })).length, 1);
    assert.equal(causes(s, obj({ m: JSON.parse('{"__proto__": "x", "b": "y"}') })).length, 1);
  });
  it('a field named constructor is not accessible (the rule does not compile)', () => {
    const s = root({ type: 'object', properties: { constructor: S }, 'x-kubernetes-validations': [{ rule: "self.constructor == 'a'" }] } as JSONSchemaProps);
    assert.match(ruleCompileCauses(s, 'x')[0]!.message, /undefined field 'constructor'/);
  });
  it('a transition rule on a field named toString sees no old value when the old object lacks it', () => {
    const s = root({ type: 'object', properties: { toString: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'imm' }] } } } as JSONSchemaProps);
    assert.deepEqual(causes(s, obj({ toString: 'a' }), obj({})), []);
    assert.deepEqual(causes(s, obj({ toString: 'a' }), obj({ toString: 'b' })), ['spec.toString: Invalid value: "string": imm']);
  });
});

describe('CEL field names', () => {
  it('escapes as Kubernetes does', () => {
    assert.deepEqual(['namespace', 'a-b', 'a.b', 'a/b', 'a__b', 'ok', '1x', 'a b', 'constructor'].map(celFieldName), ['__namespace__', 'a__dash__b', 'a__dot__b', 'a__slash__b', 'a__underscores__b', 'ok', undefined, undefined, undefined]);
  });
});
