/**
 * The ingress controller's Prometheus metrics, per route: the Ingress (`namespace/name`, empty for
 * an unmatched request), the rule's host and path as written, and the status code. One set per
 * registry, so a controller restarted in the same process reuses it.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface IngressMetrics {
  readonly requests: Counter<'ingress' | 'host' | 'path' | 'code'>;
  readonly latency: Histogram<'ingress' | 'host' | 'path'>;
  readonly routes: Gauge;
  readonly upstreamErrors: Counter<'ingress' | 'host' | 'path'>;
  readonly reloads: Counter;
}

const byRegistry = new WeakMap<Registry, IngressMetrics>();

export function ingressMetrics(r: Registry): IngressMetrics {
  let m = byRegistry.get(r);
  if (!m) byRegistry.set(r, (m = create(r)));
  return m;
}

function create(r: Registry): IngressMetrics {
  const labelNames = ['ingress', 'host', 'path'] as const;
  return {
    requests: new Counter({
      name: 'jetkube_ingress_requests_total',
      help: 'Requests (WebSocket upgrades included) by Ingress, rule host, rule path and status code; unmatched requests have empty ingress, host and path',
      labelNames: [...labelNames, 'code'],
      registers: [r],
    }),
    latency: new Histogram({
      name: 'jetkube_ingress_request_duration_seconds',
      help: 'Time from a request to its response being sent, by Ingress, rule host and rule path',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [r],
    }),
    routes: new Gauge({ name: 'jetkube_ingress_routes', help: 'Host and path rules in the routing table', registers: [r] }),
    upstreamErrors: new Counter({
      name: 'jetkube_ingress_upstream_errors_total',
      help: 'Backend requests that failed (answered 502, or 504 when the backend timed out), by Ingress, rule host and rule path',
      labelNames,
      registers: [r],
    }),
    reloads: new Counter({ name: 'jetkube_ingress_table_updates_total', help: 'Routing tables swapped in (no server restarts)', registers: [r] }),
  };
}
