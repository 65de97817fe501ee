/**
 * Requests Node's HTTP parser refuses before fastify sees them (a malformed request line, headers
 * and URL over Node's 16 KiB limit, a client too slow to send its headers), and CONNECT requests,
 * which Node never routes, are answered with a Kubernetes Status too, not fastify's own error JSON
 * or a closed connection. There is no request to route, so the answer
 * is written to the socket, as Node and fastify do.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Status } from '../../shared/errors.js';

/** The Status for a parser error: 431 for oversized headers, 408 for a timeout, else 400. */
export function clientErrorStatus(err: { code?: string }): Status {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      // Kubernetes has no reason for 431 (Go answers it in plain text); the reason stays unknown ('').
      return status(431, '', 'the request line and headers are larger than the server accepts');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return status(408, 'Timeout', 'the request was not received in time');
    default:
      return status(400, 'BadRequest', 'the request is not valid HTTP');
  }
}

/** Fastify's clientErrorHandler. */
export function onClientError(err: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  // The answer to a HEAD has no body: a client would read the body as the next answer.
  const head = Buffer.isBuffer(err.rawPacket) && err.rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
  writeStatus(socket, clientErrorStatus(err), head);
  socket.destroy(err);
}

/**
 * The server's 'connect' listener. Node hands a CONNECT request to this event, never to fastify,
 * and closes the connection without a word when nothing listens; the gateway proxies nothing
 * (no exec, attach or port-forward yet), so it is a 405 Status.
 */
export function onConnect(req: { url?: string }, socket: Socket): void {
  writeStatus(socket, status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: CONNECT ${req.url ?? ''}`));
  socket.destroy();
}

function writeStatus(socket: Socket, s: Status, headersOnly = false): void {
  if (!socket.writable) return;
  const body = JSON.stringify(s);
  socket.write(
    `HTTP/1.1 ${s.code} ${STATUS_CODES[s.code]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${headersOnly ? '' : body}`,
  );
}

function status(code: number, reason: Status['reason'], message: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}
