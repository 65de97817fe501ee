/**
 * CustomResourceDefinitions, the pure parts: validation of the CRD (Kubernetes' fields and
 * messages, and what jetkube refuses), names conflicts and status, and custom resources against
 * their schema: pruning, structural defaulting (cases from the Kubernetes docs), validation
 * causes, list types, printer columns and scale paths.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crdResourceInfo, crdStatus, defaultCrd, namesConflict, validateCrd, type Crd, type JSONSchemaProps } from '../../shared/resources/crd.js';
import { applySchemaDefaults, crdPrinter, crScale, prune, readPath, validateAgainstSchema, withReplicas } from '../../shared/resources/cr-schema.js';
import { RESOURCES } from '../../shared/resources/registry.js';
import { customResourceStrategy } from '../../shared/resources/custom-resource.js';
import { crdOpenApi } from '../../services/gateway/openapi-crd.js';
import { buildSwagger, documentType, toGnostic } from '../../services/gateway/openapi-v2/index.js';
import type { KObject } from '../../shared/resources/meta.js';

function crd(mut: (c: any) => void = () => {}): Crd {
  const c: any = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', kind: 'CronTab', shortNames: ['ct'] },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { cronSpec: { type: 'string' } } } } } } }],
    },
  };
  mut(c);
  defaultCrd(c);
  return c as Crd;
}

const fieldsOf = (c: Crd, old?: Crd) => validateCrd(c, old).map((x) => `${x.field}: ${x.message}`);

describe('CRD validation', () => {
  const cases: [string, (c: any) => void, string | undefined][] = [
    ['a valid CRD', () => {}, undefined],
    ['name not plural.group', (c) => (c.metadata.name = 'x.stable.example.com'), 'metadata.name: Invalid value: "x.stable.example.com": must be spec.names.plural+"."+spec.group'],
    ['group without a dot', (c) => { c.spec.group = 'stable'; c.metadata.name = 'crontabs.stable'; }, 'spec.group: Invalid value: "stable": should be a domain with at least one dot'],
    ['scope', (c) => (c.spec.scope = 'Global'), 'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"'],
    ['kind missing', (c) => delete c.spec.names.kind, 'spec.names.kind: Required value'],
    ['plural not a DNS-1035 label', (c) => { c.spec.names.plural = 'Crons'; c.metadata.name = 'Crons.stable.example.com'; }, 'spec.names.plural: Invalid value: "Crons": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')'],
    ['no storage version', (c) => (c.spec.versions[0].storage = false), 'spec.versions: Invalid value: ["v1"]: must have exactly one version marked as storage version'],
    ['no schema', (c) => delete c.spec.versions[0].schema, 'spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required'],
    ['a property without type', (c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.spec = { properties: { a: { type: 'string' } } }), 'spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields'],
    ['root not an object', (c) => (c.spec.versions[0].schema.openAPIV3Schema = { type: 'string' }), 'spec.versions[0].schema.openAPIV3Schema.type: Invalid value: "string": must be object at the root'],
    ['preserve-unknown-fields false', (c) => (c.spec.versions[0].schema.openAPIV3Schema['x-kubernetes-preserve-unknown-fields'] = false), 'spec.versions[0].schema.openAPIV3Schema.x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined'],
    ['properties with additionalProperties', (c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.spec.additionalProperties = { type: 'string' }), 'spec.versions[0].schema.openAPIV3Schema.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive'],
    ['metadata beyond name', (c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.metadata = { type: 'object', properties: { labels: { type: 'object' } } }), 'spec.versions[0].schema.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified'],
    ['webhook conversion is refused', (c) => (c.spec.conversion = { strategy: 'Webhook' }), 'spec.conversion.strategy: Forbidden: jetkube does not call conversion webhooks: use "None" (objects are stored in the storage version and served in every served version with only apiVersion changed)'],
    ['a CEL rule that compiles', (c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'] = [{ rule: "self.cronSpec != ''" }]), undefined],
    ['a CEL rule calling a function jetkube lacks', (c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'] = [{ rule: 'isIP(self.cronSpec)' }]), 'spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"isIP(self.cronSpec)", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:1: undeclared reference to \'isIP\' (in container \'\')\n | isIP(self.cronSpec)\n | ^'],
    ['two versions, one of them storage', (c) => c.spec.versions.push({ ...c.spec.versions[0], name: 'v2', storage: false }), undefined],
    ['two storage versions', (c) => c.spec.versions.push({ ...c.spec.versions[0], name: 'v2' }), 'spec.versions: Invalid value: ["v1","v2"]: must have exactly one version marked as storage version'],
    ['a version named twice', (c) => c.spec.versions.push({ ...c.spec.versions[0], storage: false }), 'spec.versions: Invalid value: ["v1","v1"]: must contain unique version names'],
    ['a deprecation warning on a version not deprecated', (c) => (c.spec.versions[0].deprecationWarning = 'old'), 'spec.versions[0].deprecationWarning: Invalid value: "old": can only be set for deprecated versions'],
    ['an empty deprecation warning', (c) => Object.assign(c.spec.versions[0], { deprecated: true, deprecationWarning: '' }), 'spec.versions[0].deprecationWarning: Invalid value: "": must not be an empty string'],
    ['a selectable field', (c) => (c.spec.versions[0].selectableFields = [{ jsonPath: '.spec.cronSpec' }]), undefined],
    ['a selectable field the schema lacks', (c) => (c.spec.versions[0].selectableFields = [{ jsonPath: '.spec.nope' }]), 'spec.versions[0].selectableFields[0].jsonPath: Invalid value: ".spec.nope": is an invalid path: does not refer to a valid field'],
    ['webhook settings with strategy None', (c) => (c.spec.conversion = { strategy: 'None', conversionReviewVersions: ['v1'] }), 'spec.conversion.conversionReviewVersions: Forbidden: should not be set when strategy is not set to Webhook'],
    ['a stored version removed from spec.versions', (c) => (c.status = { storedVersions: ['v1beta1', 'v1'] }), 'status.storedVersions[0]: Invalid value: "v1beta1": missing from spec.versions; v1beta1 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v1beta1 and removes v1beta1 from status.storedVersions'],
    ['the storage version not among the stored ones', (c) => (c.status = { storedVersions: ['v1', 'v2'] }, c.spec.versions[0].storage = false, c.spec.versions.push({ ...c.spec.versions[0], name: 'v3', storage: true }), c.status.storedVersions = ['v1']), 'status.storedVersions: Invalid value: ["v1"]: must have the storage version v3'],
    ['scale path not under .spec', (c) => (c.spec.versions[0].subresources = { scale: { specReplicasPath: '.status.r', statusReplicasPath: '.status.r' } }), 'spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.r": should be a json path under .spec'],
    ['a schema ajv cannot compile', (c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.cronSpec.minLength = -1), 'spec.versions[0].schema.openAPIV3Schema: Invalid value: "object": the schema cannot be compiled: schema is invalid: data/properties/spec/properties/cronSpec/minLength must be >= 0'],
    ['printer column type', (c) => (c.spec.versions[0].additionalPrinterColumns = [{ name: 'X', type: 'text', jsonPath: '.spec.x' }]), 'spec.versions[0].additionalPrinterColumns[0].type: Unsupported value: "text": supported values: "array", "boolean", "date", "integer", "number", "object", "string"'],
  ];
  for (const [name, mut, want] of cases) {
    it(name, () => {
      const got = fieldsOf(crd(mut));
      if (want === undefined) assert.deepEqual(got, []);
      else assert.ok(got.includes(want), got.join('\n'));
    });
  }

  it('defaults singular, listKind, conversion None', () => {
    const c = crd();
    assert.equal(c.spec.names.singular, 'crontab');
    assert.equal(c.spec.names.listKind, 'CronTabList');
    assert.deepEqual(c.spec.conversion, { strategy: 'None' });
  });

  it('scope, group, plural and kind are immutable', () => {
    const old = crd();
    const got = fieldsOf(crd((c) => (c.spec.scope = 'Cluster')), old);
    assert.ok(got.includes('spec.scope: Invalid value: "Cluster": field is immutable'), got.join('\n'));
  });
});

describe('custom resource strategy', () => {
  it('a terminating CRD takes no new objects: 405 as Kubernetes says it', () => {
    const live = customResourceStrategy(crd());
    assert.equal(live.admitCreate, undefined);
    const dying = customResourceStrategy(crd((c) => (c.metadata.deletionTimestamp = '2026-12-06T00:00:00Z')));
    const e = dying.admitCreate!() as any;
    assert.equal(e.toStatus().code, 405);
    assert.equal(e.toStatus().message, 'create not allowed while custom resource definition is terminating');
  });
  it('status and scale subresources and generation from the CRD', () => {
    const st = customResourceStrategy(crd((c) => (c.spec.versions[0].subresources = { status: {} })));
    assert.deepEqual([st.statusSubresource, st.generation, st.customResource, st.scale], [true, true, true, undefined]);
  });
});

describe('CRD names and status', () => {
  it('only names of the same group conflict (a built-in plural or short name in another group does not)', () => {
    assert.equal(namesConflict(crd((c) => (c.spec.names.plural = 'pods')), RESOURCES), undefined);
    assert.equal(namesConflict(crd((c) => (c.spec.names.shortNames = ['po'])), RESOURCES), undefined);
    const sameGroup = RESOURCES.map((r) => ({ ...r, group: 'stable.example.com' }));
    assert.deepEqual(namesConflict(crd((c) => (c.spec.names.plural = 'pods')), sameGroup), { reason: 'PluralConflict', message: '"pods" is already in use' });
    assert.deepEqual(namesConflict(crd((c) => (c.spec.names.shortNames = ['po'])), sameGroup), { reason: 'ShortNamesConflict', message: '"po" is already in use' });
    assert.equal(namesConflict(crd(), RESOURCES), undefined);
  });

  it('status: NamesAccepted and Established True, acceptedNames; written again it keeps its times', () => {
    const c = crd();
    const st = crdStatus(c, undefined, '2026-12-06T00:00:00Z');
    assert.deepEqual(st.conditions!.map((x) => [x.type, x.status, x.reason, x.message]), [
      ['NamesAccepted', 'True', 'NoConflicts', 'no conflicts found'],
      ['Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted'],
    ]);
    assert.deepEqual(st.acceptedNames, { plural: 'crontabs', singular: 'crontab', shortNames: ['ct'], kind: 'CronTab', listKind: 'CronTabList' });
    assert.deepEqual(st.storedVersions, ['v1']);
    assert.deepEqual(crdStatus({ ...c, status: st }, undefined, '2026-12-07T00:00:00Z'), st);
  });

  it('status with a conflict: NamesAccepted False, not Established', () => {
    const st = crdStatus(crd(), { reason: 'PluralConflict', message: '"crontabs" is already in use' }, 't');
    assert.deepEqual(st.conditions!.map((x) => [x.type, x.status, x.reason]), [
      ['NamesAccepted', 'False', 'PluralConflict'],
      ['Established', 'False', 'NotAccepted'],
    ]);
  });

  it('the resource row', () => {
    const c = crd((x) => (x.spec.versions[0].subresources = { status: {}, scale: { specReplicasPath: '.spec.r', statusReplicasPath: '.status.r' } }));
    const info = crdResourceInfo(c);
    assert.deepEqual([info.kind, info.plural, info.singular, info.group, info.version, info.namespaced, info.table, info.subresources], ['CronTab', 'crontabs', 'crontab', 'stable.example.com', 'v1', true, 'custom_objects', ['status', 'scale']]);
  });
});

const obj = (spec: unknown, extra: object = {}): any => ({ apiVersion: 'x.io/v1', kind: 'K', metadata: { name: 'a' }, spec, ...extra });

describe('custom resources: pruning and defaulting', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          a: { type: 'string', default: 'x' },
          nested: { type: 'object', default: {}, properties: { b: { type: 'integer', default: 3 } } },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: { k: { type: 'string' } } } } },
          labels: { type: 'object', additionalProperties: { type: 'object', properties: { v: { type: 'string' } } } },
          list: { type: 'array', items: { type: 'object', properties: { n: { type: 'string' }, p: { type: 'integer', default: 80 } } } },
        },
      },
    },
  };

  it('prunes unknown fields at every level, keeping apiVersion, kind, metadata', () => {
    const o = obj({ a: 'y', junk: 1, labels: { one: { v: 'a', w: 'b' } }, list: [{ n: 'q', z: 1 }] }, { status: { s: 1 } });
    assert.deepEqual(prune(o, schema), ['spec.junk', 'spec.labels.one.w', 'spec.list[0].z', 'status']);
    assert.deepEqual(o, obj({ a: 'y', labels: { one: { v: 'a' } }, list: [{ n: 'q' }] }));
  });

  it('prunes unknown fields named after Object.prototype members, and defaults a property named like one', () => {
    const o = obj({ a: 'y', toString: 'x', constructor: 1, hasOwnProperty: true, junk: 1 });
    assert.deepEqual(prune(o, schema), ['spec.toString', 'spec.constructor', 'spec.hasOwnProperty', 'spec.junk']);
    assert.deepEqual(o, obj({ a: 'y' }));
    const named: JSONSchemaProps = { type: 'object', properties: { spec: { type: 'object', properties: { toString: { type: 'string', default: 'd' } } } } };
    const d = obj({});
    applySchemaDefaults(d, named);
    assert.deepEqual(d.spec, { toString: 'd' });
  });

  it('keeps what x-kubernetes-preserve-unknown-fields keeps, and prunes inside its known properties', () => {
    const o = obj({ free: { anything: { deep: 1 }, known: { k: 's', drop: 1 } } });
    prune(o, schema);
    assert.deepEqual(o.spec.free, { anything: { deep: 1 }, known: { k: 's' } });
  });

  it('defaults absent fields, nested defaults inside defaulted objects, and list items (docs cases)', () => {
    const o = obj({ list: [{ n: 'a' }, { n: 'b', p: 8080 }] });
    applySchemaDefaults(o, schema);
    assert.deepEqual(o.spec, { a: 'x', nested: { b: 3 }, list: [{ n: 'a', p: 80 }, { n: 'b', p: 8080 }] });
  });

  it('does not default a set value', () => {
    const o = obj({ a: '', nested: { b: 0 } });
    applySchemaDefaults(o, schema);
    assert.deepEqual(o.spec, { a: '', nested: { b: 0 } });
  });
});

describe('custom resources: validation causes', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        required: ['cronSpec'],
        properties: {
          cronSpec: { type: 'string', pattern: '^\\d+$' },
          replicas: { type: 'integer', minimum: 1, maximum: 10 },
          mode: { type: 'string', enum: ['Fast', 'Slow'] },
          port: { 'x-kubernetes-int-or-string': true },
          maybe: { type: 'string', nullable: true },
          name: { type: 'string', maxLength: 3, minLength: 1 },
          tags: { type: 'array', maxItems: 2, items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
          ports: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
        },
      },
    },
  };
  const causes = (spec: unknown) => validateAgainstSchema(obj(spec) as KObject, schema).map((c) => `${c.field}: ${c.message}`);
  const cases: [string, object, string][] = [
    ['required', {}, 'spec.cronSpec: Required value'],
    ['type', { cronSpec: 5 }, 'spec.cronSpec: Invalid value: "integer": spec.cronSpec in body must be of type string: "integer"'],
    ['pattern', { cronSpec: 'x' }, "spec.cronSpec: Invalid value: \"x\": spec.cronSpec in body should match '^\\d+$'"],
    ['minimum', { cronSpec: '1', replicas: 0 }, 'spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1'],
    ['maximum', { cronSpec: '1', replicas: 11 }, 'spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10'],
    ['enum', { cronSpec: '1', mode: 'Medium' }, 'spec.mode: Unsupported value: "Medium": supported values: "Fast", "Slow"'],
    ['int-or-string', { cronSpec: '1', port: true }, 'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"'],
    ['maxLength', { cronSpec: '1', name: 'abcd' }, 'spec.name: Too long: may not be more than 3 bytes'],
    ['maxItems', { cronSpec: '1', tags: ['a', 'b', 'c'] }, 'spec.tags: Too many: 3: must have at most 2 items'],
    ['list-type set', { cronSpec: '1', tags: ['a', 'a'] }, 'spec.tags[1]: Duplicate value: "a"'],
    ['list-type map', { cronSpec: '1', ports: [{ name: 'h', port: 1 }, { name: 'h', port: 2 }] }, 'spec.ports[1]: Duplicate value: {"name":"h"}'],
  ];
  for (const [name, spec, want] of cases) {
    it(name, () => {
      const got = causes(spec);
      assert.ok(got.includes(want), got.join('\n'));
    });
  }
  it('valid values, int-or-string both ways, nullable null', () => {
    assert.deepEqual(causes({ cronSpec: '1', port: 80, maybe: null }), []);
    assert.deepEqual(causes({ cronSpec: '1', port: 'http', mode: 'Fast', tags: ['a', 'b'] }), []);
  });
});

describe('custom resources: printer columns and scale', () => {
  const now = new Date('2026-12-06T12:00:00Z');
  const o = { ...obj({ cronSpec: '* * * * */5', replicas: 2, list: [{ n: 'z' }] }), metadata: { name: 'a', creationTimestamp: '2026-12-06T11:00:00Z', labels: { 'app.k8s.io/n': 'w' } }, status: { replicas: 1, sel: 'app=a' } } as KObject;
  it('Name, then the columns; ages for dates; empty for missing', () => {
    const p = crdPrinter([
      { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'First', type: 'string', jsonPath: '.spec.list[0].n' },
      { name: 'Label', type: 'string', jsonPath: ".metadata.labels['app.k8s.io/n']" },
      { name: 'Missing', type: 'string', jsonPath: '.spec.none' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ]);
    assert.deepEqual(p.columns.map((c) => c.name), ['Name', 'Spec', 'Replicas', 'First', 'Label', 'Missing', 'Age']);
    assert.deepEqual(p.row(o, now), ['a', '* * * * */5', 2, 'z', 'w', '', '60m']);
  });
  it('NAME AGE without columns', () => {
    assert.deepEqual(crdPrinter(undefined).columns.map((c) => c.name), ['Name', 'Age']);
  });
  it('readPath', () => assert.equal(readPath(o, '.status.sel'), 'app=a'));
  it('Scale from the paths, and replicas written to the spec path', () => {
    const paths = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.sel' };
    const s = crScale(o, paths);
    assert.deepEqual([s.kind, s.apiVersion, s.spec, s.status], ['Scale', 'autoscaling/v1', { replicas: 2 }, { replicas: 1, selector: 'app=a' }]);
    assert.equal((withReplicas(o, { ...paths, specReplicasPath: '.spec.deep.r' }, 4).spec as any).deep.r, 4);
  });
});

describe('OpenAPI of custom resources', () => {
  const c = crd((x) => {
    x.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.maybe = { type: 'string', nullable: true };
    x.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.port = { 'x-kubernetes-int-or-string': true };
    x.spec.versions[0].schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'] = [{ rule: "self.cronSpec != ''", message: 'cronSpec is required' }];
  });
  const info = crdResourceInfo(c);
  it('v3: kind and list components by reversed group, PATCH without strategic merge', () => {
    const d = crdOpenApi([{ info, crd: c }]);
    const k = d.schemas['com.example.stable.v1.CronTab'] as any;
    assert.deepEqual(k['x-kubernetes-group-version-kind'], [{ group: 'stable.example.com', version: 'v1', kind: 'CronTab' }]);
    assert.ok(k.properties.metadata && k.properties.spec.properties.cronSpec);
    assert.deepEqual(k.properties.spec['x-kubernetes-validations'], [{ rule: "self.cronSpec != ''", message: 'cronSpec is required' }]);
    assert.ok(d.schemas['com.example.stable.v1.CronTabList']);
    const patch = (d.paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}'] as any).patch;
    assert.deepEqual(Object.keys(patch.requestBody.content).sort(), ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']);
  });
  it('v2: definitions without nullable, and the document encodes as gnostic protobuf', () => {
    const sw = buildSwagger(undefined, [{ info, crd: c }]);
    const k = sw.definitions['com.example.stable.v1.CronTab'] as any;
    assert.deepEqual(k.properties.spec.properties.maybe, {});
    assert.ok(!sw.paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}']!.patch!.consumes.includes('application/strategic-merge-patch+json'));
    const type = documentType();
    assert.ok(type.encode(type.fromObject(toGnostic(JSON.parse(JSON.stringify(sw))))).finish().length > 0);
  });
});
