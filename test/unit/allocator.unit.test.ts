import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  blockAt,
  blocksCovering,
  candidateBlocks,
  canonicalCidr,
  fnv1a32,
  formatCidr,
  parseBlockRange,
  parseIpv4Cidr,
} from '../../services/gateway/cidr.js';
import { decodeHolder, encodeHolder, holderGone, sameHolder, type Reservation } from '../../services/gateway/allocator.js';
import { nodeCidrs, reservationKeys, withNodeCidrs } from '../../services/gateway/node-cidrs.js';
import { isApiError } from '../../shared/errors.js';
import type { KObject } from '../../shared/resources/meta.js';

describe('IPv4 CIDRs', () => {
  it('parses strictly and canonicalises', () => {
    assert.deepEqual(parseIpv4Cidr('127.64.0.0/10'), { base: 0x7f400000, bits: 10 });
    for (const bad of ['127.64.0.0', '127.64.0/10', '127.64.0.0/33', '256.0.0.0/8', '01.2.3.4/8', 'fe80::/64', '1.2.3.4/08', ' 1.2.3.4/8']) {
      assert.equal(parseIpv4Cidr(bad), undefined, bad);
    }
    assert.equal(formatCidr(canonicalCidr(parseIpv4Cidr('10.1.2.3/16')!)), '10.1.0.0/16');
    assert.equal(formatCidr(canonicalCidr(parseIpv4Cidr('10.1.2.3/0')!)), '0.0.0.0/0');
    assert.equal(formatCidr(canonicalCidr(parseIpv4Cidr('255.255.255.255/32')!)), '255.255.255.255/32');
  });

  it('reads a cluster range and rejects a malformed one with a clear error', () => {
    const r = parseBlockRange('127.64.0.0/10');
    assert.equal(r.count, 16384);
    assert.equal(blockAt(r, 0), '127.64.0.0/24');
    assert.equal(blockAt(r, 1), '127.64.1.0/24');
    assert.equal(blockAt(r, 16383), '127.127.255.0/24');
    assert.throws(() => parseBlockRange('nonsense'), /CLUSTER_POD_CIDR must be an IPv4 CIDR such as 127\.64\.0\.0\/10, got "nonsense"/);
    assert.throws(() => parseBlockRange('127.64.1.0/10'), /host bits set; did you mean 127\.64\.0\.0\/10\?/);
    assert.throws(() => parseBlockRange('10.0.0.0/25'), /smaller than one node's \/24 block/);
    assert.throws(() => parseBlockRange('fd00::/48'), /must be an IPv4 CIDR/);
    assert.equal(parseBlockRange('10.0.0.0/24').count, 1);
  });

  it('orders candidates from a stable hash of the name, then sequentially with wrap-around', () => {
    const r = parseBlockRange('10.0.0.0/22'); // 4 blocks
    const a = [...candidateBlocks(r, 'node-a')];
    assert.equal(a.length, 4);
    assert.equal(new Set(a).size, 4, 'every block once');
    const start = fnv1a32('node-a') % 4;
    assert.equal(a[0], blockAt(r, start));
    assert.equal(a[1], blockAt(r, (start + 1) % 4));
    assert.deepEqual([...candidateBlocks(r, 'node-a')], a, 'deterministic');
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c, 'FNV-1a test vector');
    const big = parseBlockRange('127.64.0.0/10');
    const firsts = new Set(['n1', 'n2', 'n3', 'n4', 'n5'].map((n) => candidateBlocks(big, n).next().value));
    assert.equal(firsts.size, 5, 'different names usually start apart');
  });

  it('finds the blocks an explicit CIDR occupies', () => {
    const r = parseBlockRange('127.64.0.0/10');
    assert.deepEqual(blocksCovering(r, parseIpv4Cidr('127.64.5.0/24')!), ['127.64.5.0/24']);
    assert.deepEqual(blocksCovering(r, parseIpv4Cidr('127.64.5.128/25')!), ['127.64.5.0/24']);
    assert.deepEqual(blocksCovering(r, parseIpv4Cidr('127.64.5.7/24')!), ['127.64.5.0/24'], 'host bits ignored');
    assert.deepEqual(blocksCovering(r, parseIpv4Cidr('127.64.4.0/23')!), ['127.64.4.0/24', '127.64.5.0/24']);
    assert.deepEqual(blocksCovering(r, parseIpv4Cidr('10.0.0.0/24')!), [], 'outside the range');
    assert.equal(blocksCovering(r, parseIpv4Cidr('127.64.0.0/15')!), undefined, 'more than 256 blocks');
    assert.equal(blocksCovering(r, parseIpv4Cidr('127.64.0.0/16')!)!.length, 256);
    assert.equal(blocksCovering(r, parseIpv4Cidr('127.0.0.0/8')!), undefined, 'contains the whole range');
  });
});

describe('reservation holders', () => {
  const h = { kind: 'Node', name: 'n1', uid: 'u-1' };
  const res = (seq: number, ageMs: number, holder = h): Reservation => ({ holder, seq, time: new Date(1_000_000 - ageMs) });
  const now = 1_000_000;

  it('round-trips the holder body and refuses garbage', () => {
    assert.deepEqual(decodeHolder(encodeHolder(h)), h);
    const ns = { kind: 'Service', namespace: 'default', name: 'web', uid: 'u-2' };
    assert.deepEqual(decodeHolder(encodeHolder(ns)), ns);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(encodeHolder(ns))), ns);
    for (const bad of ['', 'null', '{}', '{"kind":"Node","name":"x"}', '[1]', '{"kind":1,"name":"x","uid":"u"}']) {
      assert.equal(decodeHolder(new TextEncoder().encode(bad)), undefined, bad);
    }
    assert.ok(sameHolder(h, { ...h }));
    assert.ok(!sameHolder(h, { ...h, uid: 'u-9' }));
    assert.ok(!sameHolder(h, { ...h, name: 'n2' }));
  });

  it('decides when a holder is gone', () => {
    const live = { seq: 10, deleted: false, uid: 'u-1' };
    assert.equal(holderGone(res(5, 0), live, now, 60_000), false, 'owner live with the same uid');
    assert.equal(holderGone(res(5, 999_999), live, now, 60_000), false, 'however old');
    assert.equal(holderGone(res(5, 0), { seq: 12, deleted: true, uid: 'u-1' }, now, 60_000), true, 'owner deleted after the reservation');
    assert.equal(holderGone(res(5, 0), { seq: 12, deleted: false, uid: 'u-2' }, now, 60_000), true, 'owner recreated with another uid');
    // The owner subject has not moved since the reservation: a create in flight, until the grace passes.
    assert.equal(holderGone(res(5, 1000), undefined, now, 60_000), false);
    assert.equal(holderGone(res(5, 1000), { seq: 3, deleted: true, uid: 'u-0' }, now, 60_000), false);
    assert.equal(holderGone(res(5, 1000), { seq: 3, deleted: false, uid: 'u-0' }, now, 60_000), false);
    assert.equal(holderGone(res(5, 61_000), undefined, now, 60_000), true);
    assert.equal(holderGone({ holder: undefined, seq: 5, time: new Date(now) }, undefined, now, 60_000), true, 'unreadable body');
  });
});

describe('node pod CIDRs', () => {
  const node = (spec: object): KObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u' }, spec });
  const r = parseBlockRange('127.64.0.0/10');

  it('reads podCIDRs first, podCIDR otherwise, and writes both', () => {
    assert.deepEqual(nodeCidrs(node({})), []);
    assert.deepEqual(nodeCidrs(node({ podCIDR: '10.0.0.0/24' })), ['10.0.0.0/24']);
    assert.deepEqual(nodeCidrs(node({ podCIDR: '10.0.0.0/24', podCIDRs: ['10.1.0.0/24'] })), ['10.1.0.0/24']);
    assert.deepEqual(withNodeCidrs(node({ taints: [] }), ['10.0.0.0/24']).spec, { taints: [], podCIDR: '10.0.0.0/24', podCIDRs: ['10.0.0.0/24'] });
  });

  it('maps ranges to reservation values', () => {
    assert.deepEqual(reservationKeys(r, 'n1', ['127.64.5.0/24']), [['127.64.5.0/24']]);
    assert.deepEqual(reservationKeys(r, 'n1', ['10.9.8.7/24']), [['10.9.8.0/24']], 'outside the range: its canonical text');
    assert.deepEqual(reservationKeys(r, 'n1', ['127.64.5.0/24', 'FD00::/64']), [['127.64.5.0/24'], ['fd00::/64']]);
    const fails = (cidrs: string[], field: RegExp) =>
      assert.throws(() => reservationKeys(r, 'n1', cidrs), (e) => isApiError(e) && e.code === 422 && field.test(e.details!.causes![0]!.field));
    fails(['10.0.0.0/24', '10.1.0.0/24'], /^spec\.podCIDRs$/);
    fails(['127.0.0.0/8'], /^spec\.podCIDR$/);
  });
});
