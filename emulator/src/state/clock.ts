/**
 * The emulator's clock: wall time plus an offset that tests can move forward, so that token
 * expiry and task timing can be exercised without sleeping.
 */
import type { IClock } from './types.js';

/** A clock that reads `Date.now()` plus an adjustable offset. */
export class OffsetClock implements IClock {
  private offsetMs = 0;

  /** Epoch milliseconds, including the offset. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /**
   * Moves the clock forward (or back, with a negative value).
   * @param ms - milliseconds to add to every later `now()`
   */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
