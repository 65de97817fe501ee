/**
 * Kubernetes Events (`kubectl describe` shows them): what a controller did to an object, and why.
 * Best effort, like client-go's recorder: a failure is logged, never thrown.
 */
import { randomBytes } from 'node:crypto';
import type { KObject } from '../resources/meta.js';
import type { Event, ObjectReference } from '../resources/types.js';
import type { Logger } from '../log.js';
import type { GatewayClient } from './gateway-client.js';
import { rfc3339 } from '../../shared/resources/time.js';

export type EventKind = 'Normal' | 'Warning';

export interface RecordEventOptions {
  readonly log?: Logger;
  /** The clock (default: new Date()). */
  readonly now?: () => Date;
  /** source.host, e.g. the node a kubelet runs on. */
  readonly host?: string;
}



/** The reference an Event (or any object) uses to point at `obj`. */
export function objectReference(obj: KObject): ObjectReference {
  const m = obj.metadata;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    ...(m.namespace ? { namespace: m.namespace } : {}),
    ...(m.name ? { name: m.name } : {}),
    ...(m.uid ? { uid: m.uid } : {}),
    ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
  };
}

/** The v1 Event recordEvent would create (pure; exported for tests and for services that batch). */
export function buildEvent(
  involvedObject: KObject,
  type: EventKind,
  reason: string,
  message: string,
  component: string,
  now: Date,
  host?: string,
): Event {
  const namespace = involvedObject.metadata.namespace || 'default';
  const ts = rfc3339(now);
  // Kubernetes names events `<object>.<hex timestamp>`; random bytes keep two events in one instant apart.
  const name = `${(involvedObject.metadata.name ?? 'unknown').slice(0, 220)}.${now.getTime().toString(16)}${randomBytes(4).toString('hex')}`;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace },
    involvedObject: objectReference(involvedObject),
    type,
    reason,
    message,
    count: 1,
    firstTimestamp: ts,
    lastTimestamp: ts,
    source: { component, ...(host ? { host } : {}) },
    reportingComponent: component,
    ...(host ? { reportingInstance: host } : {}),
  };
}

/** Create an Event about `involvedObject`. Resolves to the created Event, or undefined if the write failed. */
export async function recordEvent(
  client: GatewayClient,
  involvedObject: KObject,
  type: EventKind,
  reason: string,
  message: string,
  component: string,
  opts: RecordEventOptions = {},
): Promise<Event | undefined> {
  const ev = buildEvent(involvedObject, type, reason, message, component, (opts.now ?? (() => new Date()))(), opts.host);
  try {
    return await client.events.create(ev.metadata.namespace, ev);
  } catch (e) {
    opts.log?.warn({ err: e, reason, object: `${involvedObject.kind}/${involvedObject.metadata.name}` }, 'could not record event');
    return undefined;
  }
}
