/** Kubernetes' metav1.Time on the wire: RFC 3339 in UTC, whole seconds (`2026-12-06T13:02:11Z`). */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Kubernetes' metav1.MicroTime on the wire: RFC 3339 in UTC with six fractional digits (`2026-12-06T13:02:11.123000Z`). */
export function microTime(d: Date): string {
  return d.toISOString().replace(/Z$/, '000Z');
}
