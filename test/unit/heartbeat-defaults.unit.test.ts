/**
 * Node heartbeat timings default to Kubernetes 1.32's: the kubelet's Lease (leaseDurationSeconds 40,
 * renewed every 10 s, a quarter of it), its node status (checked every 10 s,
 * nodeStatusUpdateFrequency; posted unchanged every 5 min, nodeStatusReportFrequency), and the node
 * lifecycle controller's --node-monitor-grace-period (50 s since 1.32, kubernetes/kubernetes#126287).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kubeletConfigFromEnv } from '../../services/kubelet/config.js';
import { DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS } from '../../services/controller-manager/nodelifecycle/index.js';

describe('heartbeat defaults are Kubernetes\'', () => {
  const k = kubeletConfigFromEnv({}, { runtime: 'fake' });
  const cases: [string, number, number][] = [
    ['kubelet leaseDurationSeconds', k.leaseDurationSeconds, 40],
    ['kubelet lease renew interval (ms)', k.leaseRenewMs, 10_000],
    ['kubelet nodeStatusUpdateFrequency (ms)', k.nodeStatusUpdateMs, 10_000],
    ['kubelet nodeStatusReportFrequency (ms)', k.nodeStatusReportMs, 300_000],
    ['kube-controller-manager --node-monitor-grace-period (ms)', DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS, 50_000],
  ];
  for (const [what, got, want] of cases) it(what, () => assert.equal(got, want));

  it('the renew interval is a quarter of the lease duration, and the grace period outlasts the lease', () => {
    assert.equal(k.leaseRenewMs * 4, k.leaseDurationSeconds * 1000);
    assert.ok(DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS > k.leaseDurationSeconds * 1000);
  });
});
