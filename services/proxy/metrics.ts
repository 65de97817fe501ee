/**
 * The proxy's Prometheus metrics, per service port (namespace, name, port). Bytes are not counted
 * on the data path: a connection's socket counters are added when it closes and, for connections
 * still open, just before every scrape (the collect hook), so the per-byte path stays untouched.
 *
 * One set per registry: a proxy restarted in the same process (tests, `jetkube up`) reuses it.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

type ServiceLabel = 'namespace' | 'name' | 'port';
export type ServiceLabels = Readonly<Record<ServiceLabel, string>>;
export type ErrorReason = 'connect' | 'no_endpoints' | 'bind';

export interface ProxyMetrics {
  readonly connections: Counter<ServiceLabel>;
  readonly active: Gauge<ServiceLabel>;
  readonly bytesIn: Counter<ServiceLabel>;
  readonly bytesOut: Counter<ServiceLabel>;
  readonly errors: Counter<ServiceLabel | 'reason'>;
  readonly listeners: Gauge;
  /** Run `fn` before every scrape; returns the unregister function. */
  beforeScrape(fn: () => void): () => void;
}

const byRegistry = new WeakMap<Registry, ProxyMetrics>();

export function proxyMetrics(r: Registry): ProxyMetrics {
  let m = byRegistry.get(r);
  if (!m) byRegistry.set(r, (m = createMetrics(r)));
  return m;
}

function createMetrics(r: Registry): ProxyMetrics {
  const hooks = new Set<() => void>();
  const collect = () => {
    for (const fn of hooks) fn();
  };
  const labelNames = ['namespace', 'name', 'port'] as const;
  return {
    connections: new Counter({ name: 'jetkube_proxy_connections_total', help: 'Connections accepted, per service port', labelNames, registers: [r] }),
    active: new Gauge({ name: 'jetkube_proxy_active_connections', help: 'Connections open now, per service port', labelNames, registers: [r] }),
    bytesIn: new Counter({
      name: 'jetkube_proxy_bytes_in_total',
      help: 'Bytes received from clients and forwarded to backends, per service port',
      labelNames,
      registers: [r],
      collect,
    }),
    bytesOut: new Counter({
      name: 'jetkube_proxy_bytes_out_total',
      help: 'Bytes received from backends and sent to clients, per service port',
      labelNames,
      registers: [r],
      collect,
    }),
    errors: new Counter({
      name: 'jetkube_proxy_errors_total',
      help: 'Failures per service port: backend connects (connect), connections with no ready endpoint (no_endpoints), listeners that could not bind (bind)',
      labelNames: [...labelNames, 'reason'],
      registers: [r],
    }),
    listeners: new Gauge({ name: 'jetkube_proxy_listeners', help: 'Listening sockets (cluster IP and node ports)', registers: [r] }),
    beforeScrape(fn) {
      hooks.add(fn);
      return () => hooks.delete(fn);
    },
  };
}
