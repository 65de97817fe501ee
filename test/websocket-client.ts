/**
 * A WebSocket watch client for tests (the `ws` package, as a browser would open one): open a path,
 * collect its messages from the start, or read the HTTP answer that refused the upgrade.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';

export interface Opened {
  ws?: WebSocket;
  /** Every message since it opened (collected from the start: the first may come with the handshake). */
  messages: any[];
  protocol?: string;
  /** The HTTP answer instead of an upgrade. */
  refused?: { status: number; body: any };
}

/** Open `path` as a WebSocket; resolves once it is open or refused. */
export function openWebSocket(base: string, path: string, protocols: string[] = [], options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base.replace(/^http/, 'ws') + path, protocols, options);
    const messages: any[] = [];
    ws.on('message', (data, isBinary) => {
      assert.equal(isBinary, false, 'text frames');
      const text = data.toString();
      assert.ok(text.endsWith('\n'), 'one JSON line per message');
      messages.push(JSON.parse(text));
    });
    ws.on('open', () => resolve({ ws, messages, protocol: ws.protocol }));
    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* text */
        }
        resolve({ messages, refused: { status: res.statusCode ?? 0, body } });
      });
    });
    ws.on('error', reject);
  });
}

/** Collect messages until `until` says stop; resolves with them and the close code (if it closed). */
export function collectMessages(o: Opened, until: (events: any[]) => boolean, timeoutMs = 10_000): Promise<{ events: any[]; closeCode?: number }> {
  const ws = o.ws!;
  const events = o.messages;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out with ${JSON.stringify(events.map((e) => e.type))}`)), timeoutMs);
    const check = () => {
      if (!until(events)) return;
      clearTimeout(timer);
      resolve({ events });
    };
    ws.on('message', check);
    check();
    ws.on('close', (code) => {
      clearTimeout(timer);
      resolve({ events, closeCode: code });
    });
  });
}
