/**
 * The remote command protocol kubectl speaks for `exec` and `attach` over WebSocket (pure: no I/O).
 *
 * Every WebSocket message is binary; its first byte names the stream:
 *   0 stdin (client → server), 1 stdout, 2 stderr, 3 error (server → client: one JSON
 *   metav1.Status, then the connection closes), 4 resize (client → server: JSON {"Width","Height"}).
 * v5.channel.k8s.io adds the close signal: a two-byte message [255, stream id] half-closes that
 * stream (kubectl sends [255, 0] when its stdin ends, which is what lets `kubectl cp` finish).
 * v4 is the same without the close signal. The v1 `channel.k8s.io` protocol (the same channels, no
 * JSON Status, exit codes lost) is offered by nobody we serve, so it is not accepted.
 */
import { headerList } from './header-list.js';

export const PROTOCOL_V5 = 'v5.channel.k8s.io';
export const PROTOCOL_V4 = 'v4.channel.k8s.io';
/** The protocols we accept, best first. */
export const SUPPORTED_PROTOCOLS: readonly string[] = [PROTOCOL_V5, PROTOCOL_V4];

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
export const CLOSE = 255;

/** The protocol to answer with (pure): the first we support among those the client offers, best first. */
export function negotiateProtocol(offered: string | readonly string[] | undefined): string | undefined {
  const list = headerList(offered);
  return SUPPORTED_PROTOCOLS.find((p) => list.includes(p));
}

/** One message: the stream byte, then the payload. */
export function encodeFrame(stream: number, payload: Uint8Array | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = stream;
  out.set(body, 1);
  return out;
}

export type ClientFrame =
  | { readonly type: 'stdin'; readonly data: Buffer }
  | { readonly type: 'resize'; readonly width: number; readonly height: number }
  | { readonly type: 'close'; readonly stream: number }
  | { readonly type: 'ignore' }
  | { readonly type: 'invalid'; readonly message: string };

/** What a message from the client means (pure). `v5` enables the close signal. */
export function decodeClientFrame(msg: Buffer, v5: boolean): ClientFrame {
  if (msg.length === 0) return { type: 'ignore' };
  const stream = msg[0]!;
  const data = msg.subarray(1);
  switch (stream) {
    case STDIN:
      return { type: 'stdin', data };
    case RESIZE: {
      if (data.length === 0) return { type: 'ignore' };
      let v: unknown;
      try {
        v = JSON.parse(data.toString('utf8'));
      } catch {
        return { type: 'invalid', message: 'the resize message is not JSON' };
      }
      // Go decodes TerminalSize{Width, Height} (no JSON tags) case-insensitively: client-node sends lower case.
      const field = (name: string): unknown =>
        v && typeof v === 'object' ? Object.entries(v as Record<string, unknown>).find(([k]) => k.toLowerCase() === name)?.[1] : undefined;
      const Width = field('width');
      const Height = field('height');
      const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535;
      if (!ok(Width) || !ok(Height)) return { type: 'invalid', message: 'the resize message needs integer Width and Height' };
      return { type: 'resize', width: Width, height: Height };
    }
    case CLOSE:
      if (!v5) return { type: 'invalid', message: 'the close signal needs the v5.channel.k8s.io protocol' };
      if (data.length !== 1) return { type: 'invalid', message: `a stream close signal carries one stream byte, got ${data.length}` };
      return { type: 'close', stream: data[0]! };
    default:
      // Data for a server → client stream, or an unknown one: Kubernetes drops it too.
      return { type: 'ignore' };
  }
}

/** The error stream's Status, as the kubelet writes it (metav1.Status with no kind or apiVersion). */
export interface ExecStatus {
  readonly metadata: Record<string, never>;
  readonly status: 'Success' | 'Failure';
  readonly message?: string;
  readonly reason?: string;
  readonly details?: { readonly causes: readonly { readonly reason: string; readonly message: string }[] };
  readonly code?: number;
}

/** The Status for a command that ended with `exitCode` (pure). */
export function exitStatus(command: readonly string[], exitCode: number): ExecStatus {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** The Status for a command that could not run at all (the kubelet's InternalError). */
export function internalErrorStatus(message: string): ExecStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: error executing command in container: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ reason: '', message: `error executing command in container: ${message}` }] },
    code: 500,
  };
}

/** Options of an exec or attach request. */
export interface StreamOptions {
  readonly command: readonly string[];
  readonly container?: string;
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
}

type Query = URLSearchParams;

const queryBool = (v: string | null): boolean => v !== null && v !== '0' && v.toLowerCase() !== 'false';

export class StreamOptionsError extends Error {}

/**
 * Parse and check the query of `pods/{name}/exec` or `/attach` (pure). Throws StreamOptionsError
 * with Kubernetes' message. With a tty, stderr is merged into stdout (Kubernetes drops stderr).
 */
export function parseStreamOptions(q: Query, kind: 'exec' | 'attach'): StreamOptions {
  const command = q.getAll('command');
  const tty = queryBool(q.get('tty'));
  const stdin = queryBool(q.get('stdin'));
  const stdout = queryBool(q.get('stdout'));
  const stderr = queryBool(q.get('stderr')) && !tty;
  if (kind === 'exec' && command.length === 0) throw new StreamOptionsError('you must specify at least 1 command');
  if (!stdin && !stdout && !stderr) throw new StreamOptionsError('you must specify at least 1 of stdin, stdout, stderr');
  const container = q.get('container') || undefined;
  return { command, ...(container ? { container } : {}), stdin, stdout, stderr, tty };
}

/** The query the kubelet is asked with (pure): the same options, the container in the path. */
export function kubeletQuery(o: StreamOptions): string {
  const q = new URLSearchParams();
  for (const c of o.command) q.append('command', c);
  for (const f of ['stdin', 'stdout', 'stderr', 'tty'] as const) if (o[f]) q.set(f, 'true');
  return q.toString();
}
