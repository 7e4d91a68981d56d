import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { createClient } from '../src/api/client.js';
import { createStaticTokenProvider } from '../src/api/token.js';
import type { Referral } from '../src/core/referral.js';
import { applyPlan } from '../src/engine/apply.js';
import { writePlan } from '../src/files/plan-file.js';
import { benchPlanBody, readAll, TOKEN } from './apply-plan.js';
import { emulatorRequests, startEmulatorProcess } from './emulator-process.js';

/**
 * Apply throughput against an emulator in a separate process:
 *  (a) the server limits to R req/s and refplan is not told: it must find the
 *      limit from the 429s (goal: ≥ 0.92 of R over ~20 s, 429s < 1%);
 *  (b) refplan is given --rate R (goal: ≥ 0.97 of R, 429s < 0.1%);
 *  (c) speed-up over the plain sequential legacy loop (GET then PUT per
 *      referral) at 50 ms server latency.
 * Figures, not assertions: `npm run bench` prints them.
 */
export interface ApplyRateFigures {
  serverRate: number;
  entries: number;
  seconds: number;
  /** Accepted (non-429) requests per second divided by the server's limit. */
  rateFraction: number;
  /** 429 responses as a share of all requests. */
  throttledShare: number;
  requests: number;
  applied: number;
}

export interface ApplyBenchResult {
  unknownRate: ApplyRateFigures;
  givenRate: ApplyRateFigures;
  legacy: { latencyMs: number; referrals: number; legacySeconds: number; refplanSeconds: number; speedUp: number };
}

export interface ApplyBenchOptions {
  serverRate?: number;
  seconds?: number;
  legacyReferrals?: number;
  log?: (line: string) => void;
}

async function rateCase(serverRate: number, seconds: number, tellRate: boolean, log: (l: string) => void): Promise<ApplyRateFigures> {
  const entries = Math.round(serverRate * seconds);
  // About 65% of generated referrals are editable (New or Active).
  const emulator = await startEmulatorProcess(['--generate', String(Math.ceil(entries / 0.6) + 50), '--rate', String(serverRate), '--random-seed', '4']);
  const url = emulator.url;
  const dir = mkdtempSync(join(tmpdir(), 'refplan-bench-apply-'));
  try {
    const referrals = await readAll(url);
    const planPath = join(dir, 'bench.plan.json');
    const plan = await writePlan(planPath, benchPlanBody(referrals, entries, url));
    // Let the server's token bucket refill after the reads.
    await new Promise((r) => setTimeout(r, 1500));
    const before = await emulatorRequests(url);
    const client = createClient({ baseUrl: url, token: createStaticTokenProvider(TOKEN), ...(tellRate ? { rate: serverRate } : {}) });
    const started = Date.now();
    const summary = await applyPlan(plan, { client, planPath });
    const elapsed = (Date.now() - started) / 1000;
    await client.close();
    const after = await emulatorRequests(url);
    const total = after.total - before.total;
    const throttled = (after.byStatus['429'] ?? 0) - (before.byStatus['429'] ?? 0);
    const figures: ApplyRateFigures = {
      serverRate,
      entries: plan.entries.length,
      seconds: round(elapsed, 2),
      rateFraction: round((total - throttled) / elapsed / serverRate, 3),
      throttledShare: round(throttled / Math.max(1, total), 4),
      requests: total,
      applied: summary.counts.applied,
    };
    log(`apply ${tellRate ? `--rate ${serverRate}` : 'rate unknown'}: ${figures.entries} entries in ${figures.seconds}s; ${figures.rateFraction} of the server limit ${serverRate}/s; 429 share ${(figures.throttledShare * 100).toFixed(2)}%`);
    return figures;
  } finally {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function legacyCase(count: number, log: (l: string) => void): Promise<ApplyBenchResult['legacy']> {
  const latencyMs = 50;
  const emulator = await startEmulatorProcess(['--generate', String(Math.ceil((count * 2) / 0.6)), '--latency', String(latencyMs), '--random-seed', '5']);
  const url = emulator.url;
  const dir = mkdtempSync(join(tmpdir(), 'refplan-bench-legacy-'));
  try {
    const referrals = (await readAll(url)).filter((r) => r.status === 'New' || r.status === 'Active');
    // Legacy: one referral at a time, GET the whole document, change it, PUT it back.
    const agent = new Agent({ connections: 1 });
    const legacyIds = referrals.slice(0, count).map((r) => r.id);
    const t0 = Date.now();
    for (const [i, id] of legacyIds.entries()) {
      const res = await request(`${url}/engagements/referrals/${id}`, { dispatcher: agent, headers: { authorization: `Bearer ${TOKEN}` } });
      const doc = (await res.body.json()) as Referral;
      const { links: _links, ...body } = doc;
      body.details = { ...(body.details ?? {}), notes: `legacy note ${i}`, dealValue: 7000 + i };
      const put = await request(`${url}/engagements/referrals/${id}`, {
        method: 'PUT',
        dispatcher: agent,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'if-match': doc.eTag ?? '*' },
        body: JSON.stringify(body),
      });
      await put.body.dump();
      if (put.statusCode !== 200) throw new Error(`legacy PUT answered ${put.statusCode}`);
    }
    const legacySeconds = (Date.now() - t0) / 1000;
    await agent.close();

    // refplan: the same number of changes on other referrals, from a saved plan.
    const planPath = join(dir, 'legacy.plan.json');
    const plan = await writePlan(planPath, benchPlanBody(referrals.slice(count), count, url));
    const client = createClient({ baseUrl: url, token: createStaticTokenProvider(TOKEN) });
    const t1 = Date.now();
    await applyPlan(plan, { client, planPath });
    const refplanSeconds = (Date.now() - t1) / 1000;
    await client.close();
    const result = { latencyMs, referrals: count, legacySeconds: round(legacySeconds, 2), refplanSeconds: round(refplanSeconds, 2), speedUp: round(legacySeconds / refplanSeconds, 1) };
    log(`legacy GET+PUT loop at ${latencyMs} ms: ${result.legacySeconds}s for ${count}; refplan apply ${result.refplanSeconds}s: speed-up ${result.speedUp}x`);
    return result;
  } finally {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export async function runApplyBench(options: ApplyBenchOptions = {}): Promise<ApplyBenchResult> {
  const log = options.log ?? ((l: string) => console.log(l));
  const serverRate = options.serverRate ?? 100;
  const seconds = options.seconds ?? 20;
  const unknownRate = await rateCase(serverRate, seconds, false, log);
  const givenRate = await rateCase(serverRate, seconds, true, log);
  const legacy = await legacyCase(options.legacyReferrals ?? 100, log);
  return { unknownRate, givenRate, legacy };
}

// Runnable alone: node dist/bench/apply.js
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runApplyBench();
  console.log(JSON.stringify(result, null, 2));
}
