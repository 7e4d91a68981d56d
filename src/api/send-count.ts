/**
 * At most `count` sends in any `ms` milliseconds, counted over this client's own send times
 * (pure: times are passed in).
 *
 * Why, on top of an even pace: the pacer makes up for a late timer by sending the next request
 * sooner (see rate-limit.ts), so after a stall of a few milliseconds the sends of a second can
 * bunch up past the pace. A server that counts requests in a sliding window, or the user's own
 * `--rate` ("at most N a second"), is then exceeded by a request or two: measured at the bench's
 * proxy, 12 arrivals in the first 100 ms of a window paced at 98.5/s, and a 429 on the 101st.
 * A count of the client's own sends in the last window holds whatever the timers do.
 */
export interface SendQuota {
  count: number;
  ms: number;
}

export class SendCount {
  /** Send times, oldest first, never more than the largest count kept. */
  private times: number[] = [];
  private quotas: SendQuota[] = [];

  /** Replaces the quotas (an empty list: no count is kept). */
  setQuotas(quotas: readonly SendQuota[]): void {
    this.quotas = quotas.filter((q) => q.count >= 1 && q.ms > 0).map((q) => ({ count: Math.floor(q.count), ms: q.ms }));
    const keep = Math.max(0, ...this.quotas.map((q) => q.count));
    if (this.times.length > keep) this.times = this.times.slice(this.times.length - keep);
  }

  get quotasInForce(): readonly SendQuota[] {
    return this.quotas;
  }

  /** Milliseconds until one more send at `t` keeps every quota (0: it may go now). */
  waitTime(t: number): number {
    let wait = 0;
    for (const q of this.quotas) {
      if (this.times.length < q.count) continue;
      // The send `count` back must have left the window before one more may go.
      const oldest = this.times[this.times.length - q.count] as number;
      wait = Math.max(wait, oldest + q.ms - t);
    }
    return Math.max(0, wait);
  }

  /** A request went at `t`. */
  record(t: number): void {
    if (this.quotas.length === 0) return;
    this.times.push(t);
    const keep = Math.max(...this.quotas.map((q) => q.count));
    // Trimmed in blocks: a shift per send would make each send cost the whole array.
    if (this.times.length > 2 * keep + 64) this.times = this.times.slice(this.times.length - keep);
  }
}
