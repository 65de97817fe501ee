/**
 * metrics.k8s.io/v1beta1 (k8s.io/metrics pkg/apis/metrics/v1beta1): what the gateway serves and
 * the HPA controller and `kubectl top` read. Usage values are Kubernetes quantities (`250m`, `64Mi`).
 */
import type { ObjectMeta } from '../resources/meta.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const METRICS_API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

export type ResourceUsage = Readonly<Record<string, string>>;

export interface ContainerMetrics {
  readonly name: string;
  readonly usage: ResourceUsage;
}

export interface PodMetrics {
  readonly kind: 'PodMetrics';
  readonly apiVersion: typeof METRICS_API_VERSION;
  readonly metadata: ObjectMeta;
  /** The end of the window the sample covers (RFC 3339). */
  readonly timestamp: string;
  /** The window's length as a Go duration (`15.2s`). */
  readonly window: string;
  readonly containers: readonly ContainerMetrics[];
}

export interface NodeMetrics {
  readonly kind: 'NodeMetrics';
  readonly apiVersion: typeof METRICS_API_VERSION;
  readonly metadata: ObjectMeta;
  readonly timestamp: string;
  readonly window: string;
  readonly usage: ResourceUsage;
}
