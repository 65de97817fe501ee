/**
 * client-go's EventCorrelator (tools/record/events_cache.go), pure: what the recorder does with an
 * Event before it writes it.
 *   1. Spam filter: a token bucket per source and involved object (burst 25, one token back every
 *      5 minutes): past it, events about that object are dropped.
 *   2. Aggregation: more than 10 events of one source, object, type and reason but different
 *      messages within 10 minutes become one "(combined from similar events): <message>" event.
 *   3. Deduplication: an event identical to one already written (same source, object, type,
 *      reason, message) is not written again; the earlier one gets count + 1 and a new
 *      lastTimestamp (a patch), as `kubectl get events` shows them.
 * Keys live in bounded LRU maps (4,096 entries each, as client-go's caches).
 */
import type { Event } from '../resources/types.js';
import { rfc3339 } from '../resources/time.js';

export const MAX_SIMILAR_EVENTS = 10;
export const SIMILAR_INTERVAL_MS = 600_000;
export const SPAM_BURST = 25;
export const SPAM_REFILL_MS = 300_000;
export const CACHE_SIZE = 4096;
export const COMBINED_PREFIX = '(combined from similar events): ';

export type Correlation =
  | { readonly action: 'create'; readonly event: Event }
  | { readonly action: 'patch'; readonly namespace: string; readonly name: string; readonly patch: { readonly count: number; readonly lastTimestamp: string; readonly message: string }; readonly event: Event }
  | { readonly action: 'drop' };

/** A Map kept to its newest `max` entries (touched on get). */
class Lru<V> {
  private readonly m = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value as string);
  }
  delete(k: string): void {
    this.m.delete(k);
  }
}

const objectKey = (e: Event) => {
  const o = e.involvedObject;
  return [o.kind, o.namespace, o.name, o.uid, o.apiVersion].join('\u0000');
};
const sourceKey = (e: Event) => [e.source?.component ?? '', e.source?.host ?? ''].join('\u0000');

export class EventCorrelator {
  private readonly buckets = new Lru<{ tokens: number; at: number }>(CACHE_SIZE);
  private readonly similar = new Lru<{ messages: Set<string>; last: number }>(CACHE_SIZE);
  private readonly seen = new Lru<{ namespace: string; name: string; count: number; firstTimestamp: string }>(CACHE_SIZE);

  constructor(private readonly now: () => Date = () => new Date()) {}

  correlate(event: Event): Correlation {
    const t = this.now().getTime();
    // 1. spam filter
    const spamKey = `${sourceKey(event)}\u0001${objectKey(event)}`;
    const b = this.buckets.get(spamKey) ?? { tokens: SPAM_BURST, at: t };
    const tokens = Math.min(SPAM_BURST, b.tokens + (t - b.at) / SPAM_REFILL_MS);
    if (tokens < 1) {
      this.buckets.set(spamKey, { tokens, at: t });
      return { action: 'drop' };
    }
    this.buckets.set(spamKey, { tokens: tokens - 1, at: t });

    // 2. aggregation of similar events
    const aggKey = [sourceKey(event), objectKey(event), event.type ?? '', event.reason ?? '', event.reportingComponent ?? '', event.reportingInstance ?? ''].join('\u0001');
    let rec = this.similar.get(aggKey);
    if (!rec || t - rec.last > SIMILAR_INTERVAL_MS) rec = { messages: new Set(), last: t };
    rec.messages.add(event.message ?? '');
    rec.last = t;
    this.similar.set(aggKey, rec);
    let ev = event;
    let key = `${aggKey}\u0001${event.message ?? ''}`;
    if (rec.messages.size >= MAX_SIMILAR_EVENTS) {
      ev = { ...event, message: `${COMBINED_PREFIX}${event.message ?? ''}` };
      key = aggKey;
    }

    // 3. deduplication
    const last = this.seen.get(key);
    const ts = rfc3339(new Date(t));
    if (last) {
      const count = last.count + 1;
      this.seen.set(key, { ...last, count });
      return {
        action: 'patch',
        namespace: last.namespace,
        name: last.name,
        patch: { count, lastTimestamp: ts, message: ev.message ?? '' },
        event: { ...ev, metadata: { ...ev.metadata, name: last.name, namespace: last.namespace }, count, firstTimestamp: last.firstTimestamp, lastTimestamp: ts },
      };
    }
    this.seen.set(key, { namespace: ev.metadata.namespace ?? 'default', name: ev.metadata.name ?? '', count: 1, firstTimestamp: ev.firstTimestamp ?? ts });
    return { action: 'create', event: ev };
  }

  /** The patched event was gone (expired, deleted): forget it, so the next one is created afresh. */
  forget(event: Event): void {
    for (const key of [this.keyOf(event, false), this.keyOf(event, true)]) this.seen.delete(key);
  }

  private keyOf(e: Event, combined: boolean): string {
    const agg = [sourceKey(e), objectKey(e), e.type ?? '', e.reason ?? '', e.reportingComponent ?? '', e.reportingInstance ?? ''].join('\u0001');
    return combined ? agg : `${agg}\u0001${e.message ?? ''}`;
  }
}
