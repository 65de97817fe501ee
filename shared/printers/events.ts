/**
 * Events (kubectl events' getInterval): when it last happened, what, and about which object. The
 * interval form `5s (x3 over 2m)` is shared by `kubectl events` and the Events section of
 * `kubectl describe`; `kubectl get events`' columns are in shared/resources/kinds/small.ts.
 */
import type { Event } from '../resources/types.js';
import { age } from './duration.js';

/** The time an event was first seen: eventTime (events.k8s.io) or firstTimestamp. */
export function firstSeen(ev: Event): string | undefined {
  return ev.eventTime || ev.firstTimestamp || undefined;
}

/** The time an event was last seen. */
export function lastSeen(ev: Event): string | undefined {
  return ev.lastTimestamp || firstSeen(ev);
}

/** `5s`, or `5s (x3 over 2m)` for an event seen several times. */
export function eventInterval(ev: Event, now: Date): string {
  const first = age(firstSeen(ev), now);
  return (ev.count ?? 1) > 1 ? `${age(ev.lastTimestamp, now)} (x${ev.count} over ${first})` : first;
}

/** Oldest first by last sighting (SortableEvents). */
export function compareEvents(a: Event, b: Event): number {
  return Date.parse(lastSeen(a) ?? '') - Date.parse(lastSeen(b) ?? '') || 0;
}

/** `component, host` as in formatEventSource. */
export function eventSource(ev: Event): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const host = ev.source?.host || ev.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}
