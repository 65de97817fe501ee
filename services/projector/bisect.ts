/**
 * Finding the item a database refuses. A batch refused for its content (ContentRejectedError) is
 * split in halves, applied in order, until the refused item is alone; that one is handed to
 * `reject` (which records it as a dead letter) and the rest is applied. Any other error ends the
 * search and is rethrown (the caller retries the whole batch later, as for any infrastructure error).
 */
import { isContentRejected, type ContentRejectedError } from '../../shared/db/index.js';

export interface Bisect<T> {
  /** Apply a slice (in order, as one transaction). */
  readonly apply: (slice: readonly T[]) => Promise<void>;
  /** Set aside one item the database refused on its own, with the refusal. */
  readonly reject: (item: T, refusal: ContentRejectedError) => Promise<void>;
}

/**
 * Apply `items` in order with `b.apply`, bisecting around content refusals. `refused`: `items` as
 * a whole was already refused with this error (it is not sent again).
 */
export async function applyBisecting<T>(items: readonly T[], b: Bisect<T>, refused?: ContentRejectedError): Promise<void> {
  if (items.length === 0) return;
  let err = refused;
  if (!err) {
    try {
      await b.apply(items);
      return;
    } catch (e) {
      if (!isContentRejected(e)) throw e;
      err = e;
    }
  }
  if (items.length === 1) return b.reject(items[0]!, err);
  const mid = Math.ceil(items.length / 2);
  await applyBisecting(items.slice(0, mid), b);
  await applyBisecting(items.slice(mid), b);
}
