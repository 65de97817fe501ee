import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  clusterIpCandidates,
  heldValues,
  inServiceRange,
  nodePortCandidates,
  parseServiceIpRange,
  withKeptValues,
} from '../../services/gateway/service-ips.js';
import type { Service } from '../../shared/resources/types.js';

const svc = (spec: Record<string, unknown>): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec }) as Service;

describe('service IP range', () => {
  it('parses a canonical range and excludes the network and broadcast addresses', () => {
    const r = parseServiceIpRange('127.10.0.0/16');
    assert.equal(r.count, 65534);
    assert.ok(inServiceRange(r, '127.10.0.1'));
    assert.ok(inServiceRange(r, '127.10.255.254'));
    assert.ok(!inServiceRange(r, '127.10.0.0'));
    assert.ok(!inServiceRange(r, '127.10.255.255'));
    assert.ok(!inServiceRange(r, '127.11.0.1'));
    assert.ok(!inServiceRange(r, 'nonsense'));
  });

  it('refuses malformed, uncanonical, too large and too small ranges, naming the setting', () => {
    assert.throws(() => parseServiceIpRange('x'), /SERVICE_CLUSTER_IP_RANGE must be an IPv4 CIDR such as 127\.10\.0\.0\/16, got "x"/);
    assert.throws(() => parseServiceIpRange('127.10.0.1/16'), /has host bits set; did you mean 127\.10\.0\.0\/16\?/);
    assert.throws(() => parseServiceIpRange('126.0.0.0/7'), /between \/8 and \/29/);
    assert.throws(() => parseServiceIpRange('127.10.0.0/30'), /between \/8 and \/29/);
  });

  it('walks every usable address once from any start, wrapping around', () => {
    const r = parseServiceIpRange('10.0.0.0/29');
    assert.deepEqual([...clusterIpCandidates(r, 4)], ['10.0.0.5', '10.0.0.6', '10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
    assert.equal(new Set(clusterIpCandidates(r, 1e9)).size, 6);
  });

  it('walks every node port once from any start', () => {
    const all = [...nodePortCandidates(2767)];
    assert.equal(all.length, 2768);
    assert.equal(all[0], '32767');
    assert.equal(all[1], '30000');
    assert.equal(new Set(all).size, 2768);
  });
});

describe('service values kept across updates', () => {
  it('keeps the cluster IP and the node ports of ports with the same number and protocol', () => {
    const old = svc({ type: 'NodePort', clusterIP: '127.10.0.9', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }, { port: 443, protocol: 'TCP', nodePort: 30443 }] });
    const next = withKeptValues(svc({ type: 'NodePort', ports: [{ port: 443, protocol: 'TCP' }, { port: 8080, protocol: 'TCP' }] }), old);
    assert.equal(next.spec.clusterIP, '127.10.0.9');
    assert.deepEqual(
      next.spec.ports!.map((p) => p.nodePort),
      [30443, undefined],
    );
  });

  it('takes clusterIPs[0] when only clusterIPs is given, and keeps None for a headless service', () => {
    assert.equal(withKeptValues(svc({ clusterIPs: ['127.10.1.1'] }), undefined).spec.clusterIP, '127.10.1.1');
    assert.equal(withKeptValues(svc({}), svc({ clusterIP: 'None' })).spec.clusterIP, 'None');
  });

  it('drops nothing on a type change to ClusterIP: the node ports simply are not carried over', () => {
    const old = svc({ type: 'NodePort', clusterIP: '127.10.0.9', ports: [{ port: 80, nodePort: 30080 }] });
    assert.equal(withKeptValues(svc({ type: 'ClusterIP', ports: [{ port: 80 }] }), old).spec.ports![0]!.nodePort, undefined);
  });

  it('lists what a service holds: its address unless headless, and its node ports', () => {
    assert.deepEqual(heldValues(svc({ clusterIP: '127.10.0.9', ports: [{ port: 80, nodePort: 30080 }, { port: 81 }] })), { clusterIP: '127.10.0.9', nodePorts: [30080] });
    assert.deepEqual(heldValues(svc({ clusterIP: 'None' })), { nodePorts: [] });
    assert.deepEqual(heldValues(undefined), { nodePorts: [] });
  });
});
