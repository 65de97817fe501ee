/**
 * One proxied connection: pick a backend, connect, then splice the two sockets with pipe() in both
 * directions (the leanest per-byte path Node has: no per-chunk work of ours).
 *
 * A backend that refuses or does not answer within the connect timeout is skipped and the next
 * one tried, at most once each: the client's bytes wait unread in its socket (the server pauses on
 * connect) until a backend is connected, so nothing has been forwarded yet and a retry is safe.
 * This hides a pod that has just stopped accepting. With no backend left the client is reset.
 *
 * Closing follows TCP: a FIN is passed on as a FIN (half-close: both sockets allow half-open),
 * an error on either side destroys both, and a side that closes cleanly lets the other flush what
 * it still has to write before it is destroyed.
 */
import { connect, type Socket } from 'node:net';
import { backendKey, type Backend } from './plan.js';

export interface Route {
  /** The next backend for this client, skipping `tried`; undefined when none is left. */
  pick(clientIp: string | undefined, tried: ReadonlySet<string>): Backend | undefined;
}

export interface ForwardHooks {
  /** A backend refused, failed or timed out before the connection was established. */
  connectFailed(backend: Backend, err: Error): void;
  /** The client socket closed: the connection is over (its upstream is closing too). */
  closed(): void;
}

export interface Forwarding {
  /** Tear both sides down now. */
  destroy(): void;
}

const ignore = () => undefined;

export function forward(client: Socket, route: Route, connectTimeoutMs: number, hooks: ForwardHooks): Forwarding {
  const clientIp = client.remoteAddress;
  const tried = new Set<string>();
  let upstream: Socket | undefined;
  let spliced = false;

  client.on('error', ignore);
  client.once('close', (hadError) => {
    if (upstream) {
      if (spliced) settle(upstream, hadError);
      else upstream.destroy();
    }
    hooks.closed();
  });

  const dial = (): void => {
    if (client.destroyed) return;
    const b = route.pick(clientIp, tried);
    if (!b) {
      client.resetAndDestroy();
      return;
    }
    tried.add(backendKey(b));
    const up = connect({ host: b.ip, port: b.port, noDelay: true, allowHalfOpen: true });
    upstream = up;
    const onTimeout = () => up.destroy(Object.assign(new Error(`connect to ${backendKey(b)} timed out`), { code: 'ETIMEDOUT' }));
    const onFail = (err: Error) => {
      hooks.connectFailed(b, err);
      if (upstream !== up) return;
      upstream = undefined;
      dial();
    };
    up.setTimeout(connectTimeoutMs, onTimeout);
    up.once('error', onFail);
    up.once('connect', () => {
      up.setTimeout(0);
      up.off('timeout', onTimeout);
      up.off('error', onFail);
      up.on('error', ignore);
      spliced = true;
      client.pipe(up);
      up.pipe(client);
      up.once('close', (hadError) => settle(client, hadError));
    });
  };
  dial();

  return {
    destroy() {
      upstream?.destroy();
      client.destroy();
    },
  };
}

/** The peer of `s` closed: after an error destroy `s` at once, else let it flush its writes first. */
function settle(s: Socket, hadError: boolean): void {
  if (s.destroyed) return;
  if (hadError) {
    s.destroy();
    return;
  }
  if (s.writable) s.end();
  if (s.writableFinished) s.destroy();
  else s.once('finish', () => s.destroy());
}
