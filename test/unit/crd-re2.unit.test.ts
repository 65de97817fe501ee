/**
 * RE2 semantics for CRD schema patterns (shared/resources/re2.ts): what Go's regexp (RE2) refuses
 * is refused at CRD validation with kube-apiserver's wording, what RE2 accepts and JavaScript reads
 * differently matches as in Kubernetes, and a pattern that backtracks catastrophically in a
 * JavaScript RegExp is answered (no timing asserted: a backtracking engine would not return).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateCrd, type Crd, type JSONSchemaProps } from '../../shared/resources/crd.js';
import { validateAgainstSchema } from '../../shared/resources/cr-schema.js';
import { re2SyntaxError } from '../../shared/resources/re2.js';
import type { KObject } from '../../shared/resources/meta.js';

const crdWith = (pattern: string): Crd => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'things.x.example.com' },
  spec: {
    group: 'x.example.com',
    scope: 'Namespaced',
    names: { plural: 'things', singular: 'thing', kind: 'Thing', listKind: 'ThingList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { v: { type: 'string', pattern } } } } } } }],
  },
});

describe('CRD patterns: RE2 syntax at validation', () => {
  const field = 'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[v].pattern';
  const cases: [string, string, string | undefined][] = [
    ['lookahead (Perl, not RE2)', 'a(?=b)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
    ['lookbehind (read as a bad named group, as Go does)', '(?<!a)b', 'error parsing regexp: invalid named capture: `(?<!a)b`'],
    ['backreference', '(a)\\1', 'error parsing regexp: invalid escape sequence: `\\1`'],
    ['unbalanced', '(a', 'error parsing regexp: missing closing ): `(a`'],
    ['POSIX class (RE2 only)', '^[[:alpha:]]+$', undefined],
    ['\\z end of text (RE2 only)', '^a+\\z', undefined],
    ['the docs\' cron pattern', '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$', undefined],
  ];
  for (const [name, pattern, err] of cases) {
    it(name, () => {
      assert.equal(re2SyntaxError(pattern), err);
      const causes = validateCrd(crdWith(pattern)).filter((c) => c.field === field);
      assert.deepEqual(causes.map((c) => c.message), err ? [`Invalid value: ${JSON.stringify(pattern)}: must be a valid regular expression, but isn't: ${err}`] : []);
    });
  }
});

describe('CRD patterns: RE2 semantics when validating objects', () => {
  const schemaOf = (pattern: string): JSONSchemaProps => ({ type: 'object', properties: { spec: { type: 'object', properties: { v: { type: 'string', pattern } } } } });
  const ok = (pattern: string, v: string) => validateAgainstSchema({ apiVersion: 'x.example.com/v1', kind: 'Thing', metadata: { name: 'a' }, spec: { v } } as KObject, schemaOf(pattern)).length === 0;
  const cases: [string, string, string, boolean][] = [
    ['unanchored search', 'b', 'abc', true],
    ['POSIX class matches letters', '^[[:alpha:]]+$', 'abc', true],
    ['POSIX class refuses a digit', '^[[:alpha:]]+$', 'ab1', false],
    ['\\z matches at the end', '^a+\\z', 'aaa', true],
    ['catastrophic backtracking in JS: answered', '^(a+)+$', `${'a'.repeat(5000)}!`, false],
    ['nested quantifiers on a match', '^(a|aa)+$', 'a'.repeat(5000), true],
  ];
  for (const [name, pattern, value, want] of cases) it(name, () => assert.equal(ok(pattern, value), want));
});
