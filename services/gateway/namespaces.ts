/**
 * Namespace lifecycle admission needs to know, for every namespaced write, that the namespace
 * exists and is not terminating. This cache follows the namespaces' subjects with an ordered
 * consumer ("deliver last per subject": current state, then every change) so the common case costs
 * no round trip; a namespace the cache has not seen yet is read directly from the log.
 */
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { EventLog } from '../../shared/eventlog/index.js';
import { resourceFilter } from '../../shared/eventlog/index.js';

export type NamespaceState = 'active' | 'terminating' | 'absent';

export class NamespaceCache {
  private readonly known = new Map<string, { seq: number; state: NamespaceState }>();
  private messages: ConsumerMessages | undefined;
  private stopped = false;

  constructor(private readonly log: EventLog) {}

  async start(): Promise<void> {
    const consumer = await this.log.js.consumers.get(this.log.stream, {
      filter_subjects: resourceFilter(this.log.root, 'namespaces'),
      deliver_policy: DeliverPolicy.LastPerSubject,
    });
    this.messages = await consumer.consume();
    void (async () => {
      for await (const m of this.messages!) {
        let ev;
        try {
          ev = this.log.decode(m);
        } catch {
          continue; // a poison message: the namespace is read from the log when asked
        }
        const name = ev.object.metadata.name!;
        const state: NamespaceState = ev.type === 'DELETED' ? 'absent' : ev.object.metadata.deletionTimestamp ? 'terminating' : 'active';
        this.observe(name, ev.seq, state);
      }
    })().catch(() => undefined);
  }

  /** Record what a reader saw; older observations never overwrite newer ones. */
  observe(name: string, seq: number, state: NamespaceState): void {
    const cur = this.known.get(name);
    if (!cur || cur.seq < seq) this.known.set(name, { seq, state });
  }

  /** The cached state, or undefined when the cache cannot vouch for it (ask the log). */
  cached(name: string): NamespaceState | undefined {
    const s = this.known.get(name);
    return s?.state === 'active' ? 'active' : undefined;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.messages?.close().catch(() => undefined);
  }
}
