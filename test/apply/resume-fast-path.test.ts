// Issue 14, scale: a resumed apply of a large plan starts sending in seconds because it skips
// what the killed run already did (the plan's schema and checksum pass, when its journal names
// the same bytes) and builds its earlier results without copying. None of that may change what
// a damaged journal does: a damaged line in the middle is refused before anything is sent, a
// torn last line is dropped and its entry settled by reading, never written twice.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/api/client.js';
import { createStaticTokenProvider } from '../../src/api/token.js';
import { PlanIntegrityError } from '../../src/core/errors.js';

import { applyPlan } from '../../src/engine/apply.js';
import type { ApplyEvent } from '../../src/engine/events.js';
import { readPlanToApply } from '../../src/files/read-plan-to-apply.js';
import { verifiedFileSha256 } from '../../src/files/verified-plan.js';
import { tempTree } from '../helpers/temp-dir.js';
import { writeTestPlan } from './build-plan.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

const suite = emulatorForSuite({ generate: 60, randomSeed: 21, latencyMs: 1 });

let offset = 0;
/** Applies a fresh 8-entry plan in full; returns its path and journal. */
async function appliedPlan(): Promise<{ path: string; journal: string; ids: string[] }> {
  const dir = tempTree();
  const slice = suite.emu.store.all().filter((r) => r.status === 'New' || r.status === 'Active').slice(offset, offset + 8);
  offset += 8;
  const path = join(dir, 'p.json');
  await writeTestPlan(path, slice, suite.emu.url, { count: 8, tag: `resume-${offset}` });
  const plan = await readPlanToApply(path);
  const summary = await run(path, plan);
  expect(summary.counts.applied).toBe(8);
  return { path, journal: join(dir, 'p.journal.jsonl'), ids: plan.entries.map((e) => e.referralId) };
}

async function run(path: string, plan: Awaited<ReturnType<typeof readPlanToApply>>, events: ApplyEvent[] = []) {
  const client = createClient({ baseUrl: suite.emu.url, token: createStaticTokenProvider('t'), concurrency: 4 });
  try {
    return await applyPlan(plan, { client, planPath: path, onEvent: (e) => events.push(e) });
  } finally {
    await client.close();
  }
}

/** The journal's lines with the end record taken off: a run killed after its last outcome. */
function killedAfterLastOutcome(journal: string): string[] {
  const lines = readFileSync(journal, 'utf8').split('\n').filter((l) => l !== '');
  expect(JSON.parse(lines.at(-1)!)).toMatchObject({ event: 'end' });
  return lines.slice(0, -1);
}

describe('resuming through the fast path', () => {
  it('takes the fast path: the journal header names the bytes the first run checked', async () => {
    const { path, journal } = await appliedPlan();
    const header = JSON.parse(readFileSync(journal, 'utf8').split('\n')[0]!) as { planFileSha256: string };
    expect(verifiedFileSha256(await readPlanToApply(path))).toBe(header.planFileSha256);
  });

  it('refuses a damaged line in the middle of the journal, naming it, and sends nothing', async () => {
    const { path, journal } = await appliedPlan();
    const lines = killedAfterLastOutcome(journal);
    lines[5] = lines[5]!.slice(0, 40) + '#garbage#' + lines[5]!.slice(40);
    writeFileSync(journal, lines.join('\n') + '\n');
    const before = suite.emu.stats().requests.total;
    const plan = await readPlanToApply(path);
    const refused = await run(path, plan).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(PlanIntegrityError);
    expect((refused as Error).message).toMatch(/p\.journal\.jsonl:6: the journal is damaged: this line is not valid JSON/);
    expect(suite.emu.stats().requests.total).toBe(before);
  });

  it('drops a torn last line and settles its entry by reading: every entry committed exactly once', async () => {
    const { path, journal, ids } = await appliedPlan();
    const lines = killedAfterLastOutcome(journal);
    const last = JSON.parse(lines.at(-1)!) as { referralId: string; event: string };
    expect(last.event).toBe('outcome');
    // The killed run got half of its last outcome out: the entry's intent is its last whole line.
    writeFileSync(journal, lines.slice(0, -1).join('\n') + '\n' + lines.at(-1)!.slice(0, 30));
    const before = suite.emu.stats();
    const events: ApplyEvent[] = [];
    const summary = await run(path, await readPlanToApply(path), events);
    expect(events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message)).toEqual([
      expect.stringMatching(/ignoring an incomplete last line/),
    ]);
    expect(summary.exitCode).toBe(0);
    expect(summary.results.filter((r) => r.earlierRun === true)).toHaveLength(7);
    expect(summary.results.find((r) => r.referralId === last.referralId)).toMatchObject({ outcome: 'applied', message: 'confirmed by reading the referral back' });
    const after = suite.emu.stats();
    expect(after.commits.total).toBe(before.commits.total);
    expect(after.requests.byMethod['PATCH'] ?? 0).toBe(before.requests.byMethod['PATCH'] ?? 0);
    for (const id of ids) expect(after.commits.byId[id]).toBe(1);
  });
});
