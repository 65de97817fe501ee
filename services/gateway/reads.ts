/**
 * The gateway's reads: consistent lists from the projections (waiting for the projector's
 * checkpoint), exact lists from the log, watches from the stream, and the resourceVersion rules
 * kube-apiserver applies to them (not reached yet: 504 after 3 s; compacted: 410).
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { EventLog } from '../../shared/eventlog/index.js';
import { ApiError } from '../../shared/errors.js';
import { isDecryptError, isSealedResource, openSecret } from '../../shared/encryption/index.js';
import type { KObject } from '../../shared/resources/meta.js';
import { apiVersionOf, type ResourceInfo } from '../../shared/resources/registry.js';
import { asServedVersion } from '../../shared/resources/crd-versions.js';
import { parseLabelSelector } from '../../shared/resources/selectors.js';
import { parseFieldSelector } from '../../shared/resources/field-selectors.js';
import type { FieldRequirement, Requirement } from '../../shared/resources/selector-types.js';
import { listObjects, listObjectsJson, type Database, type ListOptions, type ListResult } from '../../shared/db/index.js';
import { tooLargeResourceVersion, type CheckpointTracker } from './checkpoint.js';
import { listOptions } from './list-options.js';
import { listExact } from './exact-list.js';
import { httpSink, streamWatch } from './watch.js';
import { acceptWatch, checkWatchUpgrade, isUpgrade } from './watch-websocket.js';
import { asTable, type TableRequest } from './table.js';
import type { Query } from './query.js';
import { isTrue, parseNonNegInt } from './request-options.js';

/** How long a list or watch waits for a resourceVersion the log has not reached (kube-apiserver: 3 s). */
const TOO_LARGE_RV_WAIT_MS = 3_000;

export interface ReadDeps {
  readonly log: EventLog;
  readonly db: Kysely<Database>;
  readonly tracker: CheckpointTracker;
  readonly bookmarkIntervalMs: number;
  readonly now: () => Date;
  /** Told each watch event's delay, stored on the stream → written to the client (a metric). */
  readonly onWatchDelivered?: (delaySeconds: number) => void;
}

export class Reads {
  constructor(private readonly d: ReadDeps) {}

  selectors(info: ResourceInfo, q: Query): { labels: Requirement[]; fields: FieldRequirement[] } {
    return {
      labels: q.labelSelector ? parseLabelSelector(q.labelSelector) : [],
      fields: q.fieldSelector ? parseFieldSelector(q.fieldSelector, info) : [],
    };
  }

  async consistentList(info: ResourceInfo, ns: string, q: Query, paged: boolean) {
    const r = await this.consistent(info, ns, q, paged, listObjects);
    if (!isSealedResource(info.plural)) return r;
    // Secrets are stored sealed (encryption at rest): opened here, as every read of the log opens them.
    return { ...r, result: { ...r.result, items: r.result.items.map((o) => this.open(o)) } };
  }

  private open(o: KObject): KObject {
    try {
      return openSecret(this.d.log.encryption, o);
    } catch (e) {
      if (!isDecryptError(e)) throw e;
      throw new ApiError('InternalError', `Internal error occurred: unable to transform key "/secrets/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}": ${e.message}`);
    }
  }

  private async consistent<R>(info: ResourceInfo, ns: string, q: Query, paged: boolean, lister: (db: Kysely<Database>, info: ResourceInfo, opts: ListOptions) => Promise<R>) {
    const { labels, fields } = this.selectors(info, q);
    const limit = q.limit !== undefined && q.limit !== '' ? parseNonNegInt(q.limit, 'limit') : undefined;
    const rv = q.resourceVersion;
    if (rv !== '0' && !q.continue) {
      const target = rv ? await this.reached(parseNonNegInt(rv, 'resourceVersion')) : (await this.d.log.state()).lastSeq;
      await this.d.tracker.waitFor(target);
    }
    return {
      labels,
      fields,
      result: await lister(this.d.db, info, {
        ...(ns ? { namespace: ns } : {}),
        labels,
        fields,
        ...(paged && limit ? { limit } : {}),
        ...(paged && q.continue ? { continueToken: q.continue } : {}),
      }),
    };
  }

  /**
   * A resourceVersion the log has not reached yet: wait up to 3 s for it (kube-apiserver's watch
   * cache blocks as long), then 504 "Too large resource version" with Retry-After.
   */
  async reached(seq: number): Promise<number> {
    const deadline = Date.now() + TOO_LARGE_RV_WAIT_MS;
    for (;;) {
      const { lastSeq } = await this.d.log.state();
      if (lastSeq >= seq) return seq;
      if (Date.now() >= deadline) throw tooLargeResourceVersion(seq, lastSeq);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async list(info: ResourceInfo, ns: string, q: Query): Promise<object> {
    const opts = listOptions(q, false);
    if (opts.resourceVersionMatch === 'Exact') {
      // The state at one sequence, from the log (limit is not applied: the whole list is answered).
      const seq = await this.reached(parseNonNegInt(opts.resourceVersion!, 'resourceVersion'));
      await this.d.tracker.waitFor(seq);
      const { labels, fields } = this.selectors(info, q);
      const items = (await listExact(this.d.db, this.d.log, info, { ...(ns ? { namespace: ns } : {}), seq, labels, fields })).map((o) => asServedVersion(info, o));
      return { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata: { resourceVersion: String(seq) }, items };
    }
    const { result } = await this.consistentList(info, ns, q, true);
    return this.listBody(info, result, result.items.map((o) => asServedVersion(info, o)));
  }

  /**
   * The list response as JSON text: the items are spliced in as Postgres returns them, not parsed
   * and serialised again (a page of 500 pods is megabytes). Same body as list(), up to whitespace.
   */
  async listJson(info: ResourceInfo, ns: string, q: Query): Promise<Readable> {
    // Exact lists come from the log; Secrets are opened one by one; a custom resource's items are
    // shown in the version the request names: none of these is spliced from Postgres.
    if (listOptions(q, false).resourceVersionMatch === 'Exact' || isSealedResource(info.plural) || info.storageVersion) return Readable.from([JSON.stringify(await this.list(info, ns, q))]);
    const { result } = await this.consistent(info, ns, q, true, listObjectsJson);
    const head = JSON.stringify(this.listBody(info, result, []));
    // head ends with `"items":[]}`: the items go between the brackets. Streamed in chunks: a list
    // of every pod of a big cluster is more than a string can hold (≈ 512 MB).
    return Readable.from(jsonListChunks(head.slice(0, -2), result.items, ']}'), { objectMode: false });
  }

  private listBody(info: ResourceInfo, result: Omit<ListResult, 'items'>, items: readonly unknown[]) {
    return {
      kind: `${info.kind}List`,
      apiVersion: apiVersionOf(info),
      metadata: {
        resourceVersion: String(result.resourceVersion),
        ...(result.continueToken ? { continue: result.continueToken } : {}),
        ...(result.remainingItemCount !== undefined ? { remainingItemCount: result.remainingItemCount } : {}),
      },
      items,
    };
  }

  async watch(req: FastifyRequest, reply: FastifyReply, info: ResourceInfo, ns: string, q: Query, table?: TableRequest): Promise<void> {
    const webSocket = isUpgrade(req.raw);
    if (webSocket) checkWatchUpgrade(req.raw);
    const rv = q.resourceVersion;
    const opts = listOptions(q, true);
    const timeoutMs = q.timeoutSeconds ? parseNonNegInt(q.timeoutSeconds, 'timeoutSeconds') * 1000 : undefined;
    let initial: KObject[] | undefined;
    let fromSeq: number;
    let sel: { labels: Requirement[]; fields: FieldRequirement[] };
    if (opts.sendInitialEvents === false && (rv === undefined || rv === '' || rv === '0')) {
      // No initial state: changes from now on.
      sel = this.selectors(info, q);
      fromSeq = (await this.d.log.state()).lastSeq;
    } else if (opts.sendInitialEvents === true || rv === undefined || rv === '' || rv === '0') {
      const { labels, fields, result } = await this.consistentList(info, ns, { ...q, limit: undefined, continue: undefined }, false);
      sel = { labels, fields };
      initial = result.items.map((o) => asServedVersion(info, o));
      fromSeq = result.resourceVersion;
    } else {
      sel = this.selectors(info, q);
      fromSeq = await this.reached(parseNonNegInt(rv, 'resourceVersion'));
      // Every change after fromSeq, or 410: never a silent subset of them (compaction.ts).
      if (await this.d.log.compactedAfter(fromSeq)) {
        throw new ApiError('Gone', `too old resource version: ${fromSeq} (events after it have been compacted)`);
      }
    }
    reply.hijack();
    const sink = webSocket ? await acceptWatch(req.raw, reply.raw).catch((e: Error) => (req.log.info({ err: e }, 'watch over WebSocket not opened'), undefined)) : httpSink(reply.raw);
    if (!sink) return;
    await streamWatch(this.d.log, sink, {
      info,
      namespace: ns,
      ...sel,
      fromSeq,
      initial,
      initialEventsEnd: opts.sendInitialEvents === true,
      bookmarks: isTrue(q.allowWatchBookmarks),
      bookmarkIntervalMs: this.d.bookmarkIntervalMs,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(table ? { transform: (o: KObject) => asTable(info, o, table, this.d.now()) } : {}),
      ...(this.d.onWatchDelivered ? { onDelivered: this.d.onWatchDelivered } : {}),
      onPoison: (e) => req.log.warn({ seq: e.seq, subject: e.subject, reason: e.reason }, 'watch passed over a poison message'),
    }).catch((e) => req.log.warn({ err: e }, 'watch failed'));
  }
}

/** `head`, the items comma-separated, `tail`, in chunks of about `chunkChars` characters. */
export function* jsonListChunks(head: string, items: readonly string[], tail: string, chunkChars = 256 * 1024): Generator<string> {
  let buf = head;
  for (let i = 0; i < items.length; i++) {
    buf += i === 0 ? items[i] : `,${items[i]}`;
    if (buf.length >= chunkChars) {
      yield buf;
      buf = '';
    }
  }
  yield buf + tail;
}
