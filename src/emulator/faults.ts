import { createPrng, type Prng } from './prng.js';

/**
 * Seeded fault injection for reliability tests: the same seed and the same
 * request order give the same faults.
 */
export interface FaultOptions {
  /** Mean added latency per API request in ms; the actual delay is latency × [0.75, 1.25). */
  latencyMs?: number;
  /** Probability (0..1) of answering 500 or 503 without processing the request. */
  failRate?: number;
  /** Probability (0..1) that a committed write's connection is destroyed before the response. */
  resetAfterCommitRate?: number;
  /** Seed for the fault PRNG (default 1). */
  seed?: number;
}

export class Faults {
  private prng: Prng;

  constructor(private readonly options: FaultOptions = {}) {
    this.prng = createPrng(options.seed ?? 1);
  }

  get active(): boolean {
    return (this.options.latencyMs ?? 0) > 0 || (this.options.failRate ?? 0) > 0 || (this.options.resetAfterCommitRate ?? 0) > 0;
  }

  /** Restarts the fault sequence (on POST /_emulator/reset). */
  reset(): void {
    this.prng = createPrng(this.options.seed ?? 1);
  }

  /** Delay before handling a request, in ms (0 when latency is off). */
  delayMs(): number {
    const latency = this.options.latencyMs ?? 0;
    return latency > 0 ? Math.round(latency * (0.75 + 0.5 * this.prng.next())) : 0;
  }

  /** 500 or 503 when this request should fail before anything happens, else undefined. */
  failure(): 500 | 503 | undefined {
    const rate = this.options.failRate ?? 0;
    if (rate <= 0 || this.prng.next() >= rate) return undefined;
    return this.prng.next() < 0.5 ? 500 : 503;
  }

  /** Whether to drop the connection after this committed write. */
  resetAfterCommit(): boolean {
    const rate = this.options.resetAfterCommitRate ?? 0;
    return rate > 0 && this.prng.next() < rate;
  }
}
