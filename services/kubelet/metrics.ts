/** The kubelet's Prometheus metrics (one set per process, shared by every kubelet in it). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface KubeletMetrics {
  readonly syncs: Counter<'result'>;
  readonly syncSeconds: Histogram;
  readonly statusWrites: Counter<'kind'>;
  readonly containerStarts: Counter<'kind'>;
  /** Lease renewals by outcome: attempted (every try), succeeded, failed, late (succeeded, but the Lease had aged past 1.5 renew intervals). */
  readonly leaseRenewals: Counter<'outcome'>;
  /** How long after it was due a Lease renewal started (a starved event loop shows here first). */
  readonly leaseRenewDelay: Histogram;
}

/** `syncsWaiting`: pod syncs waiting for a slot of the pool's bound (SyncSlots.queued), read at each scrape. */
export function kubeletMetrics(r: Registry, syncsWaiting: () => number = () => 0): KubeletMetrics {
  new Gauge({
    name: 'jetkube_kubelet_pod_syncs_waiting',
    help: 'Pod syncs waiting for a slot (the process-wide bound of a pool)',
    registers: [r],
    collect() {
      this.set(syncsWaiting());
    },
  });
  return {
    syncs: new Counter({ name: 'jetkube_kubelet_pod_syncs_total', help: 'Pod syncs by result', labelNames: ['result'], registers: [r] }),
    syncSeconds: new Histogram({
      name: 'jetkube_kubelet_pod_sync_duration_seconds',
      help: 'Time to sync one pod against the runtime',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [r],
    }),
    statusWrites: new Counter({ name: 'jetkube_kubelet_status_writes_total', help: 'Status writes by object kind', labelNames: ['kind'], registers: [r] }),
    containerStarts: new Counter({ name: 'jetkube_kubelet_container_starts_total', help: 'Containers started by kind (init, app)', labelNames: ['kind'], registers: [r] }),
    leaseRenewals: new Counter({ name: 'jetkube_kubelet_lease_renewals_total', help: 'Node Lease renewals by outcome (attempted, succeeded, failed, late)', labelNames: ['outcome'], registers: [r] }),
    leaseRenewDelay: new Histogram({
      name: 'jetkube_kubelet_lease_renew_delay_seconds',
      help: 'Seconds from when a Lease renewal was due to when it started',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40],
      registers: [r],
    }),
  };
}
