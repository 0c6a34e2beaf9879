import type { Clock } from "../../../runtime/puller/types";

/** A clock the test moves: sleeps return at once and advance it (so Retry-After waits are exact and instant). */
export class TestClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
