/** Event: no status subresource; `kubectl get events` (printers.go printEvent): when, what, about which object. */
import type { KindStrategy } from '../strategy.js';
import type { Event } from '../types.js';
import { validateEvent } from '../validation.js';
import { count, get, str, timestamp } from '../projection.js';
import { age } from '../../printers/duration.js';
import { eventSource, firstSeen } from '../../printers/events.js';
import { column, type TablePrinter } from '../../printers/types.js';

const eventPrinter: TablePrinter<Event> = {
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

export const eventStrategy: KindStrategy = {
  kind: 'Event',
  statusSubresource: false,
  generation: false,
  validate: (obj) => validateEvent(obj as Event),
  printer: eventPrinter,
  projection: {
    columns: {
      reason: 'text',
      /** Normal | Warning */
      type: 'text',
      message: 'text',
      involved_kind: 'text',
      involved_namespace: 'text',
      involved_name: 'text',
      involved_uid: 'text',
      count: 'integer',
      last_timestamp: 'timestamptz',
    },
    row: (o) => ({
      reason: str(get(o, 'reason')),
      type: str(get(o, 'type')),
      message: str(get(o, 'message')),
      involved_kind: str(get(o, 'involvedObject', 'kind')),
      involved_namespace: str(get(o, 'involvedObject', 'namespace')),
      involved_name: str(get(o, 'involvedObject', 'name')),
      involved_uid: str(get(o, 'involvedObject', 'uid')),
      count: count(get(o, 'count')),
      last_timestamp: timestamp(get(o, 'lastTimestamp')) ?? timestamp(get(o, 'eventTime')),
    }),
  },
  fields: {
    type: {},
    reason: {},
    source: { path: ['source', 'component'] },
    reportingComponent: {},
    'involvedObject.kind': {},
    'involvedObject.name': {},
    'involvedObject.namespace': {},
    'involvedObject.uid': {},
    'involvedObject.apiVersion': {},
    'involvedObject.resourceVersion': {},
    'involvedObject.fieldPath': {},
  },
};
