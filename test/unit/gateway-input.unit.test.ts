/**
 * The gateway's input checks that come before any I/O: body decoding (surrogates, nesting,
 * __proto__), query parsing, URL names and namespaces, and the bound on a Service's ports.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJson, decodeYaml, jsonDepthExceeds, MAX_NESTING_DEPTH, repair, wellFormed } from '../../services/gateway/decode.js';
import { MAX_SELECTOR_LENGTH, parseQuery, rawQuery, unescape } from '../../services/gateway/query.js';
import { checkTarget, pathSegmentNameErrors } from '../../services/gateway/target-check.js';
import { clientErrorStatus } from '../../services/gateway/client-errors.js';
import type { Allocator } from '../../services/gateway/allocator.js';
import { NODE_PORT_POOL, parseServiceIpRange, ServiceAllocations } from '../../services/gateway/service-ips.js';
import type { KObject } from '../../shared/resources/meta.js';
import { isApiError } from '../../shared/errors.js';
import { resourceByPlural } from '../../shared/resources/registry.js';
import { MAX_SERVICE_PORTS, NODE_PORT_RANGE, validateService } from '../../shared/resources/service-validation.js';
import type { Service } from '../../shared/resources/types.js';

/** The reason and code of the ApiError `f` throws; 'ok' when it returns. */
function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!isApiError(e)) throw e;
    return `${e.code} ${e.reason}`;
  }
}

const nest = (n: number, open = '[', close = ']') => open.repeat(n) + close.repeat(n);

describe('wellFormed: lone surrogates become U+FFFD, as Go decodes them', () => {
  const cases: [string, string, string][] = [
    ['plain text', 'abc', 'abc'],
    ['a lone low surrogate', '\udfff', '\ufffd'],
    ['a lone high surrogate mid-string', 'a\ud800b', 'a\ufffdb'],
    ['a high surrogate at the end', 'a\udbff', 'a\ufffd'],
    ['a valid pair', '\ud83d\ude00', '\u{1f600}'],
    ['low then high (both lone)', '\udc00\ud800', '\ufffd\ufffd'],
    ['high, then a pair', '\ud800\ud800\udc00', '\ufffd\u{10000}'],
    ['a pair, then a low', '\ud800\udc00\udc00', '\u{10000}\ufffd'],
    ['U+FFFD itself', '\ufffd', '\ufffd'],
  ];
  for (const [name, input, want] of cases) it(name, () => assert.equal(wellFormed(input), want));
});

describe('decodeJson', () => {
  const cases: [string, string, unknown][] = [
    ['an object', '{"a":1}', { a: 1 }],
    ['whitespace only', '  \n', undefined],
    ['a lone surrogate escape in a value', '{"a":"\\udfff"}', { a: '\ufffd' }],
    ['a lone surrogate escape in a key', '{"k\\udfff":1}', { 'k\ufffd': 1 }],
    ['two keys repairing to one keep the later', '{"\\ud800":1,"\\udc00":2}', { '\ufffd': 2 }],
    ['an escaped pair stays', '["\\ud83d\\ude00"]', ['\u{1f600}']],
    ['surrogates deep inside arrays', '[[["\\ud800x"]]]', [[['\ufffdx']]]],
    ['a backslash before u is not an escape', '{"a":"\\\\udfff"}', { a: '\\udfff' }],
    ['brackets inside strings do not nest', `{"a":"${'['.repeat(MAX_NESTING_DEPTH + 5)}"}`, { a: '['.repeat(MAX_NESTING_DEPTH + 5) }],
    ['nesting at the limit', nest(MAX_NESTING_DEPTH), JSON.parse(nest(MAX_NESTING_DEPTH))],
  ];
  for (const [name, text, want] of cases) it(name, () => assert.deepEqual(decodeJson(text), want));

  const refused: [string, string, RegExp][] = [
    ['nesting one past the limit', nest(MAX_NESTING_DEPTH + 1), /nested too deeply/],
    ['nesting 10,000 deep', nest(10_000, '{"a":', '}').replace(/\}$/, '1}'), /nested too deeply/],
    ['nesting 100,000 deep', nest(100_000), /nested too deeply/],
    ['__proto__ spelled out', '{"a":{"__proto__":{"x":1}}}', /__proto__/],
    ['__proto__ behind an escape', '{"\\u005f_proto__":{}}', /__proto__/],
    ['broken JSON', '{"a":', /invalid JSON/],
  ];
  for (const [name, text, msg] of refused) {
    it(`refuses ${name} with a 400`, () => {
      assert.throws(() => decodeJson(text), (e: unknown) => isApiError(e) && e.code === 400 && msg.test(e.message));
    });
  }
});

describe('jsonDepthExceeds', () => {
  const cases: [string, number, boolean][] = [
    ['{}', 1, false],
    ['{}', 0, true],
    ['[[1],[2],[3]]', 2, false],
    ['[[[1]]]', 2, true],
    ['{"a":"]]]]"}', 1, false],
    ['["\\"[[[["]', 1, false],
    ['"unterminated [[[', 1, false],
  ];
  for (const [text, max, want] of cases) it(`${text} deeper than ${max}: ${want}`, () => assert.equal(jsonDepthExceeds(text, max), want));
});

describe('decodeYaml', () => {
  it('repairs lone surrogates from double-quoted escapes', () => {
    assert.deepEqual(decodeYaml('a: "\\udfff"\n"k\\ud800": [x, "\\udc00"]\n'), { a: '\ufffd', 'k\ufffd': ['x', '\ufffd'] });
  });
  const refused: [string, string, RegExp][] = [
    ['flow nesting past the limit', `a: ${nest(MAX_NESTING_DEPTH + 1)}`, /nested too deeply/],
    ['flow nesting 10,000 deep', `a: ${nest(10_000)}`, /nested too deeply/],
    ['block nesting past the limit', Array.from({ length: MAX_NESTING_DEPTH + 1 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1', /nested too deeply/],
    ['compact sequences past the limit', '- '.repeat(MAX_NESTING_DEPTH + 1) + 'x', /nested too deeply/],
    ['aliases nesting a tree inside a tree', `x: &x ${nest(300)}\ny: [${'['.repeat(300)}*x${']'.repeat(300)}]`, /nested too deeply/],
    ['__proto__', '__proto__: {x: 1}', /__proto__/],
    ['two documents', 'a: 1\n---\nb: 2\n', /one YAML document/],
  ];
  for (const [name, text, msg] of refused) {
    it(`refuses ${name} with a 400`, () => {
      assert.throws(() => decodeYaml(text), (e: unknown) => isApiError(e) && e.code === 400 && msg.test(e.message));
    });
  }
  it('takes block nesting at the limit', () => {
    const text = Array.from({ length: MAX_NESTING_DEPTH }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1';
    assert.equal(outcome(() => decodeYaml(text)), 'ok');
  });
});

describe('repair', () => {
  it('ends a cycle with a 400 instead of looping', () => {
    const a: unknown[] = [];
    a.push(a);
    assert.equal(outcome(() => repair(a, 10)), '400 BadRequest');
  });
});

describe('parseQuery: kube-apiserver rules', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['empty', '', {}],
    ['plain pairs', 'limit=5&watch=true', { limit: '5', watch: 'true' }],
    ['a repeated parameter takes its first value', 'labelSelector=a&labelSelector=b', { labelSelector: 'a' }],
    ['percent escapes and + as space', 'labelSelector=app%20in%20(a%2Cb)&x=a+b', { labelSelector: 'app in (a,b)', x: 'a b' }],
    ['UTF-8 escapes', 'x=%C3%BC', { x: 'ü' }],
    ['a parameter without a value', 'watch', { watch: '' }],
    ['empty pairs are skipped', '&&limit=1&', { limit: '1' }],
    ['dryRun is a list', 'dryRun=All&dryRun=All', { dryRun: 'All' }],
    ['an empty dryRun is no dry run', 'dryRun=', {}],
    ['a selector at the bound', `labelSelector=${'a'.repeat(MAX_SELECTOR_LENGTH)}`, { labelSelector: 'a'.repeat(MAX_SELECTOR_LENGTH) }],
  ];
  for (const [name, text, want] of cases) {
    it(name, () => {
      assert.deepEqual({ ...parseQuery(rawQuery(text)) }, want);
      assert.deepEqual({ ...parseQuery(text) }, want);
    });
  }

  const refused: [string, string][] = [
    ['a NUL in a value', 'fieldSelector=metadata.name%3Da%00'],
    ['a NUL in a name', 'a%00=1'],
    ['a malformed escape', 'labelSelector=%zz'],
    ['a truncated escape', 'labelSelector=a%2'],
    ['bytes that are not UTF-8', 'labelSelector=%FF'],
    ['an encoded lone surrogate (CESU-8)', 'x=%ED%B0%80'],
    ['an overlong encoding', 'x=%C0%AF'],
    ['a dryRun entry other than All', 'dryRun=All&dryRun=Some'],
    ['a label selector past the bound', `labelSelector=${'a'.repeat(MAX_SELECTOR_LENGTH + 1)}`],
    ['a field selector past the bound', `fieldSelector=${'a'.repeat(MAX_SELECTOR_LENGTH + 1)}`],
  ];
  for (const [name, text] of refused) it(`refuses ${name} with a 400`, () => assert.equal(outcome(() => parseQuery(text)), '400 BadRequest'));
});

describe('unescape (paths and queries)', () => {
  const cases: [string, boolean, string | 'error'][] = [
    ['a%2Fb', false, 'a/b'],
    ['a+b', false, 'a+b'],
    ['a+b', true, 'a b'],
    ['%e2%82%ac', false, '€'],
    ['\u00c3\u00bc', false, 'ü'], // raw UTF-8 bytes, as Node hands them over (Latin-1)
    ['%', false, 'error'],
    ['%0', false, 'error'],
    ['%00', false, 'error'],
    ['%80', false, 'error'],
  ];
  for (const [input, plus, want] of cases) {
    it(`${JSON.stringify(input)} (plus=${plus}) → ${want}`, () => {
      const r = unescape(input, plus);
      assert.equal(typeof r === 'string' ? r : 'error', want);
    });
  }
});

describe('checkTarget: names and namespaces from the URL', () => {
  const cm = resourceByPlural('configmaps')!;
  const svc = resourceByPlural('services')!;
  const nodes = resourceByPlural('nodes')!;
  const ns = resourceByPlural('namespaces')!;
  const cases: [string, Parameters<typeof checkTarget>[0], string][] = [
    ['a valid name', { info: cm, namespace: 'default', name: 'web.config' }, 'ok'],
    ['a collection', { info: cm, namespace: 'default' }, 'ok'],
    ['all namespaces', { info: cm, namespace: '' }, 'ok'],
    ['a name of 253 characters', { info: cm, namespace: 'default', name: 'a'.repeat(253) }, 'ok'],
    ['a name of 254 characters', { info: cm, namespace: 'default', name: 'a'.repeat(254) }, '404 NotFound'],
    ['a name of 4,000 characters', { info: cm, namespace: 'default', name: 'a'.repeat(4000) }, '404 NotFound'],
    ['an upper-case name', { info: cm, namespace: 'default', name: 'Web' }, '404 NotFound'],
    ['a service name with a dot (DNS-1035)', { info: svc, namespace: 'default', name: 'a.b' }, '404 NotFound'],
    ['a node name with dots', { info: nodes, namespace: '', name: 'node-1.example.com' }, 'ok'],
    ['a namespace name with a dot', { info: ns, namespace: '', name: 'a.b' }, '404 NotFound'],
    ['a name with /', { info: cm, namespace: 'default', name: 'a/b' }, '400 BadRequest'],
    ['a name with %', { info: cm, namespace: 'default', name: 'a%b' }, '400 BadRequest'],
    ['the name ..', { info: cm, namespace: 'default', name: '..' }, '400 BadRequest'],
    ['a namespace of 64 characters', { info: cm, namespace: 'a'.repeat(64) }, '404 NotFound'],
    ['an object in a namespace of 4,000 characters', { info: cm, namespace: 'a'.repeat(4000), name: 'x' }, '404 NotFound'],
    ['a namespace with a dot', { info: cm, namespace: 'a.b', name: 'x' }, '404 NotFound'],
  ];
  for (const [name, t, want] of cases) it(`${name} → ${want}`, () => assert.equal(outcome(() => checkTarget(t)), want));

  it('names the object, or the namespace of a collection, in the 404', () => {
    assert.throws(() => checkTarget({ info: cm, namespace: 'BAD', name: 'x' }), /configmaps "x" not found/);
    assert.throws(() => checkTarget({ info: cm, namespace: 'BAD' }), /namespaces "BAD" not found/);
  });

  it('phrases path segment errors as kube-apiserver does', () => {
    assert.deepEqual(pathSegmentNameErrors('.'), ["may not be '.'"]);
    assert.deepEqual(pathSegmentNameErrors('a/%'), ["may not contain '/'", "may not contain '%'"]);
    assert.deepEqual(pathSegmentNameErrors('fine'), []);
  });
});

describe('validateService: the number of ports is bounded', () => {
  const service = (n: number, type = 'NodePort'): Service =>
    ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', namespace: 'default' },
      spec: { type, ports: Array.from({ length: n }, (_, i) => ({ name: `p${i}`, port: 1 + i, protocol: 'TCP' })) },
    }) as Service;
  const cases: [number, string, string[]][] = [
    [MAX_SERVICE_PORTS, 'NodePort', []],
    [MAX_SERVICE_PORTS + 1, 'NodePort', [`spec.ports FieldValueTooMany Too many: ${MAX_SERVICE_PORTS + 1}: must have at most ${MAX_SERVICE_PORTS} items`]],
    [3000, 'ClusterIP', [`spec.ports FieldValueTooMany Too many: 3000: must have at most ${MAX_SERVICE_PORTS} items`]],
  ];
  for (const [n, type, want] of cases) {
    it(`${n} ports (${type})`, () => {
      assert.deepEqual(validateService(service(n, type)).map((c) => `${c.field} ${c.reason} ${c.message}`), want);
    });
  }
});

describe('clientErrorStatus: what Node refuses is a Status', () => {
  const cases: [string | undefined, number, string][] = [
    ['HPE_HEADER_OVERFLOW', 431, ''],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'Timeout'],
    ['HPE_INVALID_METHOD', 400, 'BadRequest'],
    [undefined, 400, 'BadRequest'],
  ];
  for (const [code, want, reason] of cases) {
    it(`${code ?? 'no code'} → ${want}`, () => {
      const s = clientErrorStatus(code ? { code } : {});
      assert.deepEqual([s.kind, s.apiVersion, s.status, s.code, s.reason], ['Status', 'v1', 'Failure', want, reason]);
    });
  }
});

/** An allocator in memory that counts what it writes; `taken` values are held by someone else. */
function fakeAllocator(taken: Iterable<string>) {
  const held = new Set(taken);
  const fake = {
    writes: 0,
    async reserve(pool: string, _holder: unknown, candidates: Iterable<string>, opts: { dryRun?: boolean } = {}) {
      for (const v of candidates) {
        if (held.has(`${pool}/${v}`)) continue;
        if (!opts.dryRun) {
          held.add(`${pool}/${v}`);
          fake.writes++;
        }
        return v;
      }
      return undefined;
    },
    async release(pool: string, v: string) {
      held.delete(`${pool}/${v}`);
      fake.writes++;
      return true;
    },
  };
  return fake;
}

describe('ServiceAllocations: a refused Service writes nothing', () => {
  const info = resourceByPlural('services')!;
  const nodePort = (n: number): KObject =>
    ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', namespace: 'default', uid: 'u1' },
      spec: { type: 'NodePort', ports: Array.from({ length: n }, (_, i) => ({ name: `p${i}`, port: 80 + i, protocol: 'TCP' })) },
    }) as KObject;
  // Every node port but one is held by other services.
  const allButOne = Array.from({ length: NODE_PORT_RANGE.max - NODE_PORT_RANGE.min }, (_, i) => `${NODE_PORT_POOL}/${NODE_PORT_RANGE.min + i}`);

  it('two node ports when the range has room for one: 422, no reservation taken and given back', async () => {
    const fake = fakeAllocator(allButOne);
    const alloc = new ServiceAllocations(fake as unknown as Allocator, parseServiceIpRange('10.0.0.0/24'));
    await assert.rejects(alloc.acquire(info, nodePort(2), undefined, false), (e: unknown) => isApiError(e) && e.code === 422);
    assert.equal(fake.writes, 0);
  });

  it('one node port when the range has room for one: the cluster IP and the port', async () => {
    const fake = fakeAllocator(allButOne);
    const alloc = new ServiceAllocations(fake as unknown as Allocator, parseServiceIpRange('10.0.0.0/24'));
    const svc = (await alloc.acquire(info, nodePort(1), undefined, false)) as { spec: { ports: { nodePort: number }[] } };
    assert.equal(svc.spec.ports[0]!.nodePort, NODE_PORT_RANGE.max);
    assert.equal(fake.writes, 2);
  });
});
