import { describe, expect, it } from 'vitest';
import type { ClientEvent } from '../../src/api/types.js';
import { RequestScheduler } from '../../src/api/scheduler.js';

describe('the scheduler after a pause', () => {
  it('starts no timer of its own, so a finished run can exit; the next request reports the resume', async () => {
    let t = 0;
    const sleeps: number[] = [];
    const events: ClientEvent['type'][] = [];
    const scheduler = new RequestScheduler({
      now: () => t,
      sleep: async (ms) => {
        sleeps.push(ms);
        t += ms;
      },
      onEvent: (e) => events.push(e.type),
    });
    const ticket = await scheduler.acquire();
    scheduler.onThrottled(ticket, 57_000, 1_000);
    ticket.release();
    expect(events).toContain('paused');
    // Nothing waits on the pause: no sleep was started (a timer would hold the process for 57 s).
    expect(sleeps).toEqual([]);
    expect(scheduler.snapshot().pausedMs).toBe(0);

    const next = await scheduler.acquire();
    expect(sleeps[0]).toBe(57_000);
    expect(events.filter((e) => e === 'resumed')).toHaveLength(1);
    expect(scheduler.snapshot().pausedMs).toBe(57_000);
    next.release();
  });
});
