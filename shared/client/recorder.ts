/**
 * A bounded, fire-and-forget Event sink (client-go's broadcaster): callers never wait for an Event
 * write, at most `concurrency` are in flight, and when more than `maxQueued` wait the newest are
 * dropped and counted instead of slowing the controller down. Events go through client-go's
 * correlator first (event-correlator.ts): a repeated event bumps the count of the one already
 * written, similar ones are combined, and an object's event spam is dropped.
 */
import type { KObject } from '../resources/meta.js';
import type { Logger } from '../log.js';
import type { GatewayClient } from './gateway-client.js';
import { buildEvent, type EventKind } from './events.js';
import { EventCorrelator } from './event-correlator.js';
import { isNotFound } from '../errors.js';

export interface EventRecorderOptions {
  readonly component: string;
  readonly host?: string;
  readonly concurrency?: number;
  readonly maxQueued?: number;
  readonly now?: () => Date;
  readonly log?: Logger;
}

export class EventRecorder {
  private readonly queue: (() => Promise<unknown>)[] = [];
  private inflight = 0;
  private idle: (() => void)[] = [];
  dropped = 0;
  failed = 0;
  /** Events the spam filter dropped. */
  filtered = 0;
  private readonly correlator: EventCorrelator;

  constructor(
    private readonly client: GatewayClient,
    private readonly opts: EventRecorderOptions,
  ) {
    this.correlator = new EventCorrelator(opts.now);
  }

  /** `host` (the reporting node) overrides the option's: one recorder serves a pool of fake kubelets. */
  record(obj: KObject, type: EventKind, reason: string, message: string, host: string | undefined = this.opts.host): void {
    if (this.queue.length >= (this.opts.maxQueued ?? 1000)) {
      this.dropped++;
      return;
    }
    const ev = buildEvent(obj, type, reason, message, this.opts.component, (this.opts.now ?? (() => new Date()))(), host);
    const c = this.correlator.correlate(ev);
    if (c.action === 'drop') {
      this.filtered++;
      return;
    }
    if (c.action === 'create') this.queue.push(() => this.client.events.create(c.event.metadata.namespace, c.event));
    else {
      this.queue.push(async () => {
        try {
          return await this.client.events.patch(c.namespace, c.name, c.patch, 'merge');
        } catch (e) {
          if (!isNotFound(e)) throw e;
          // Gone meanwhile (expired or deleted): written afresh, as client-go does.
          this.correlator.forget(c.event);
          const fresh = buildEvent(obj, type, reason, c.event.message ?? message, this.opts.component, (this.opts.now ?? (() => new Date()))(), host);
          return this.client.events.create(fresh.metadata.namespace, fresh);
        }
      });
    }
    this.pump();
  }

  /** Resolves when nothing is queued or in flight. */
  async flush(): Promise<void> {
    if (this.inflight === 0 && this.queue.length === 0) return;
    await new Promise<void>((r) => this.idle.push(r));
  }

  private pump(): void {
    while (this.inflight < (this.opts.concurrency ?? 4) && this.queue.length) {
      const job = this.queue.shift()!;
      this.inflight++;
      job()
        .catch((err: unknown) => {
          this.failed++;
          this.opts.log?.debug({ err }, 'event write failed');
        })
        .finally(() => {
          this.inflight--;
          this.pump();
          if (this.inflight === 0 && this.queue.length === 0) for (const r of this.idle.splice(0)) r();
        });
    }
  }
}
