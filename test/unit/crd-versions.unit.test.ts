/**
 * A CRD's versions, the pure parts: Kubernetes' version priority, the deprecation warning, the
 * rules on spec.versions and status.storedVersions, the rows and strategies each served version
 * gets, and conversion None (only apiVersion changes between the stored and the requested version).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  asServedVersion,
  asStoredVersion,
  byVersionPriority,
  compareVersionPriority,
  deprecationWarning,
  deprecationWarningErrors,
  selectableFieldsCauses,
  storedVersionsCauses,
  withStorageVersion,
} from '../../shared/resources/crd-versions.js';
import { crdResourceInfo, defaultCrd, recordStorageVersion, type Crd } from '../../shared/resources/crd.js';
import { customResourceStrategy } from '../../shared/resources/custom-resource.js';
import { apiVersionOf } from '../../shared/resources/registry.js';
import type { KObject } from '../../shared/resources/meta.js';

describe('version priority (kube-aware order)', () => {
  const cases: [string, string[], string[]][] = [
    ['the docs example', ['v11alpha2', 'foo10', 'v10', 'v12alpha1', 'v3beta1', 'foo1', 'v11beta2', 'v10beta3', 'v1', 'v2'], ['v10', 'v2', 'v1', 'v11beta2', 'v10beta3', 'v3beta1', 'v12alpha1', 'v11alpha2', 'foo1', 'foo10']],
    ['GA, beta, alpha, other', ['foo', 'v1alpha1', 'v1beta1', 'v1beta2', 'v1'], ['v1', 'v1beta2', 'v1beta1', 'v1alpha1', 'foo']],
    ['a higher major first', ['v1', 'v2'], ['v2', 'v1']],
    ['not Kubernetes versions: alphabetical', ['v1.0', 'alpha', 'v0'], ['alpha', 'v0', 'v1.0']],
  ];
  for (const [name, input, want] of cases) it(name, () => assert.deepEqual(byVersionPriority(input), want));
  it('is a comparator: equal names compare 0, and it is antisymmetric', () => {
    assert.equal(compareVersionPriority('v1beta1', 'v1beta1'), 0);
    assert.ok(compareVersionPriority('v1', 'v1beta1') < 0 && compareVersionPriority('v1beta1', 'v1') > 0);
  });
});

describe('deprecation warning', () => {
  const versions = [
    { name: 'v1alpha1', served: true, deprecated: true },
    { name: 'v1beta1', served: true, deprecated: true, deprecationWarning: 'v1beta1 goes away in 2027' },
    { name: 'v1', served: true },
    { name: 'v2', served: false },
  ];
  const cases: [string, string, string | undefined][] = [
    ['Kubernetes default, naming the best served version above it', 'v1alpha1', 'example.com/v1alpha1 Widget is deprecated; use example.com/v1 Widget'],
    ['the version\'s own text', 'v1beta1', 'v1beta1 goes away in 2027'],
    ['a version not deprecated', 'v1', undefined],
  ];
  for (const [name, v, want] of cases) it(name, () => assert.equal(deprecationWarning('example.com', 'Widget', versions, v), want));
  it('no better version: the default alone', () => {
    assert.equal(deprecationWarning('example.com', 'Widget', [{ name: 'v1', served: true, deprecated: true }], 'v1'), 'example.com/v1 Widget is deprecated');
  });
  const errs: [string, boolean, unknown, string[]][] = [
    ['unset', false, undefined, []],
    ['set on a version not deprecated', false, 'x', ['can only be set for deprecated versions']],
    ['empty', true, '', ['must not be an empty string']],
    ['too long', true, 'x'.repeat(257), ['must be <= 256 characters long']],
    ['a control character, at its byte index', true, 'é\u0007', ['must only contain printable UTF-8 characters; control character found at index 2']],
    ['fine', true, 'use v1', []],
  ];
  for (const [name, dep, w, want] of errs) it(`deprecationWarning ${name}`, () => assert.deepEqual(deprecationWarningErrors(dep, w), want));
});

describe('stored versions', () => {
  const versions = [
    { name: 'v1beta1', storage: false },
    { name: 'v1', storage: true },
  ];
  const cases: [string, string[], string[]][] = [
    ['storage version listed', ['v1beta1', 'v1'], []],
    ['none', [], ['status.storedVersions: Invalid value: []: must have at least one stored version']],
    ['storage version missing', ['v1beta1'], ['status.storedVersions: Invalid value: ["v1beta1"]: must have the storage version v1']],
    ['a stored version no longer in spec.versions', ['v1alpha1', 'v1'], ['status.storedVersions[0]: Invalid value: "v1alpha1": missing from spec.versions; v1alpha1 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v1alpha1 and removes v1alpha1 from status.storedVersions']],
  ];
  for (const [name, stored, want] of cases) it(name, () => assert.deepEqual(storedVersionsCauses(stored, versions).map((c) => `${c.field}: ${c.message}`), want));
  it('the storage version is appended once', () => {
    assert.deepEqual(withStorageVersion(undefined, 'v1'), ['v1']);
    assert.deepEqual(withStorageVersion(['v1beta1'], 'v1'), ['v1beta1', 'v1']);
    assert.deepEqual(withStorageVersion(['v1beta1', 'v1'], 'v1'), ['v1beta1', 'v1']);
  });
});

describe('selectable fields', () => {
  const s = {
    type: 'object',
    properties: {
      metadata: { type: 'object' },
      spec: { type: 'object', properties: { color: { type: 'string', enum: ['red'] }, n: { type: 'integer' }, on: { type: 'boolean' }, size: { type: 'number' }, tags: { type: 'array', items: { type: 'string' } } } },
    },
  };
  const at = 'spec.versions[0]';
  const cases: [string, unknown[], string[]][] = [
    ['string, integer and boolean fields', [{ jsonPath: '.spec.color' }, { jsonPath: '.spec.n' }, { jsonPath: '.spec.on' }], []],
    ['no jsonPath', [{}], ['spec.versions[0].selectableFields[0].jsonPath: Required value']],
    ['not in the schema', [{ jsonPath: '.spec.nope' }], ['spec.versions[0].selectableFields[0].jsonPath: Invalid value: ".spec.nope": is an invalid path: does not refer to a valid field']],
    ['an array step', [{ jsonPath: '.spec.tags[0]' }], ['spec.versions[0].selectableFields[0].jsonPath: Invalid value: ".spec.tags[0]": is an invalid path: must be a simple path of field names (.spec.field)']],
    ['a number field', [{ jsonPath: '.spec.size' }], ['spec.versions[0].selectableFields[0].jsonPath: Invalid value: ".spec.size": must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.']],
    ['under metadata', [{ jsonPath: '.metadata.name' }], ['spec.versions[0].selectableFields[0].jsonPath: Invalid value: ".metadata.name": is an invalid path: does not refer to a valid field']],
    ['twice', [{ jsonPath: '.spec.n' }, { jsonPath: '.spec.n' }], ['spec.versions[0].selectableFields[1].jsonPath: Duplicate value: ".spec.n"']],
  ];
  for (const [name, fields, want] of cases) it(name, () => assert.deepEqual(selectableFieldsCauses(fields, s as any, at).map((c) => `${c.field}: ${c.message}`), want));
  it('at most 8', () => {
    const many = { type: 'object', properties: { spec: { type: 'object', properties: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}`, { type: 'string' }])) } } };
    const got = selectableFieldsCauses(Array.from({ length: 9 }, (_, i) => ({ jsonPath: `.spec.f${i}` })), many as any, at);
    assert.deepEqual(got.map((c) => `${c.field}: ${c.message}`), ['spec.versions[0].selectableFields: Too many: 9: must have at most 8 items']);
  });
  it('without a schema', () => {
    assert.deepEqual(selectableFieldsCauses([{ jsonPath: '.spec.a' }], undefined, at).map((c) => c.field), ['spec.versions[0].selectableFields']);
  });
});

const schema = (props: Record<string, unknown>) => ({ openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: props } } } });

function twoVersions(): Crd {
  const c = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [
        { name: 'v1beta1', served: true, storage: false, deprecated: true, schema: schema({ size: { type: 'string', default: 'small' } }), additionalPrinterColumns: [{ name: 'Size', type: 'string', jsonPath: '.spec.size' }] },
        { name: 'v1', served: true, storage: true, schema: schema({ size: { type: 'string' }, color: { type: 'string', default: 'red' } }), subresources: { status: {} } },
        { name: 'v2alpha1', served: false, storage: false, schema: schema({}) },
      ],
    },
  };
  defaultCrd(c);
  return c as unknown as Crd;
}

describe('a CRD with several versions', () => {
  it('one row per served version, preferred first, all stored in the storage version', () => {
    const info = crdResourceInfo(twoVersions());
    assert.equal(info.version, 'v1');
    assert.deepEqual(info.versions!.map((r) => [r.version, r.storageVersion, r.subresources, r.deprecationWarning]), [
      ['v1', 'v1', ['status'], undefined],
      ['v1beta1', 'v1', [], 'example.com/v1beta1 Widget is deprecated; use example.com/v1 Widget'],
    ]);
  });

  it('each version prunes, defaults and prints by its own schema', () => {
    const s = customResourceStrategy(twoVersions());
    const beta = s.versions!.v1beta1!;
    const v1 = s.versions!.v1!;
    const o = (): Record<string, unknown> => ({ apiVersion: 'example.com/v1beta1', kind: 'Widget', metadata: { name: 'w' }, spec: { color: 'blue' } });
    const a = o();
    beta.defaults!(a);
    assert.deepEqual(a.spec, { size: 'small' }); // color is not in v1beta1: pruned
    const b = o();
    v1.defaults!(b);
    assert.deepEqual(b.spec, { color: 'blue' });
    assert.deepEqual([beta.statusSubresource, v1.statusSubresource, s.statusSubresource], [false, true, true]);
    assert.deepEqual(beta.printer!.columns.map((c) => c.name), ['Name', 'Size']);
    assert.equal(s.versions!.v2alpha1, undefined);
  });

  it('conversion None: only apiVersion changes, each way', () => {
    const [v1, beta] = crdResourceInfo(twoVersions()).versions!;
    const stored = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 'big' } } as KObject;
    const shown = asServedVersion(beta!, stored);
    assert.deepEqual(shown, { ...stored, apiVersion: 'example.com/v1beta1' });
    assert.equal(asServedVersion(v1!, stored), stored);
    assert.deepEqual(asStoredVersion(beta!, shown), stored);
    // Built-in kinds are never converted.
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } } as KObject;
    assert.equal(asServedVersion({ ...beta!, storageVersion: undefined, group: '', version: 'v1' }, pod), pod);
    assert.equal(apiVersionOf(beta!), 'example.com/v1beta1');
  });

  it('create and update record the storage version in status.storedVersions', () => {
    const c = twoVersions();
    recordStorageVersion(c);
    assert.deepEqual(c.status!.storedVersions, ['v1']);
    c.spec.versions[0]!.storage = true;
    c.spec.versions[1]!.storage = false;
    recordStorageVersion(c);
    assert.deepEqual(c.status!.storedVersions, ['v1', 'v1beta1']);
  });
});
