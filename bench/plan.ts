import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { createClient } from '../src/api/client.js';
import { createPlan } from '../src/engine/plan.js';
import { exportReferrals } from '../src/engine/export.js';
import type { Plan } from '../src/core/plan.js';

/**
 * Planning cost against an emulator in a separate process: read requests per
 * changed referral and wall time, for 2,000 id-selected changes among 20,000
 * referrals, for 20,000 changes, and from an exported spreadsheet (0 reads).
 * When the apply engine is present, also plan + apply requests per changed
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
  /** Plan + apply requests (reads and writes) per changed referral; undefined when apply is not available. */
  planPlusApplyPerChange?: number;
}

export interface PlanBenchResult {
  cases: PlanBenchCase[];
  applyAvailable: boolean;
}

// dist/bench/plan.js → dist/src/cli/bin.js
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'bin.js');
const TOKEN = { getToken: async () => 'bench' };

async function startChild(count: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, 'emulator', '--port', '0', '--generate', String(count), '--random-seed', '2026'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code} before printing its URL`)));
  });
  const url = /http:\/\/[^\s]+\/v1\.0/.exec(line)?.[0];
  if (url === undefined) throw new Error(`no URL in the emulator's first line: ${line}`);
  return { child, url };
}

async function emulatorCall(url: string, path: string, method = 'GET'): Promise<unknown> {
  const res = await fetch(`${url.replace(/\/v1\.0$/, '')}${path}`, { method, headers: { authorization: 'Bearer bench' } });
  const text = await res.text();
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

const serverRequests = async (url: string) =>
  ((await emulatorCall(url, '/_emulator/stats')) as { requests: { total: number } }).requests.total;
const resetServer = (url: string) => emulatorCall(url, '/_emulator/reset', 'POST');

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

type ApplyFn = (plan: Plan, options: { client: unknown; planPath: string }) => Promise<unknown>;

/** `applyPlan(plan, { client, planPath })` from the apply engine, when it is present (another module's work). */
async function loadApply(): Promise<ApplyFn | undefined> {
  const specifier = '../src/engine/apply.js';
  try {
    const mod = (await import(specifier)) as Record<string, unknown>;
    const fn = mod['applyPlan'];
    return typeof fn === 'function' ? (fn as ApplyFn) : undefined;
  } catch {
    return undefined;
  }
}

async function planCase(
  name: string,
  url: string,
  referrals: number,
  file: string,
  dir: string,
  apply: ApplyFn | undefined,
): Promise<PlanBenchCase> {
  await resetServer(url);
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
  if (apply !== undefined) {
    const applyClient = createClient({ baseUrl: url, token: TOKEN });
    try {
      await apply(plan, { client: applyClient, planPath });
      out.planPlusApplyPerChange = (await serverRequests(url)) / changes;
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
  const apply = await loadApply();
  const cases: PlanBenchCase[] = [];
  const small = await startChild(20_000);
  // 20,000 editable referrals need ~31,000 generated (about 35% are Closed, which refuse edits).
  const large = await startChild(31_000);
  try {
    const { ids, total } = await editableIds(small.url);
    writeFileSync(join(dir, 'c2000.csv'), idCsv(ids.slice(0, 2000), 'Reviewed in the pipeline call'));
    cases.push(await planCase('2,000 id changes', small.url, total, join(dir, 'c2000.csv'), dir, apply));

    const big = await editableIds(large.url);
    writeFileSync(join(dir, 'c20000.csv'), idCsv(big.ids.slice(0, 20_000), 'Bulk review'));
    cases.push(await planCase('20,000 id changes', large.url, big.total, join(dir, 'c20000.csv'), dir, apply));

    // Spreadsheet round trip: export the editable referrals, edit 2,000 notes cells, plan.
    await resetServer(small.url);
    const client = createClient({ baseUrl: small.url, token: TOKEN });
    const exportPath = join(dir, 'export.csv');
    await exportReferrals({ client, baseUrl: small.url, output: exportPath, where: [{ field: 'status', op: 'ne', value: 'Closed' }] });
    await client.close();
    const records = parse(readFileSync(exportPath, 'utf8'), { bom: true }) as string[][];
    const header = records[0] ?? [];
    const notes = header.indexOf('notes');
    for (const row of records.slice(1, 2001)) row[notes] = `Edited in Excel: ${row[0]?.slice(0, 8)}`;
    writeFileSync(exportPath, stringify(records, { bom: true, record_delimiter: 'windows', escape_formulas: true }));
    cases.push(await planCase('exported spreadsheet, 2,000 edits', small.url, total, exportPath, dir, apply));
  } finally {
    small.child.kill('SIGTERM');
    large.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  log('plan: read requests per changed referral (emulator in a separate process)');
  log('  case                                  referrals  changes  reads  reads/change  mode       seconds  plan+apply req/change');
  for (const c of cases) {
    log(
      `  ${c.name.padEnd(38)}${String(c.referrals).padStart(9)}${String(c.changes).padStart(9)}${String(c.readRequests).padStart(7)}` +
        `${c.readsPerChange.toFixed(3).padStart(14)}  ${c.readMode.padEnd(9)}${c.planSeconds.toFixed(2).padStart(9)}  ` +
        `${c.planPlusApplyPerChange === undefined ? 'n/a (apply engine not present)' : c.planPlusApplyPerChange.toFixed(3)}`,
    );
  }
  return { cases, applyAvailable: apply !== undefined };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runPlanBench();
}
