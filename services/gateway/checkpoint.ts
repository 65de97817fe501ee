/**
 * Consistent lists (DESIGN.md, "Reading"): a list waits until the projector's checkpoint has reached
 * the stream's last sequence at the moment of the request. The projector announces each committed
 * checkpoint on `<prefix>-sys.checkpoint`; a short poll of the table covers a missed announcement.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { ApiError } from '../../shared/errors.js';

export class CheckpointTracker {
  private latest = 0;
  private waiters = new Set<() => void>();
  private sub: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly prefix: string,
    private readonly read: () => Promise<number>,
    private readonly pollMs = 20,
  ) {}

  start(): void {
    this.sub = this.nc.subscribe(`${this.prefix}-sys.checkpoint`, {
      callback: (_err, msg) => {
        const seq = Number(msg.string());
        if (Number.isFinite(seq)) this.advance(seq);
      },
    });
  }

  stop(): void {
    this.sub?.unsubscribe();
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  get known(): number {
    return this.latest;
  }

  private advance(seq: number): void {
    if (seq <= this.latest) return;
    this.latest = seq;
    for (const w of this.waiters) w();
  }

  /** Resolve once the checkpoint is at least `target`; 504 after `timeoutMs`. */
  async waitFor(target: number, timeoutMs = 10_000): Promise<number> {
    if (this.latest >= target) return this.latest;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.advance(await this.read());
      if (this.latest >= target) return this.latest;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw tooLargeResourceVersion(target, this.latest);
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          this.waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, Math.min(this.pollMs, left));
        this.waiters.add(done);
      });
    }
  }
}

/** kube-apiserver's answer to a resourceVersion it has not reached (storage.NewTooLargeResourceVersionError). */
export function tooLargeResourceVersion(target: number, current: number): ApiError {
  return new ApiError('Timeout', `Too large resource version: ${target}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version', field: '' }],
    retryAfterSeconds: 1,
  });
}
