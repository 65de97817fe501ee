/**
 * Requests Node's HTTP parser refuses before fastify sees them (a malformed request line, headers
 * and URL over Node's 16 KiB limit, a client too slow to send its headers) are answered with a
 * Kubernetes Status too, not fastify's own error JSON. There is no request to route, so the answer
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
export function onClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const s = clientErrorStatus(err);
    const body = JSON.stringify(s);
    socket.write(
      `HTTP/1.1 ${s.code} ${STATUS_CODES[s.code]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

function status(code: number, reason: Status['reason'], message: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}
