/**
 * NATS failures that mean "the event log can't be reached right now" (connection closed or
 * draining, no responders, timeouts, JetStream temporarily unavailable), turned into a retryable
 * 503 ServiceUnavailable where they arise: in the EventLog. Everything else passes unchanged.
 */
import { ClosedConnectionError, ConnectionError, DrainingConnectionError, NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import { JetStreamApiError } from '@nats-io/jetstream';
import { ApiError, isApiError } from '../errors.js';

/** JetStream's "temporarily unavailable" family (no quorum, not ready, stream offline). */
const JS_UNAVAILABLE_CODES: ReadonlySet<number> = new Set([10008, 10023, 10118]);

export function isEventLogUnavailable(e: unknown): boolean {
  if (
    e instanceof ClosedConnectionError ||
    e instanceof DrainingConnectionError ||
    e instanceof ConnectionError ||
    e instanceof NoRespondersError ||
    e instanceof TimeoutError ||
    e instanceof RequestError
  ) {
    return true;
  }
  return e instanceof JetStreamApiError && (JS_UNAVAILABLE_CODES.has(e.code) || e.status === 503);
}

/** `e` as a 503 when the event log is unreachable, else unchanged. */
export function asEventLogUnavailable(e: unknown): unknown {
  if (isApiError(e) || !isEventLogUnavailable(e)) return e;
  return new ApiError('ServiceUnavailable', `the event log is unavailable: ${(e as Error).message}`, { retryAfterSeconds: 1 }, { cause: e });
}
