/** Where "now" comes from. Everything time-based takes one, so tests move time instead of waiting. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; used by tests and by the benchmark. */
export class ManualClock implements Clock {
  #ms: number;

  constructor(start: number | string | Date = Date.UTC(2026, 0, 1)) {
    this.#ms = new Date(start).getTime();
  }

  now(): number {
    return this.#ms;
  }

  set(to: number | string | Date): void {
    this.#ms = new Date(to).getTime();
  }

  advance(ms: number): void {
    this.#ms += ms;
  }
}
