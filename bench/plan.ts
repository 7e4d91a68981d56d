import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { createClient } from '../src/api/client.js';
import { createPlan } from '../src/engine/plan.js';
import { exportReferrals } from '../src/engine/export.js';
import { applyPlan } from '../src/engine/apply.js';
import type { Plan } from '../src/core/plan.js';
import { emulatorRequests, resetEmulator, startEmulatorProcess } from './emulator-process.js';

/**
 * Planning cost against an emulator in a separate process: read requests per
 * changed referral and wall time, for 2,000 id-selected changes among 20,000
 * referrals, for 20,000 changes, and from an exported spreadsheet (0 reads).
 * It then applies each plan and reports plan + apply requests per changed
 * referral (issue 5's goal: ≤ 1.12 from a change set, 1.00 from a spreadsheet).
 */
export interface PlanBenchCase {
  name: string;
  referrals: number;
  changes: number;
  readRequests: number;
  readsPerChange: number;
  planSeconds: number;
  readMode: string;
  /** Plan + apply requests (reads and writes) per changed referral; undefined when the apply failed. */
  planPlusApplyPerChange?: number;
}

export interface PlanBenchResult {
  cases: PlanBenchCase[];
}

const TOKEN = { getToken: async () => 'bench' };

/** Editable (not Closed) referral ids, in list order. */
async function editableIds(url: string): Promise<{ ids: string[]; total: number }> {
  const client = createClient({ baseUrl: url, token: TOKEN });
  const ids: string[] = [];
  let total = 0;
  for await (const page of client.listReferrals({ top: 100 })) {
    for (const r of page.value) {
      total++;
      if (r.status !== 'Closed') ids.push(r.id);
    }
  }
  await client.close();
  return { ids, total };
}

async function planCase(
  name: string,
  url: string,
  referrals: number,
  file: string,
  dir: string,
): Promise<PlanBenchCase> {
  await resetEmulator(url);
  const client = createClient({ baseUrl: url, token: TOKEN });
  const planPath = join(dir, `${name.replace(/\W+/g, '-')}.plan.json`);
  const start = performance.now();
  const result = await createPlan({ files: [file], client, baseUrl: url, output: planPath });
  const planSeconds = (performance.now() - start) / 1000;
  await client.close();
  const plan = result.plan as Plan | undefined;
  if (plan === undefined) throw new Error(`${name}: planning failed: ${result.diagnostics.find((d) => d.severity === 'error')?.message}`);
  const changes = plan.entries.length;
  const out: PlanBenchCase = {
    name,
    referrals,
    changes,
    readRequests: result.readRequests,
    readsPerChange: changes === 0 ? 0 : result.readRequests / changes,
    planSeconds,
    readMode: result.readMode,
  };
  {
    const applyClient = createClient({ baseUrl: url, token: TOKEN });
    try {
      await applyPlan(plan, { client: applyClient, planPath });
      out.planPlusApplyPerChange = (await emulatorRequests(url)).total / changes;
    } catch (e) {
      process.stderr.write(`bench: apply failed in ${name}: ${(e as Error).message}\n`);
    } finally {
      await applyClient.close();
    }
  }
  return out;
}

function idCsv(ids: readonly string[], note: string): string {
  return stringify([['id', 'notes'], ...ids.map((id) => [id, note])], { bom: true, record_delimiter: 'windows' });
}

export async function runPlanBench(options: { log?: (line: string) => void } = {}): Promise<PlanBenchResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'refplan-bench-plan-'));
  const cases: PlanBenchCase[] = [];
  const small = await startEmulatorProcess(['--generate', '20000', '--random-seed', '2026']);
  // 20,000 editable referrals need ~31,000 generated (about 35% are Closed, which refuse edits).
  const large = await startEmulatorProcess(['--generate', '31000', '--random-seed', '2026']);
  try {
    const { ids, total } = await editableIds(small.url);
    writeFileSync(join(dir, 'c2000.csv'), idCsv(ids.slice(0, 2000), 'Reviewed in the pipeline call'));
    cases.push(await planCase('2,000 id changes', small.url, total, join(dir, 'c2000.csv'), dir));

    const big = await editableIds(large.url);
    writeFileSync(join(dir, 'c20000.csv'), idCsv(big.ids.slice(0, 20_000), 'Bulk review'));
    cases.push(await planCase('20,000 id changes', large.url, big.total, join(dir, 'c20000.csv'), dir));

    // Spreadsheet round trip: export the editable referrals, edit 2,000 notes cells, plan.
    await resetEmulator(small.url);
    const client = createClient({ baseUrl: small.url, token: TOKEN });
    // In a folder of its own, as a person's export is: the journals of the id-change cases above
    // (applied, then undone by the emulator reset, which a real API never does) would otherwise
    // tell plan that refplan wrote these referrals after the export, and plan would rightly read them.
    const sheetDir = join(dir, 'spreadsheet');
    mkdirSync(sheetDir);
    const exportPath = join(sheetDir, 'export.csv');
    await exportReferrals({ client, baseUrl: small.url, output: exportPath, where: [{ field: 'status', op: 'ne', value: 'Closed' }] });
    await client.close();
    const records = parse(readFileSync(exportPath, 'utf8'), { bom: true }) as string[][];
    const header = records[0] ?? [];
    const notes = header.indexOf('notes');
    for (const row of records.slice(1, 2001)) row[notes] = `Edited in Excel: ${row[0]?.slice(0, 8)}`;
    writeFileSync(exportPath, stringify(records, { bom: true, record_delimiter: 'windows', escape_formulas: true }));
    cases.push(await planCase('exported spreadsheet, 2,000 edits', small.url, total, exportPath, sheetDir));
  } finally {
    await Promise.all([small.stop(), large.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
  log('plan: read requests per changed referral (emulator in a separate process)');
  log('  case                                  referrals  changes  reads  reads/change  mode       seconds  plan+apply req/change');
  for (const c of cases) {
    log(
      `  ${c.name.padEnd(38)}${String(c.referrals).padStart(9)}${String(c.changes).padStart(9)}${String(c.readRequests).padStart(7)}` +
        `${c.readsPerChange.toFixed(3).padStart(14)}  ${c.readMode.padEnd(9)}${c.planSeconds.toFixed(2).padStart(9)}  ` +
        `${c.planPlusApplyPerChange === undefined ? 'n/a (apply failed)' : c.planPlusApplyPerChange.toFixed(3)}`,
    );
  }
  return { cases };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runPlanBench();
}
