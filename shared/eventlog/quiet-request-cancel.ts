/**
 * Stop the NATS client building an Error for every request that succeeded.
 *
 * nats.js (nats-core 3.x, `RequestOne`) ends every request with `cancel()`, which rejects the
 * request's promise with `new RequestError("cancelled")` even when the reply already resolved it:
 * the rejection is a no-op, but the Error (and its stack capture) is paid on every publish and
 * direct get — 1.2% of the gateway's CPU under bench:scale's heartbeats. Here a request that has
 * been answered (its resolver ran) is cancelled without building that Error; a request cancelled
 * before an answer (a timeout, a closed connection) behaves as shipped.
 *
 * This reaches into the client's internals (`RequestOne.prototype.resolver` and `cancel`, through
 * `@nats-io/nats-core/internal`, the copy @nats-io/transport-node loads). If that shape is not
 * there (another version), nothing is changed and the client behaves as shipped.
 */
import { createRequire } from 'node:module';

interface RequestLike {
  timer?: { cancel(): void };
  mux: { cancel(r: unknown): void };
  __answered?: boolean;
}

interface RequestProto {
  resolver: (this: RequestLike, err: unknown, msg: unknown) => void;
  cancel: (this: RequestLike, err?: unknown) => void;
  __quietCancel?: boolean;
}

/** The prototype of the client's single-reply request, or undefined if this client has none. */
export function requestOnePrototype(): RequestProto | undefined {
  try {
    const here = createRequire(import.meta.url);
    const transport = createRequire(here.resolve('@nats-io/transport-node'));
    const internal = transport('@nats-io/nats-core/internal') as { RequestOne?: { prototype?: RequestProto } };
    const proto = internal.RequestOne?.prototype;
    return proto && typeof proto.resolver === 'function' && typeof proto.cancel === 'function' ? proto : undefined;
  } catch {
    return undefined;
  }
}

/** Install the patch once per process; true when it is in place. */
export function quietRequestCancel(proto: RequestProto | null | undefined = requestOnePrototype()): boolean {
  if (!proto) return false;
  if (proto.__quietCancel) return true;
  const resolver = proto.resolver;
  const cancel = proto.cancel;
  proto.resolver = function (this: RequestLike, err: unknown, msg: unknown) {
    this.__answered = true;
    return resolver.call(this, err, msg);
  };
  proto.cancel = function (this: RequestLike, err?: unknown) {
    // Answered: the promise is settled, so the "cancelled" rejection would only build an Error.
    if (err === undefined && this.__answered) {
      this.timer?.cancel();
      this.mux.cancel(this);
      return;
    }
    return cancel.call(this, err);
  };
  proto.__quietCancel = true;
  return true;
}
