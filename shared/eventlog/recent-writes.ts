/**
 * The newest message a process wrote on each subject, as the bytes it published, in a bounded LRU.
 *
 * A message at a given sequence never changes, so when a writer names the sequence it read (an
 * update with metadata.resourceVersion, as every kubelet Lease renewal and status write does) and
 * this process published that very sequence on that subject, the stored object is already here: the
 * gateway can skip the direct get and let the compare-and-swap on that sequence decide, as before,
 * whether it is still the newest. A miss (evicted, written elsewhere, another sequence) says nothing;
 * the caller reads the stream as usual.
 *
 * Tombstones are not kept (a deleted subject is forgotten). The cache belongs to one stream: a
 * stream deleted and created again under the same name must not be written through an EventLog
 * that cached the old one (call `clear`).
 */
export interface RecentMessage {
  readonly seq: number;
  readonly time: Date;
  readonly data: Uint8Array;
}

export class RecentWrites {
  private readonly bySubject = new Map<string, RecentMessage>();
  private bytes = 0;

  /** `maxBytes`: the data kept in total (0 keeps nothing). */
  constructor(private readonly maxBytes: number) {}

  /** The message at `seq` on `subject` if this is what was last put there. */
  get(subject: string, seq: number): RecentMessage | undefined {
    const m = this.bySubject.get(subject);
    return m && m.seq === seq ? m : undefined;
  }

  put(subject: string, m: RecentMessage): void {
    if (m.data.length > this.maxBytes) return this.delete(subject);
    this.delete(subject);
    this.bySubject.set(subject, m);
    this.bytes += m.data.length;
    // Oldest first: a Map iterates in insertion order, and a put re-inserts.
    for (const [k, old] of this.bySubject) {
      if (this.bytes <= this.maxBytes) break;
      this.bySubject.delete(k);
      this.bytes -= old.data.length;
    }
  }

  delete(subject: string): void {
    const m = this.bySubject.get(subject);
    if (!m) return;
    this.bySubject.delete(subject);
    this.bytes -= m.data.length;
  }

  clear(): void {
    this.bySubject.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.bySubject.size;
  }

  get sizeBytes(): number {
    return this.bytes;
  }
}
