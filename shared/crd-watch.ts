/**
 * Follows the CustomResourceDefinitions on the stream (current state at start, then every change)
 * and serves their kinds in this process (resources/crd-serving.ts): every gateway and projector
 * runs one, so a second or restarted gateway serves what the stream says, with no restart. What
 * else a service does with a CRD event (the gateway's status and cleanup, the projector's SQL view)
 * comes in as `onEvent`, called in stream order after serving.
 */
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { EventLog, StoredEvent } from './eventlog/index.js';
import { readLatest, resourceFilter } from './eventlog/index.js';
import type { Logger } from './log.js';
import { assertReads } from './nats-lock/reads.js';
import { hasCondition, type Crd } from './resources/crd.js';
import { servedKindOf, serveCrd, unserveCrd, type ServeResult } from './resources/crd-serving.js';

export type CrdEventHandler = (ev: StoredEvent, result: ServeResult | undefined) => Promise<void>;

export class CrdWatch {
  private messages: ConsumerMessages | undefined;
  private stopped = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly log: EventLog,
    private readonly logger: Logger,
    private readonly onEvent?: CrdEventHandler,
  ) {}

  /** Serve every CRD the stream holds now, then follow changes. Resolves once the current ones are served. */
  async start(): Promise<void> {
    assertReads(this.log.readScope, 'customresourcedefinitions');
    const filter = resourceFilter(this.log.root, 'customresourcedefinitions');
    const { events, lastSeq } = await readLatest(this.log, filter);
    // The CRDs that hold their names (Established) first: a newer write to one must not hand its
    // names to a CRD that was refused them (the newest events are not in creation order).
    const holds = (ev: StoredEvent) => (ev.type !== 'DELETED' && hasCondition(ev.object as Crd, 'Established') ? 0 : 1);
    for (const ev of events.sort((a, b) => holds(a) - holds(b) || a.seq - b.seq)) await this.handle(ev);
    if (this.stopped) return;
    const consumer = await this.log.js.consumers.get(this.log.stream, {
      filter_subjects: filter,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: lastSeq + 1,
    });
    this.messages = await consumer.consume();
    if (this.stopped) {
      await this.messages.close().catch(() => undefined);
      return;
    }
    void (async () => {
      for await (const m of this.messages!) {
        let ev: StoredEvent;
        try {
          ev = this.log.decode(m);
        } catch {
          continue; // poison: recorded by the projector
        }
        this.chain = this.chain.then(() => this.handle(ev));
      }
    })().catch((e: unknown) => this.logger.warn({ err: e }, 'CRD watch ended'));
  }

  /** The newest event seen per CRD: a CRD refused for its names is tried again once another goes. */
  private readonly latest = new Map<string, StoredEvent>();

  private async handle(ev: StoredEvent): Promise<void> {
    await this.handleOne(ev);
    if (ev.type !== 'DELETED' || this.stopped) return;
    for (const [name, other] of [...this.latest].sort((a, b) => a[1].seq - b[1].seq)) {
      if (other.type !== 'DELETED' && !servedKindOf(name)) await this.handleOne(other);
    }
  }

  private async handleOne(ev: StoredEvent): Promise<void> {
    if (this.stopped) return;
    const name = ev.object.metadata.name ?? '';
    const seen = this.latest.get(name);
    if (!seen || seen.seq <= ev.seq) {
      if (ev.type === 'DELETED') this.latest.delete(name);
      else this.latest.set(name, ev);
    }
    let result: ServeResult | undefined;
    try {
      if (ev.type === 'DELETED') {
        unserveCrd(name);
        this.logger.info({ crd: name, seq: ev.seq }, 'CRD deleted: its kind is no longer served');
      } else {
        result = serveCrd(ev.object as Crd);
        if (result.served) this.logger.debug({ crd: name, seq: ev.seq }, 'CRD served');
        else this.logger.info({ crd: name, seq: ev.seq, reason: result.reason, message: result.message }, 'CRD not served');
      }
      await this.onEvent?.(ev, result);
    } catch (e) {
      this.logger.warn({ err: e, crd: name, seq: ev.seq }, 'CRD event not handled');
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.messages?.close().catch(() => undefined);
    await this.chain.catch(() => undefined);
  }
}
