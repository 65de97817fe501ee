/**
 * Forwarding an HTTP request to a backend and its answer back, over undici's keep-alive connection
 * pools (one pool per backend address; `dispatch`, the callback API, so a response is written to
 * the client as it arrives). The response head and what arrives of its body in the same read go
 * out in one write (the client socket is corked until the next tick); a client that reads slowly
 * pauses the backend read (backpressure), and a client that goes away aborts the backend request.
 * Request bodies stream to the backend. Header rules are in forwarding.ts; WebSocket upgrades are
 * not handled here (server.ts hands them to http-proxy).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import { downstreamHeaders, failureStatus, hasBody, upstreamHeaders } from './forwarding.js';

export interface UpstreamOptions {
  /** Connections per backend address (default 256); more requests wait for one. */
  readonly connections?: number;
  /** Connecting to a backend (default 5 s, ingress-nginx's proxy-connect-timeout): then 504. */
  readonly connectTimeoutMs?: number;
  /** Waiting for the response head, and between two reads of its body (default 60 s, ingress-nginx's proxy-read-timeout): 504 before the head. */
  readonly readTimeoutMs?: number;
}

/** Why a forward failed, and what the client should be answered if nothing was sent yet. */
export type ForwardFailure = (err: Error, status: 502 | 504) => void;

export class Upstream {
  private readonly agent: Agent;

  constructor(opts: UpstreamOptions = {}) {
    const read = opts.readTimeoutMs ?? 60_000;
    this.agent = new Agent({ connections: opts.connections ?? 256, pipelining: 1, connect: { timeout: opts.connectTimeoutMs ?? 5_000 }, headersTimeout: read, bodyTimeout: read });
  }

  /**
   * Send `req` to `origin` (`http://ip:port`) and its answer to `res`; `failed` when the backend
   * fails. The caller aborts the returned exchange when the client goes away (`res` closes before
   * it finished), so the backend connection is not left waiting for a reader.
   */
  forward(req: IncomingMessage, res: ServerResponse, origin: string, scheme: 'http' | 'https', failed: ForwardFailure): { abort(): void } {
    const exchange = new Exchange(res, failed);
    const opts: Dispatcher.DispatchOptions = {
      origin,
      path: req.url ?? '/',
      method: req.method as Dispatcher.HttpMethod,
      headers: upstreamHeaders(req.headers, { remoteAddress: req.socket.remoteAddress, scheme }),
      body: hasBody(req.headers) ? req : null,
    };
    try {
      this.agent.dispatch(opts, exchange);
    } catch (err) {
      exchange.onResponseError(undefined, err as Error);
    }
    return exchange;
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}

const uncork = (res: ServerResponse) => res.uncork();

/** One request's handler: writes the backend's answer to the client as undici parses it. */
class Exchange implements Dispatcher.DispatchHandler {
  private controller?: Dispatcher.DispatchController;
  private aborted = false;
  private done = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly failed: ForwardFailure,
  ) {}

  abort(): void {
    if (this.done || this.aborted) return; // the backend's part is over already
    this.aborted = true;
    this.controller?.abort(new Error('the client went away'));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.aborted) controller.abort(new Error('the client went away'));
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // informational (100 Continue, 103): not passed on
    const res = this.res;
    res.cork();
    process.nextTick(uncork, res);
    res.writeHead(statusCode, downstreamHeaders(headers));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.res.write(chunk) || this.res.destroyed) return;
    controller.pause();
    this.res.once('drain', () => controller.resume());
  }

  onResponseEnd(): void {
    this.done = true;
    this.res.end();
  }

  onResponseError(_c: Dispatcher.DispatchController | undefined, err: Error): void {
    if (this.done) return;
    this.done = true;
    this.failed(err, failureStatus((err as { code?: string }).code));
  }
}
