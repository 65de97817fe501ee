/**
 * Watch (DESIGN.md, "Reading"): an ordered JetStream consumer filtered on the resource's subjects,
 * starting at resourceVersion + 1, streamed in Kubernetes' watch format (one JSON event per line).
 */
import type { ServerResponse } from 'node:http';
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { EventLog } from '../../shared/eventlog/index.js';
import { isPoisonMessageError, resourceFilter, type PoisonMessageError } from '../../shared/eventlog/index.js';
import type { KObject, EventType } from '../../shared/resources/meta.js';
import type { FieldRequirement, Requirement } from '../../shared/resources/selector-types.js';
import type { ResourceInfo } from '../../shared/resources/registry.js';
import { apiVersionOf, subjectToken } from '../../shared/resources/registry.js';
import { asServedVersion } from '../../shared/resources/crd-versions.js';
import { matchesLabels } from '../../shared/resources/selectors.js';
import { matchesFields } from '../../shared/resources/field-selectors.js';

export type WatchEventType = EventType | 'BOOKMARK' | 'ERROR';

export interface WatchSpec {
  readonly info: ResourceInfo;
  readonly namespace: string;
  readonly labels: readonly Requirement[];
  readonly fields: readonly FieldRequirement[];
  /** Deliver events with sequence > this. */
  readonly fromSeq: number;
  /** Objects already sent as ADDED (list-then-watch), or undefined when resuming from a resourceVersion. */
  readonly initial: readonly KObject[] | undefined;
  readonly bookmarks: boolean;
  /** After the initial events, a bookmark marked `k8s.io/initial-events-end` (sendInitialEvents=true), when bookmarks are allowed. */
  readonly initialEventsEnd?: boolean;
  readonly bookmarkIntervalMs: number;
  readonly timeoutMs?: number;
  /** What each event carries instead of the object (a Table row for `as=Table` watches). */
  readonly transform?: (object: KObject) => unknown;
  /**
   * Told, for each event stored after the watch started and written to the client, the seconds
   * from its stored time on the stream to the write (older events, a resumed watch's backlog, are
   * not a delivery delay).
   */
  readonly onDelivered?: (delaySeconds: number) => void;
  /** Told about each poison message the watch passes over (it never ends the watch). */
  readonly onPoison?: (e: PoisonMessageError) => void;
}

const key = (o: KObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * Decides what a watcher with selectors sees for one event: an object that starts matching is
 * ADDED, one that stops matching is DELETED, like Kubernetes' watch cache.
 */
export class SelectorFilter {
  private readonly matched = new Set<string>();
  private readonly filtering: boolean;
  /** True when `initial` is everything that matched at the start (list-then-watch). */
  private readonly complete: boolean;

  constructor(
    private readonly labels: readonly Requirement[],
    private readonly fields: readonly FieldRequirement[],
    initial: readonly KObject[] | undefined,
  ) {
    this.filtering = labels.length > 0 || fields.length > 0;
    this.complete = initial !== undefined;
    for (const o of initial ?? []) this.matched.add(key(o));
  }

  apply(type: EventType, obj: KObject): EventType | undefined {
    if (!this.filtering) return type;
    const k = key(obj);
    const was = this.matched.has(k);
    const now = type !== 'DELETED' && matchesLabels(this.labels, obj.metadata.labels) && matchesFields(this.fields, obj);
    if (type === 'DELETED') {
      this.matched.delete(k);
      const matchedAtEnd = matchesLabels(this.labels, obj.metadata.labels) && matchesFields(this.fields, obj);
      return was || (!this.complete && matchedAtEnd) ? 'DELETED' : undefined;
    }
    if (now) {
      this.matched.add(k);
      // Without a complete initial state we cannot know it did not match before: keep the type.
      return was ? 'MODIFIED' : this.complete ? 'ADDED' : type;
    }
    if (was) {
      this.matched.delete(k);
      return 'DELETED';
    }
    return undefined;
  }
}

/**
 * The watch line of an event from EventLog.decodeShared: every watch that sends the same object
 * (the same decoded event, served as stored) with the same type sends the same bytes, so the line
 * is serialised once and kept with the object (read-only, shared; gone with it).
 */
const sharedLines = new WeakMap<object, { readonly type: WatchEventType; readonly line: string }>();
function sharedLine(type: WatchEventType, object: KObject): string {
  const hit = sharedLines.get(object);
  if (hit && hit.type === type) return hit.line;
  const line = `${JSON.stringify({ type, object })}\n`;
  sharedLines.set(object, { type, line });
  return line;
}

/**
 * Where a watch's events go: the chunked body of an HTTP answer (httpSink), or the messages of a
 * WebSocket (watch-websocket.ts). One event per `send`, a JSON line.
 */
export interface WatchSink {
  /** Begin the answer (an HTTP 200 with the watch's headers; nothing for an open WebSocket). */
  start(): void;
  /** Send one event; false when the client is behind (then wait for `drained`). */
  send(line: string): boolean;
  /** Resolves once the client has caught up, or has gone. */
  drained(): Promise<void>;
  /** Called once when the client goes away or the sink ends. */
  onClose(cb: () => void): void;
  end(): void;
}

/** A watch as a chunked HTTP answer, one event per line. */
export function httpSink(res: ServerResponse): WatchSink {
  return {
    start() {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
    },
    send: (line) => res.write(line),
    // A client that goes away while we wait for it to read never drains: closing ends the wait too.
    drained: () =>
      new Promise((r) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          r();
        };
        res.once('drain', done);
        res.once('close', done);
      }),
    onClose: (cb) => void res.on('close', cb),
    end: () => void res.end(),
  };
}

/** Stream events to `sink` until the client goes away, the timeout passes, or the log closes. */
export async function streamWatch(log: EventLog, sink: WatchSink, spec: WatchSpec): Promise<void> {
  const filter = new SelectorFilter(spec.labels, spec.fields, spec.initial);
  let closed = false;
  let lastSeq = spec.fromSeq;
  let messages: ConsumerMessages | undefined;
  const timers: NodeJS.Timeout[] = [];
  const startedMs = Date.now();

  const write = (type: WatchEventType, object: unknown, shared = false): Promise<void> => {
    if (closed) return Promise.resolve();
    if (spec.transform && type !== 'BOOKMARK' && type !== 'ERROR') object = spec.transform(object as KObject);
    const ok = sink.send(shared && !spec.transform ? sharedLine(type, object as KObject) : `${JSON.stringify({ type, object })}\n`);
    return ok ? Promise.resolve() : sink.drained();
  };
  const close = () => {
    if (closed) return;
    closed = true;
    for (const t of timers) clearTimeout(t);
    void messages?.close();
    sink.end();
  };
  sink.onClose(close);

  sink.start();
  for (const o of spec.initial ?? []) await write('ADDED', o);
  if (spec.initialEventsEnd && spec.bookmarks) {
    await write('BOOKMARK', {
      kind: spec.info.kind,
      apiVersion: apiVersionOf(spec.info),
      metadata: { resourceVersion: String(spec.fromSeq), annotations: { 'k8s.io/initial-events-end': 'true' } },
    });
  }

  if (spec.timeoutMs !== undefined) timers.push(setTimeout(close, spec.timeoutMs));
  if (spec.bookmarks) {
    const tick = async () => {
      if (closed) return;
      try {
        await write('BOOKMARK', {
          kind: spec.info.kind,
          apiVersion: apiVersionOf(spec.info),
          metadata: { resourceVersion: String(await bookmarkSeq()) },
        });
      } catch {
        /* a failed bookmark is skipped; the next one may work */
      }
      if (!closed) timers.push(setTimeout(tick, spec.bookmarkIntervalMs));
    };
    timers.push(setTimeout(tick, spec.bookmarkIntervalMs));
  }

  /**
   * The newest sequence the client can resume from without a gap: the stream's last sequence if
   * this consumer has nothing pending (read in that order), else what we delivered last.
   */
  const consumer = await log.js.consumers.get(log.stream, {
    filter_subjects: resourceFilter(log.root, subjectToken(spec.info), spec.namespace || undefined),
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: spec.fromSeq + 1,
  });
  let delivered = spec.fromSeq;
  const bookmarkSeq = async (): Promise<number> => {
    const { lastSeq: streamLast } = await log.state();
    const ci = await consumer.info(true).catch(() => undefined);
    if (ci && ci.num_pending === 0 && ci.delivered.stream_seq <= delivered) return Math.max(lastSeq, streamLast);
    return lastSeq;
  };

  if (closed) return;
  messages = await consumer.consume({ max_messages: 256 });
  // The client may have gone while the consumer was being set up: close() could not stop it then.
  if (closed) {
    await messages.close();
    return;
  }
  try {
    for await (const m of messages) {
      if (closed) break;
      let ev;
      try {
        ev = log.decodeShared(m);
      } catch (e) {
        // Like a corrupt object in etcd: this watch passes over it (it is recorded elsewhere) and
        // goes on; a client resuming after it does not meet it again.
        if (!isPoisonMessageError(e)) throw e;
        spec.onPoison?.(e);
        delivered = m.seq;
        lastSeq = m.seq;
        continue;
      }
      delivered = ev.seq;
      const type = filter.apply(ev.type, ev.object);
      if (type) {
        await write(type, asServedVersion(spec.info, ev.object), true);
        const storedMs = m.info.timestampNanos / 1e6;
        if (storedMs >= startedMs) spec.onDelivered?.((Date.now() - storedMs) / 1000);
      }
      lastSeq = ev.seq;
    }
  } catch (e) {
    await write('ERROR', {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `watch ended: ${e instanceof Error ? e.message : String(e)}`,
      reason: 'InternalError',
      code: 500,
    });
  } finally {
    close();
  }
}
