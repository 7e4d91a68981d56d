/**
 * At most `count` sends in any `ms` milliseconds, counted over this client's own send times
 * (pure: times are passed in).
 *
 * Why, on top of an even pace: the pacer makes up for a late timer by sending the next request
 * sooner (see rate-limit.ts), so the sends of a window can come out one more than the pace
 * allows. Against a server that counts a sliding window that one is what matters: measured at
 * the bench's proxy (100 in any 1 s), a run paced at 98.5/s had 99 of its sends in some second,
 * and the proxy, which a stall of its own had made see one more, counted 100 in one: one short
 * of a 429. A count of the client's own sends in the last window holds whatever the timers do.
 */
export interface SendQuota {
  count: number;
  ms: number;
}

export class SendCount {
  /** Send times, oldest first: at least the last `count` of them. */
  private times: number[] = [];
  private quota: SendQuota | undefined;
  /** Sends before this time do not count. */
  private from = -Infinity;

  /** Replaces the quota (undefined, or one of less than a send: no count is kept). */
  setQuota(quota: SendQuota | undefined): void {
    this.quota = quota !== undefined && quota.count >= 1 && quota.ms > 0 ? { count: Math.floor(quota.count), ms: quota.ms } : undefined;
  }

  /** From `t` on, only sends at or after `t` count (the quota starts afresh). */
  countFrom(t: number): void {
    this.from = t;
  }

  /** Milliseconds until one more send at `t` keeps the quota (0: it may go now). */
  waitTime(t: number): number {
    const q = this.quota;
    if (q === undefined || this.times.length < q.count) return 0;
    // The send `count` back must have left the window before one more may go.
    const oldest = this.times[this.times.length - q.count] as number;
    return oldest < this.from ? 0 : Math.max(0, oldest + q.ms - t);
  }

  /**
   * A request went at `t`. Recorded with or without a quota: a window read later counts the
   * sends made before it was read.
   */
  record(t: number): void {
    this.times.push(t);
    // Trimmed in blocks: a shift per send would make each send cost the whole array. What is
    // kept covers any count up to KEEP (a window of more is held a little loosely at first).
    const keep = Math.max(this.quota?.count ?? 0, KEEP);
    if (this.times.length > 2 * keep) this.times = this.times.slice(this.times.length - keep);
  }
}

const KEEP = 1024;
