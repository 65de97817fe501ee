/**
 * A SPDY/3 server connection over any byte stream, for the streams Kubernetes opens (port-forward),
 * on the `spdy-transport` library (framing, the zlib header dictionary, pings, GOAWAY).
 *
 * Two differences between Kubernetes' SPDY (moby/spdystream) and what spdy-transport expects, each
 * bridged here and nowhere else:
 * - spdystream's streams are not HTTP requests: their SYN_STREAM has no `:method` or `:path`,
 *   which spdy-transport's parser rejects. The parser of each connection is given placeholders
 *   for missing ones, and they are removed from the headers the stream handler sees.
 * - spdystream does no flow control: it never sends WINDOW_UPDATE. Speaking SPDY/3 (no session
 *   window) and opening each stream's send window wide keeps spdy-transport from waiting forever
 *   after the first 64 KiB. (Receiving, spdy-transport only ever sends window updates, which
 *   spdystream ignores.)
 */
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';

const require = createRequire(import.meta.url);

/** One stream of a SPDY connection: a Duplex (end() sends FIN) with its SYN_STREAM headers. */
export interface SpdyStream extends Duplex {
  readonly id: number;
  readonly headers: Record<string, string>;
  /** SYN_REPLY: accept the stream. */
  respond(status: number, headers: Record<string, string>): void;
  /** RST_STREAM: refuse or tear down the stream. */
  abort(): void;
}

interface WindowSide {
  current: number;
  max: number;
  limit: number;
}

interface RawStream extends SpdyStream {
  _spdyState: { window: { send: WindowSide } };
}

interface RawConnection {
  _spdyState: { parser: { parseKVs(buf: unknown, cb: (err: Error | null, headers?: Record<string, string>) => void): void } };
  start(version: number): void;
  on(event: 'stream', cb: (s: RawStream) => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  on(event: 'close', cb: () => void): void;
  end(cb?: () => void): void;
  destroyStreams(err?: Error): void;
}

interface Transport {
  connection: { create(socket: Duplex, options: { protocol: 'spdy'; isServer: boolean; windowSize?: number }): RawConnection };
}

const transport = require('spdy-transport') as Transport;

const PLACEHOLDER_METHOD = 'JETKUBE-STREAM';
const PLACEHOLDER_PATH = '/';

export interface SpdyServerConnection {
  /** Resolves when the connection is gone (either side closed it, or it failed). */
  readonly closed: Promise<void>;
  /** Tear the connection and every stream down at once. */
  destroy(): void;
}

/**
 * Serve SPDY on `socket` (already upgraded): every stream the client opens is passed to
 * `onStream`, which replies (respond) or refuses (abort). `onError` hears protocol errors.
 */
export function serveSpdy(socket: Duplex, onStream: (s: SpdyStream) => void, onError: (e: Error) => void = () => undefined): SpdyServerConnection {
  const conn = transport.connection.create(socket, { protocol: 'spdy', isServer: true });
  const parser = conn._spdyState.parser;
  const parseKVs = parser.parseKVs.bind(parser);
  parser.parseKVs = (buf, cb) =>
    parseKVs(buf, (err, headers) => {
      if (!err && headers && headers[':method'] === undefined && headers[':path'] === undefined) {
        headers[':method'] = PLACEHOLDER_METHOD;
        headers[':path'] = PLACEHOLDER_PATH;
      }
      cb(err, headers);
    });
  conn.start(3);
  conn.on('stream', (s) => {
    if (s.headers[':method'] === PLACEHOLDER_METHOD) {
      delete s.headers[':method'];
      delete s.headers[':path'];
    }
    const send = s._spdyState.window.send;
    send.limit = Number.POSITIVE_INFINITY;
    send.max = Number.MAX_SAFE_INTEGER;
    send.current = Number.MAX_SAFE_INTEGER;
    s.on('error', () => undefined); // an RST from the client; the handler sees 'close'
    onStream(s);
  });
  const closed = new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      conn.destroyStreams();
      resolve();
    };
    conn.on('close', finish);
    socket.once('close', finish);
  });
  conn.on('error', (e) => {
    onError(e);
    socket.destroy();
  });
  socket.on('error', () => socket.destroy());
  return {
    closed,
    destroy() {
      conn.destroyStreams();
      socket.destroy();
    },
  };
}
