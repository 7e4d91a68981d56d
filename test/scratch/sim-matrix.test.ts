import { it } from 'vitest';
import { parseRateSchedule } from '../../src/emulator/rate-limit.js';
import { simulateRun, type SimOptions } from '../helpers/throttle-sim.js';

const SHAPES: [string, SimOptions['server'], Partial<SimOptions>?][] = [
  ['bucket b100', { rate: 100, burst: 100 }],
  ['bucket b10 ', { rate: 100, burst: 10 }],
  ['bucket b1 ', { rate: 100, burst: 1 }],
  ['bucket b300', { rate: 100, burst: 300 }],
  ['sliding 1s', { limiter: 'sliding-window', rate: 100, windowSeconds: 1 }],
  ['fixed 6s', { limiter: 'fixed-window', rate: 100, windowSeconds: 6 }],
  ['writes 50 b5', { writeRate: 50, burst: 5 }],
  ['halves', { schedule: parseRateSchedule('0:100,10:50'), burst: 10 }],
  ['latency 50', { rate: 100, burst: 10 }, { latencyMs: 50 }],
  ['no RA', { rate: 100, burst: 10, retryAfter: 'none' }],
];
const modes = (process.env.MODES ?? 'unknown,high').split(',');
it('matrix', async () => {
  const lines: string[] = [];
  let pass = 0, total = 0;
  for (const [name, server, extra] of SHAPES) {
    if (process.env.ONLY && !name.includes(process.env.ONLY)) continue;
    const cells: string[] = [];
    for (const mode of modes) {
      for (const seed of [7, 11]) {
        const limit = server.writeRate ?? server.rate ?? 100;
        const rate = mode === 'equal' ? limit : mode === 'high' ? limit * 5 : undefined;
        const r = await simulateRun({ server: mode === 'headers' ? { ...server, headers: 'ietf' } : server, requests: 2000, seed, startDelayMs: 500, timerLateMs: Number(process.env.LATE ?? 1.2), oneWayMs: Number(process.env.ONEWAY ?? 0.3), ...(rate ? { rate } : {}), ...extra });
        const ok = r.achieved >= (mode === 'equal' || mode === 'headers' ? 0.97 : 0.92);
        total++; if (ok) pass++;
        cells.push(`${mode[0]}${seed}:${r.achieved.toFixed(3)}/${r.throttled}${ok ? '' : '✗'}`);
      }
    }
    lines.push(`${name.padEnd(14)} ${cells.join('  ')}`);
  }
  console.log(lines.join('\n') + `\n${pass}/${total}`);
}, 120_000);
