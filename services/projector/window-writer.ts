/** Applies replay windows to a schema with one window in flight while the next one is read. */
import type { Kysely } from 'kysely';
import { applyPlan, planBatch, type Database, type ProjectedEvent } from '../../shared/db/index.js';

export class WindowWriter {
  private inflight: Promise<void> = Promise.resolve();
  events = 0;

  constructor(private readonly db: Kysely<Database>) {}

  /** Wait for the previous window (rethrowing its error), then start writing this one. */
  async push(events: readonly ProjectedEvent[]): Promise<void> {
    await this.inflight;
    const plan = planBatch(events);
    this.events += plan.mirror.length;
    const top = events.reduce((m, e) => Math.max(m, e.seq), 0);
    this.inflight = applyPlan(this.db, plan, { checkpoint: top }).then(() => undefined);
    // Observed by the next push or by flush; this only keeps it from counting as unhandled meanwhile.
    this.inflight.catch(() => undefined);
  }

  async flush(): Promise<void> {
    await this.inflight;
  }
}
