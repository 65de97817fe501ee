/**
 * Applies replay windows to a schema with one window in flight while the next one is read. A window
 * the database refuses for one event's content is bisected (bisect.ts), as the projector does: that
 * event becomes a dead letter with the same reason, the rest is applied.
 */
import type { Kysely } from 'kysely';
import { applyPlan, planBatch, type Database, type DeadLetterRow, type ProjectedEvent } from '../../shared/db/index.js';
import { applyBisecting } from './bisect.js';
import type { ReadWindow } from './stream-reader.js';

export class WindowWriter {
  private inflight: Promise<void> = Promise.resolve();
  events = 0;

  constructor(private readonly db: Kysely<Database>) {}

  /** Wait for the previous window (rethrowing its error), then start writing this one. */
  async push(w: ReadWindow): Promise<void> {
    await this.inflight;
    this.inflight = this.write(w.events, w.deadLetters);
    // Observed by the next push or by flush; this only keeps it from counting as unhandled meanwhile.
    this.inflight.catch(() => undefined);
  }

  async flush(): Promise<void> {
    await this.inflight;
  }

  private async write(events: readonly ProjectedEvent[], deadLetters: readonly DeadLetterRow[]): Promise<void> {
    const dead = [...deadLetters];
    const apply = async (slice: readonly ProjectedEvent[], extra: readonly DeadLetterRow[] = []) => {
      const plan = planBatch(slice, [...dead, ...extra]);
      const top = Math.max(
        slice.reduce((m, e) => Math.max(m, e.seq), 0),
        extra.reduce((m, d) => Math.max(m, d.sequence), 0),
      );
      await applyPlan(this.db, plan, top > 0 ? { checkpoint: top } : {});
      this.events += plan.mirror.length;
    };
    await applyBisecting(events, {
      apply: (slice) => apply(slice),
      reject: (e, err) =>
        apply([], [{ sequence: e.seq, time: e.time, subject: e.subject ?? '', reason: `refused by the database: ${err.message}` }]),
    });
    // A window of poison messages only still records them.
    if (events.length === 0 && dead.length) await apply([]);
  }
}
