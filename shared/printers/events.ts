/**
 * Events (printers.go printEvent; kubectl events' getInterval): when it last happened, what, and
 * about which object. The interval form `5s (x3 over 2m)` is shared by `kubectl events` and the
 * Events section of `kubectl describe`.
 */
import type { Event } from '../resources/types.js';
import { age } from './duration.js';
import { column, type TablePrinter } from './types.js';

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

export const eventPrinter: TablePrinter<Event> = {
  columns: [
    column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column('Reason', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    column('Object', 'The object that this event is about.'),
    column('Subobject', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', { wide: true }),
    column('Source', 'The component reporting this event.', { wide: true }),
    column('Message', 'A human-readable description of the status of this operation.'),
    column('First Seen', 'The time at which the event was first recorded.', { wide: true }),
    column('Count', 'The number of times this event has occurred.', { type: 'integer', wide: true }),
    column('Name', 'Name must be unique within a namespace.', { format: 'name', wide: true }),
  ],
  row(ev, now) {
    const first = age(firstSeen(ev), now);
    const io = ev.involvedObject ?? {};
    const kind = (io.kind ?? '').toLowerCase();
    return [
      ev.lastTimestamp ? age(ev.lastTimestamp, now) : first,
      ev.type ?? '',
      ev.reason ?? '',
      io.name ? `${kind}/${io.name}` : kind,
      io.fieldPath ?? '',
      eventSource(ev),
      (ev.message ?? '').trim(),
      first,
      ev.count || 1,
      ev.metadata.name ?? '',
    ];
  },
};
