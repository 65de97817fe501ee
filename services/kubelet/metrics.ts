/** The kubelet's Prometheus metrics (one set per process, shared by every kubelet in it). */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface KubeletMetrics {
  readonly syncs: Counter<'result'>;
  readonly syncSeconds: Histogram;
  readonly statusWrites: Counter<'kind'>;
  readonly containerStarts: Counter<'kind'>;
}

export function kubeletMetrics(r: Registry): KubeletMetrics {
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
  };
}
