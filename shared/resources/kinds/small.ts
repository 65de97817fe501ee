/**
 * The kinds with no status subresource: Endpoints, ConfigMap, Secret, ServiceAccount, Event, Lease.
 * `kubectl get` columns as printers.go's printEndpoints, printConfigMap, printSecret,
 * printServiceAccount, printEvent and printLease.
 */
import type { KindStrategy } from '../strategy.js';
import type { ConfigMap, Endpoints, Event, Lease, Secret, ServiceAccount } from '../types.js';
import { arr, clampInt, count, get, keyCount, optInt, str, timestamp } from '../projection.js';
import { age } from '../../printers/duration.js';
import { formatEndpoints } from '../../printers/network.js';
import { eventSource, firstSeen } from '../../printers/events.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TablePrinter } from '../../printers/types.js';
import { defaultEndpoints, defaultSecret } from '../defaults.js';
import { validateEvent, validateLease } from '../validation.js';
import { validateEndpoints } from '../service-validation.js';
import { validateConfigMap, validateSecret } from '../config-validation.js';

const endpointsPrinter: TablePrinter<Endpoints> = {
  columns: [
    NAME_COLUMN,
    column('Endpoints', 'The set of all endpoints is the union of all subsets.'),
    AGE_COLUMN,
  ],
  row(ep, now) {
    return [ep.metadata.name ?? '', formatEndpoints(ep), age(ep.metadata.creationTimestamp, now)];
  },
};

const size = (m: Readonly<Record<string, string>> | undefined) => Object.keys(m ?? {}).length;

const configMapPrinter: TablePrinter<ConfigMap> = {
  columns: [NAME_COLUMN, column('Data', 'Number of keys in the ConfigMap', { type: 'integer' }), AGE_COLUMN],
  row(cm, now) {
    return [cm.metadata.name ?? '', size(cm.data) + size(cm.binaryData), age(cm.metadata.creationTimestamp, now)];
  },
};

const serviceAccountPrinter: TablePrinter<ServiceAccount> = {
  columns: [NAME_COLUMN, column('Secrets', 'Number of secrets referenced by the ServiceAccount', { type: 'integer' }), AGE_COLUMN],
  row(sa, now) {
    return [sa.metadata.name ?? '', sa.secrets?.length ?? 0, age(sa.metadata.creationTimestamp, now)];
  },
};

const secretPrinter: TablePrinter<Secret> = {
  columns: [
    NAME_COLUMN,
    column('Type', 'Used to facilitate programmatic handling of secret data.'),
    column('Data', 'Number of keys in the Secret', { type: 'integer' }),
    AGE_COLUMN,
  ],
  row(s, now) {
    return [s.metadata.name ?? '', s.type ?? 'Opaque', size(s.data), age(s.metadata.creationTimestamp, now)];
  },
};

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

const leasePrinter: TablePrinter<Lease> = {
  columns: [NAME_COLUMN, column('Holder', 'holderIdentity contains the identity of the holder of a current lease.'), AGE_COLUMN],
  row(lease, now) {
    return [lease.metadata.name ?? '', lease.spec?.holderIdentity ?? '<none>', age(lease.metadata.creationTimestamp, now)];
  },
};

export const endpointsStrategy: KindStrategy = {
  kind: 'Endpoints',
  statusSubresource: false,
  generation: false,
  defaults: defaultEndpoints,
  validate: (obj) => validateEndpoints(obj as Endpoints),
  printer: endpointsPrinter,
  projection: {
    columns: { ready_addresses: 'integer', not_ready_addresses: 'integer' },
    row(o) {
      const subsets = arr(get(o, 'subsets'));
      return {
        ready_addresses: clampInt(subsets.reduce<number>((n, s) => n + arr(get(s, 'addresses')).length, 0)),
        not_ready_addresses: clampInt(subsets.reduce<number>((n, s) => n + arr(get(s, 'notReadyAddresses')).length, 0)),
      };
    },
  },
};

export const configMapStrategy: KindStrategy = {
  kind: 'ConfigMap',
  statusSubresource: false,
  generation: false,
  validate: (obj, old) => validateConfigMap(obj as ConfigMap, old as ConfigMap | undefined),
  printer: configMapPrinter,
  projection: {
    /** Entries in data + binaryData. */
    columns: { keys: 'integer' },
    row: (o) => ({ keys: keyCount(get(o, 'data')) + keyCount(get(o, 'binaryData')) }),
  },
};

export const secretStrategy: KindStrategy = {
  kind: 'Secret',
  statusSubresource: false,
  generation: false,
  defaults: defaultSecret,
  validate: (obj, old) => validateSecret(obj as Secret, old as Secret | undefined),
  printer: secretPrinter,
  projection: {
    /** keys: entries in data + stringData. */
    columns: { type: 'text', keys: 'integer' },
    row: (o) => ({ type: str(get(o, 'type')), keys: keyCount(get(o, 'data')) + keyCount(get(o, 'stringData')) }),
  },
  fields: { type: {} },
};

export const serviceAccountStrategy: KindStrategy = {
  kind: 'ServiceAccount',
  statusSubresource: false,
  generation: false,
  printer: serviceAccountPrinter,
  projection: {
    /** Entries in secrets. */
    columns: { secrets: 'integer' },
    row: (o) => ({ secrets: clampInt(arr(get(o, 'secrets')).length) }),
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

export const leaseStrategy: KindStrategy = {
  kind: 'Lease',
  statusSubresource: false,
  generation: true,
  validate: (obj) => validateLease(obj as Lease),
  printer: leasePrinter,
  projection: {
    columns: { holder: 'text', renew_time: 'timestamptz', lease_duration_seconds: 'integer' },
    row: (o) => ({
      holder: str(get(o, 'spec', 'holderIdentity')),
      renew_time: timestamp(get(o, 'spec', 'renewTime')),
      lease_duration_seconds: optInt(get(o, 'spec', 'leaseDurationSeconds')),
    }),
  },
};
