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
import { startEmulatorProcess } from './emulator-process.js';

/**
 * Apply against an emulator in a separate process: the speed-up over the plain sequential legacy
 * loop (GET then PUT per referral) at 50 ms server latency. (Throughput under throttling is the
 * rate-control matrix: bench/rate-matrix.ts.) Figures, not assertions: `npm run bench` prints them.
 */
export interface ApplyBenchResult {
  legacy: { latencyMs: number; referrals: number; legacySeconds: number; refplanSeconds: number; speedUp: number };
}

export interface ApplyBenchOptions {
  legacyReferrals?: number;
  log?: (line: string) => void;
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
  const legacy = await legacyCase(options.legacyReferrals ?? 100, log);
  return { legacy };
}

// Runnable alone: node dist/bench/apply.js
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runApplyBench();
  console.log(JSON.stringify(result, null, 2));
}
