import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  configMapKeyErrors,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  validateAnnotations,
  validateLabels,
  validateQualifiedName,
} from '../../shared/resources/names.js';
import { summary } from './resource-fixtures.js';

// The tables are Kubernetes' own (apimachinery/pkg/util/validation/validation_test.go).

function table(name: string, fn: (s: string) => boolean, good: readonly string[], bad: readonly string[]): void {
  describe(name, () => {
    for (const s of good) it(`accepts ${JSON.stringify(s.length > 40 ? `${s.slice(0, 20)}…(${s.length})` : s)}`, () => assert.equal(fn(s), true));
    for (const s of bad) it(`rejects ${JSON.stringify(s.length > 40 ? `${s.slice(0, 20)}…(${s.length})` : s)}`, () => assert.equal(fn(s), false));
  });
}

table(
  'isDNS1123Label',
  isDNS1123Label,
  ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a'.repeat(63)],
  ['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2', '.', 'a.',
    '.a', 'a.b', '1.', '.1', '1.2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'a'.repeat(64)],
);

table(
  'isDNS1123Subdomain',
  isDNS1123Subdomain,
  ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a.a', 'ab.a', 'abc.a', 'a1.a',
    'a-1.a', 'a--1--2--b.a', 'a.1', 'ab.1', 'abc.1', 'a1.1', 'a-1.1', 'a--1--2--b.1', '0.a', '01.a', '012.a', '1a.a', '1-a.a',
    '1--a--b--2', '0.1', '01.1', '012.1', '1a.1', '1-a.1', '1--a--b--2.1', 'a.b.c.d.e', 'aa.bb.cc.dd.ee', '1.2.3.4.5',
    '11.22.33.44.55', 'a'.repeat(253)],
  ['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2', '.', 'a.',
    '.a', 'a..b', '1.', '.1', '1..2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'A.a', 'aB.a', 'ab.A', 'A1.a', 'a1.A', 'A.1',
    'aB.1', 'A1.1', '1A.1', '0.A', '01.A', '012.A', '1A.a', '1a.A', 'A.B.C.D.E', 'AA.BB.CC.DD.EE', 'a.B.c.d.e',
    'aa.bB.cc.dd.ee', 'a@b', 'a,b', 'a_b', 'a;b', 'a:b', 'a%b', 'a?b', 'a$b', 'a'.repeat(254)],
);

table(
  'isDNS1035Label (Service names)',
  isDNS1035Label,
  ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', 'a'.repeat(63)],
  ['0', '01', '012', '1a', '1-a', '1--a--b--2', '', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_',
    '_a', 'a_b', '1_', '_1', '1_2', '.', 'a.', '.a', 'a.b', '1.', '.1', '1.2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2',
    'a'.repeat(64)],
);

table(
  'isQualifiedName (label and annotation keys)',
  isQualifiedName,
  ['simple', 'now-with-dashes', '1-starts-with-num', '1234', 'simple/simple', 'now-with-dashes/simple',
    'now-with-dashes/now-with-dashes', 'now.with.dots/simple', 'now-with.dashes-and.dots/simple', '1-num.2-num/3-num',
    '1234/5678', '1.2.3.4/5678', 'Uppercase_Is_OK_123', 'example.com/Uppercase_Is_OK_123', 'requests.storage-foo',
    'a'.repeat(63), `${'a'.repeat(253)}/${'b'.repeat(63)}`],
  ['nospecialchars%^=@', 'cantendwithadash-', '-cantstartwithadash-', 'only/one/slash', 'Example.com/abc', 'example_com/abc',
    'example.com/', '/simple', 'a'.repeat(64), `${'a'.repeat(254)}/abc`, ''],
);

table(
  'isValidLabelValue',
  isValidLabelValue,
  ['simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', 'a'.repeat(63), ''],
  ['nospecialchars%^=@', 'Tama-nui-te-rā.is_Māori.sun', '\\backslashes\\are\\bad', '-starts-with-dash', 'ends-with-dash-',
    '.starts.with.dot', 'ends.with.dot.', 'a'.repeat(64)],
);

table(
  'isValidPortName (IANA_SVC_NAME)',
  isValidPortName,
  ['telnet', 're-mail-ck', 'pop3', 'a', 'a-1', '1-a', 'a-1-b-2-c', '1-a-2-b-3'],
  ['longerthan15characters', '', 'a'.repeat(16), '12345', '1-2-3-4', '-begin', 'end-', 'two--hyphens', 'whois++', 'UPPER'],
);

table(
  'ConfigMap/Secret keys',
  (k) => configMapKeyErrors(k).length === 0,
  ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', 'A', 'a_b', '.a', 'a.b', '.dockercfg', 'tls.crt', 'KEY_NAME', 'a'.repeat(253)],
  ['', '.', '..', '..a', 'a b', 'a/b', 'a:b', 'a'.repeat(254)],
);

describe('validateLabels', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['valid', { app: 'web', 'example.com/tier': 'front_end.1', empty: '' }, []],
    ['bad key', { 'Foo Bar': 'x' }, ['metadata.labels: FieldValueInvalid']],
    ['bad prefix', { 'Example.com/x': 'y' }, ['metadata.labels: FieldValueInvalid']],
    ['bad value', { app: 'web app' }, ['metadata.labels: FieldValueInvalid']],
    ['value too long', { app: 'a'.repeat(64) }, ['metadata.labels: FieldValueInvalid']],
    ['non-string value', { app: 1 }, ['metadata.labels[app]: FieldValueInvalid']],
  ];
  for (const [name, labels, want] of cases) {
    it(name, () => assert.deepEqual(summary(validateLabels(labels, 'metadata.labels')), want));
  }
  it('phrases a bad label value like Kubernetes', () => {
    const [c] = validateLabels({ app: '-x' }, 'metadata.labels');
    assert.equal(
      c?.message,
      `Invalid value: "-x": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    );
  });
});

describe('validateQualifiedName', () => {
  it('explains which part is wrong', () => {
    assert.deepEqual(validateQualifiedName('example.com/', 'k').map((c) => c.message), ['Invalid value: "example.com/": name part must be non-empty']);
    assert.match(validateQualifiedName('/x', 'k')[0]!.message, /prefix part must be non-empty/);
    assert.match(validateQualifiedName('a'.repeat(64), 'k')[0]!.message, /name part must be no more than 63 characters/);
    assert.match(validateQualifiedName('a/b/c', 'k')[0]!.message, /a qualified name must consist of/);
  });
});

describe('validateAnnotations', () => {
  it('accepts any value and keys checked case-insensitively', () => {
    assert.deepEqual(validateAnnotations({ 'Example.COM/Note': 'any text at all: {"json": true}' }, 'metadata.annotations'), []);
  });
  it('rejects bad keys', () => {
    assert.deepEqual(summary(validateAnnotations({ 'a b': 'x' }, 'metadata.annotations')), ['metadata.annotations: FieldValueInvalid']);
  });
  it('limits the total size to 256 KiB', () => {
    assert.deepEqual(validateAnnotations({ a: 'x'.repeat(256 * 1024 - 1) }, 'metadata.annotations'), []);
    const causes = validateAnnotations({ a: 'x'.repeat(256 * 1024) }, 'metadata.annotations');
    assert.deepEqual(summary(causes), ['metadata.annotations: FieldValueTooLong']);
    assert.equal(causes[0]!.message, 'Too long: must have at most 262144 bytes');
  });
});
