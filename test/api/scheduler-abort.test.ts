import { describe, expect, it } from 'vitest';
import { NotSentError } from '../../src/api/errors.js';
import { RequestScheduler } from '../../src/api/scheduler.js';

/** Ctrl+C: a request still waiting for its turn is not sent, and leaves the queue at once. */
describe('scheduler: acquire with an abort signal', () => {
  const realClock = { now: () => 0, sleep: () => Promise.resolve() };

  it('rejects a waiter for a concurrency slot with NotSentError, and never hands it a slot', async () => {
    const s = new RequestScheduler({ concurrency: 1, ...realClock });
    const first = await s.acquire();
    const abort = new AbortController();
    const waiting = s.acquire('write', abort.signal);
    const after = s.acquire(); // queued behind the one that will be aborted
    abort.abort();
    await expect(waiting).rejects.toBeInstanceOf(NotSentError);
    first.release();
    // The slot goes to the next waiter, not to the aborted one (which would hold it for ever).
    const next = await after;
    next.release();
    expect(s.snapshot().concurrency).toBeGreaterThanOrEqual(1);
  });

  it('rejects at once when already aborted, and while waiting for a rate token', async () => {
    const done = new AbortController();
    done.abort();
    // A clock that never moves and sleeps that never end: only the abort can end a wait.
    const s = new RequestScheduler({ concurrency: 4, rate: 0.5, now: () => 0, sleep: () => new Promise<void>(() => undefined) });
    await expect(s.acquire('write', done.signal)).rejects.toBeInstanceOf(NotSentError);
    (await s.acquire()).release(); // the one token of the burst
    const abort = new AbortController();
    const waiting = s.acquire('write', abort.signal); // waits for the next token: for ever, on this clock
    abort.abort();
    await expect(waiting).rejects.toBeInstanceOf(NotSentError);
  });
});
