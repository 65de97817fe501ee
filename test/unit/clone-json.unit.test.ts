import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cloneJson } from '../../shared/resources/json.js';

describe('cloneJson', () => {
  it('copies deeply: nothing is shared with the original', () => {
    const src = { a: { b: [1, { c: 'x' }] }, d: [[1], []] };
    const out = cloneJson(src);
    assert.deepEqual(out, src);
    assert.notEqual(out.a, src.a);
    assert.notEqual(out.a.b, src.a.b);
    assert.notEqual(out.a.b[1], src.a.b[1]);
    assert.notEqual(out.d[0], src.d[0]);
  });

  it('drops undefined fields and keeps nulls and key order', () => {
    const out = cloneJson({ z: 1, u: undefined, n: null, a: [undefined, 2] });
    assert.equal(JSON.stringify(out), '{"z":1,"n":null,"a":[null,2]}');
    assert.deepEqual(Object.keys(out), ['z', 'n', 'a']);
  });

  it('keeps a __proto__ key from JSON.parse as data, not as the prototype', () => {
    const src = JSON.parse('{"metadata":{"__proto__":{"polluted":true},"name":"x"}}') as { metadata: Record<string, unknown> };
    const out = cloneJson(src);
    assert.equal(Object.getPrototypeOf(out.metadata), Object.prototype);
    assert.equal((out.metadata as { polluted?: boolean }).polluted, undefined);
    assert.deepEqual(Object.keys(out.metadata), ['__proto__', 'name']);
    assert.equal(JSON.stringify(out), JSON.stringify(src));
  });
});
