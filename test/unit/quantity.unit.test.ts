import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatQuantity, parseMilli, parseQuantity, tryParseQuantity } from '../../shared/resources/quantity.js';
import { isApiError } from '../../shared/errors.js';

describe('parseQuantity', () => {
  const cases: [string | number, number][] = [
    ['100m', 0.1],
    ['250m', 0.25],
    ['1500m', 1.5],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['1', 1],
    ['1.', 1],
    ['0', 0],
    ['+1', 1],
    ['-1', -1],
    [2, 2],
    [0.25, 0.25],
    ['128Mi', 128 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1Ki', 1024],
    ['1.5Ki', 1536],
    ['1Ti', 2 ** 40],
    ['1Pi', 2 ** 50],
    ['1Ei', 2 ** 60],
    ['1k', 1000],
    ['1M', 1e6],
    ['1G', 1e9],
    ['1T', 1e12],
    ['1P', 1e15],
    ['1E', 1e18],
    ['5n', 5e-9],
    ['10u', 1e-5],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1e-3', 0.001],
    ['1.5e+2', 150],
    ['12e6', 12e6],
  ];
  for (const [q, want] of cases) {
    it(`${JSON.stringify(q)} = ${want}`, () => assert.equal(parseQuantity(q), want));
  }

  const bad: (string | number)[] = ['', ' ', 'abc', 'Mi', '1K', '1Mb', '1 Mi', ' 1', '1 ', '1.2.3', '--1', '1e', '1ee3', 'e3', '1m1', '.', Number.NaN, Infinity];
  for (const q of bad) {
    it(`rejects ${JSON.stringify(q)} (${String(q)})`, () => {
      assert.equal(tryParseQuantity(q), undefined);
      assert.throws(() => parseQuantity(q), (e: unknown) => isApiError(e) && e.code === 400);
    });
  }
});

describe('parseMilli', () => {
  const cases: [string | number, number][] = [
    ['100m', 100],
    ['0.1', 100],
    ['1', 1000],
    [2, 2000],
    ['700m', 700],
    ['1n', 0],
  ];
  for (const [q, want] of cases) it(`${JSON.stringify(q)} = ${want}m`, () => assert.equal(parseMilli(q), want));
});

describe('formatQuantity', () => {
  const cases: [number, 'DecimalSI' | 'BinarySI', string][] = [
    [0, 'DecimalSI', '0'],
    [0.1, 'DecimalSI', '100m'],
    [1.5, 'DecimalSI', '1500m'],
    [2, 'DecimalSI', '2'],
    [1500, 'DecimalSI', '1500'],
    [2000, 'DecimalSI', '2k'],
    [1e9, 'DecimalSI', '1G'],
    [0.00001, 'DecimalSI', '10u'],
    [-0.5, 'DecimalSI', '-500m'],
    [134217728, 'BinarySI', '128Mi'],
    [2 ** 30, 'BinarySI', '1Gi'],
    [1536, 'BinarySI', '1536'],
    [1000, 'BinarySI', '1000'],
  ];
  for (const [v, f, want] of cases) {
    it(`${v} ${f} = ${want}`, () => {
      assert.equal(formatQuantity(v, f), want);
      assert.equal(parseQuantity(want), v);
    });
  }
});
