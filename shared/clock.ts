/**
 * The clock controllers read "now" from: always injected, so a test decides what time it is.
 * `systemClock` is the wall clock; `ManualClock` only moves when told to.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock for tests: starts at `start` (a Date or epoch ms) and moves only by set() and advance(). */
export class ManualClock implements Clock {
  private ms: number;

  constructor(start: Date | number = 0) {
    this.ms = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  set(t: Date | number): void {
    this.ms = typeof t === 'number' ? t : t.getTime();
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}
