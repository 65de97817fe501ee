/** An unbounded FIFO whose reader takes whatever has arrived, up to a maximum, waiting while empty. */
export class BatchQueue<T> {
  private items: T[] = [];
  private head = 0;
  private wake: (() => void) | undefined;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  /** Up to `max` items, waiting until at least one is there; [] when `signal` aborts. */
  async take(max: number, signal: AbortSignal): Promise<T[]> {
    while (this.size === 0) {
      if (signal.aborted) return [];
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          this.wake = undefined;
          resolve();
        };
        this.wake = done;
        signal.addEventListener('abort', done);
      });
    }
    const out = this.items.slice(this.head, this.head + max);
    this.head += out.length;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}
