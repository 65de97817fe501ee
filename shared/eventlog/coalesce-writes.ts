/**
 * Coalesce the NATS client's socket writes to one per event-loop turn.
 *
 * nats.js flushes its outbound buffer in a microtask after every publish. A server handling many
 * concurrent HTTP requests publishes from many separate I/O callbacks, so each publish becomes its
 * own write(2); measured on this project's 2-core machine, those writes were a quarter of the
 * gateway's CPU. Deferring the flush to setImmediate lets every publish of one loop turn share one
 * write, at the cost of at most one loop turn of latency.
 *
 * This reaches into the client's protocol handler (`flushPending`, nats-core 3.x). If that shape is
 * not there (another version), nothing is changed and the client behaves as shipped.
 */
import type { NatsConnection } from '@nats-io/transport-node';

interface ProtocolLike {
  flushPending: () => void;
}

export function coalesceWrites(nc: NatsConnection): boolean {
  const protocol = (nc as unknown as { protocol?: ProtocolLike }).protocol;
  if (!protocol || typeof protocol.flushPending !== 'function') return false;
  const flush = protocol.flushPending.bind(protocol);
  let scheduled = false;
  protocol.flushPending = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      flush();
    });
  };
  return true;
}
