import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/api/client.js';
import { createStaticTokenProvider } from '../../src/api/token.js';
import { DiskFullError } from '../../src/core/errors.js';
import { ExitCode } from '../../src/core/exit-codes.js';
import type { Plan } from '../../src/core/plan.js';

import { applyPlan } from '../../src/engine/apply.js';
import { JournalWriter, replayJournal } from '../../src/files/journal.js';
import { readPlan, writePlan } from '../../src/files/plan-file.js';
import { tempTree } from '../helpers/temp-dir.js';
import { FaultyFileLayer, type Errno, type FileKind } from '../helpers/faulty-file-layer.js';
import { at, buildEntries, planBody, writeTestPlan } from './build-plan.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

/**
 * A full disk at every kind of write apply makes (a journal intent, a journal outcome, the
 * journal's first sync, the rollback file, the results file), through an injected file layer
 * that fills the disk with a short write and fails every write after it. Each case checks the
 * promises: nothing is sent whose intent is not in the journal, the run stops with exit 6 and
 * says how far it got, no temp file or torn line is left, and once space is freed the same
 * command finishes exactly (one commit per entry) with a rollback file covering every entry.
 */
const ENTRIES = 12;

const suite = emulatorForSuite({ generate: 260, randomSeed: 21, latencyMs: 1 });

const client = () => createClient({ baseUrl: suite.emu.url, token: createStaticTokenProvider('t'), concurrency: 1 });

let offset = 0;
async function freshPlan(dir: string, tag: string): Promise<{ plan: Plan; path: string }> {
  const all = suite.emu.store.all().filter((r) => r.status === 'New' || r.status === 'Active');
  const slice = all.slice(offset, offset + ENTRIES);
  offset += ENTRIES;
  const path = join(dir, 'p.json');
  return { plan: await writeTestPlan(path, slice, suite.emu.url, { count: ENTRIES, closeEvery: 5, tag }), path };
}

function intentIds(journal: string): Set<string> {
  const ids = new Set<string>();
  const text = readFileSync(journal, 'utf8');
  for (const line of text.slice(0, text.lastIndexOf('\n') + 1).split('\n')) {
    if (line === '') continue;
    const rec = JSON.parse(line) as { event: string; referralId?: string };
    if (rec.event === 'intent' && rec.referralId !== undefined) ids.add(rec.referralId);
  }
  return ids;
}

const commits = (id: string) => suite.emu.stats().commits.byId[id] ?? 0;

// With one entry at a time the journal is: write 1 the header, then per entry an intent and an outcome.
const cases: { name: string; fillAt?: { kind: FileKind; write: number }; errno?: Errno; fsyncErrno?: { kind: FileKind; errno: Errno }; message: RegExp; inFlight?: boolean }[] = [
  { name: 'the intent of the 5th entry', fillAt: { kind: 'journal', write: 10 }, message: /^disk full: 4 of 12 entries settled; free space and run the same command again$/ },
  { name: 'the outcome of the 5th entry', fillAt: { kind: 'journal', write: 11 }, message: /^disk full: 4 of 12 entries settled; free space and run the same command again$/, inFlight: true },
  { name: 'the journal header', fillAt: { kind: 'journal', write: 1 }, message: /^disk full: 0 of 12 entries settled/ },
  { name: 'the first journal sync (EIO)', fsyncErrno: { kind: 'journal', errno: 'EIO' }, message: /^disk error \(EIO\): 0 of 12 entries settled; check the disk and run the same command again$/ },
  { name: 'an intent, over quota (EDQUOT)', fillAt: { kind: 'journal', write: 6 }, errno: 'EDQUOT', message: /^disk quota exceeded: 2 of 12 entries settled; free space/ },
  { name: 'the rollback file', fillAt: { kind: 'rollback', write: 1 }, message: /^disk full: 12 of 12 entries settled/ },
  { name: 'the results file', fillAt: { kind: 'results', write: 1 }, message: /^disk full: 12 of 12 entries settled/ },
];

describe('apply on a disk that fills up', () => {
  it.each(cases)('ENOSPC at $name: stops with exit 6, sends nothing unjournalled, and the same command finishes exactly once space is freed', async (c) => {
    const dir = tempTree();
    const { plan, path } = await freshPlan(dir, c.name.replace(/\W+/g, '-'));
    const files = new FaultyFileLayer({ ...(c.fillAt === undefined ? {} : { fillAt: c.fillAt }), ...(c.errno === undefined ? {} : { errno: c.errno }), ...(c.fsyncErrno === undefined ? {} : { fsyncErrno: c.fsyncErrno }) });
    const cl = client();
    let error: unknown;
    try {
      await applyPlan(plan, { client: cl, planPath: path, files, concurrency: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DiskFullError);
    expect((error as DiskFullError).exitCode).toBe(ExitCode.diskFull);
    expect((error as DiskFullError).message).toMatch(c.message);
    expect((error as DiskFullError).hint).toMatch(/run(ning)? the same command again/i);
    if (c.inFlight === true) expect((error as DiskFullError).hint).toMatch(/1 write was sent without a recorded outcome/);

    // Nothing went out without its intent on disk first; nothing half-written is left behind.
    const journal = join(dir, 'p.journal.jsonl');
    const intents = intentIds(journal);
    for (const e of plan.entries) if (commits(e.referralId) > 0) expect(intents.has(e.referralId), e.referralId).toBe(true);
    const text = readFileSync(journal, 'utf8');
    expect(text === '' || text.endsWith('\n'), 'the torn line was cut off').toBe(true);
    expect(replayJournal(journal, plan.checksum).warnings).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // Space is freed: the same command resumes exactly.
    files.free();
    const summary = await applyPlan(plan, { client: cl, planPath: path, files });
    await cl.close();
    expect(summary.exitCode).toBe(0);
    expect(summary.counts.applied + summary.counts.unchanged).toBe(ENTRIES);
    for (const e of plan.entries) {
      expect(commits(e.referralId), e.referralId).toBe(1);
      for (const [p, v] of Object.entries(e.after)) expect(at(suite.emu.store.get(e.referralId)!, p)).toEqual(v);
    }
    const rollback = await readPlan(summary.files.rollback);
    expect(rollback.entries.length + (rollback.notRestorable ?? []).length).toBe(ENTRIES);
    for (const r of rollback.entries) expect(r.eTag).toBe(suite.emu.store.get(r.referralId)!.eTag);
    expect(readFileSync(summary.files.results, 'utf8').split('\r\n').length).toBe(ENTRIES + 2);
  });

  it('survives short writes everywhere (every write call takes at most 5 bytes)', async () => {
    const dir = tempTree();
    const { plan, path } = await freshPlan(dir, 'short');
    const files = new FaultyFileLayer({ maxChunk: 5 });
    const cl = client();
    const summary = await applyPlan(plan, { client: cl, planPath: path, files, concurrency: 4 });
    await cl.close();
    expect(summary.exitCode).toBe(0);
    expect(files.log.filter((l) => l.result.startsWith('short')).length).toBeGreaterThan(100);
    const replay = replayJournal(summary.files.journal, plan.checksum);
    expect(replay.warnings).toEqual([]);
    expect([...replay.entries.values()].every((s) => s.outcome === 'applied')).toBe(true);
    expect((await readPlan(summary.files.rollback)).entries.length).toBeGreaterThan(0);
  });
});

describe('the journal on a full disk', () => {
  it('refuses every append after a failed write, even once space returns, and its fragment never has a line glued on', async () => {
    const dir = tempTree();
    const path = join(dir, 'p.journal.jsonl');
    const sum = 'c'.repeat(64);
    // Write 1 is the header, 2 the first record; write 3 fills the disk half-way through a line,
    // and the fragment cannot be cut off at once (the disk refuses that too).
    const files = new FaultyFileLayer({ fillAt: { kind: 'journal', write: 3 } });
    files.truncateFails = true;
    const j = await JournalWriter.open(path, sum, 'plan', replayJournal(path, sum), undefined, files);
    await j.append({ referralId: 'r1', event: 'intent', eTag: '"1"' });
    await expect(j.append({ referralId: 'r1', event: 'outcome', outcome: 'applied', eTag: '"2"' })).rejects.toBeInstanceOf(DiskFullError);
    files.free();
    files.truncateFails = false;
    await expect(j.append({ referralId: 'r2', event: 'intent', eTag: '"3"' })).rejects.toThrow(/disk full/);
    await j.close();
    expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(false);

    // The next run: the torn line is dropped with a warning, its entry is in flight (settled by
    // reading), and the writer cuts the fragment off before appending.
    const replay = replayJournal(path, sum);
    expect(replay.warnings).toEqual([expect.stringMatching(/p\.journal\.jsonl:3: ignoring an incomplete last line/)]);
    expect(replay.entries.get('r1')).toMatchObject({ inFlight: true, intentETag: '"1"' });
    const again = await JournalWriter.open(path, sum, 'plan', replay);
    await again.append({ referralId: 'r1', event: 'outcome', outcome: 'applied', eTag: '"2"' });
    await again.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([0, 1, 2]);
    expect(replayJournal(path, sum).entries.get('r1')).toMatchObject({ outcome: 'applied', inFlight: false });
  });

  it('treats a last line without its newline as torn even when it parses', () => {
    const sum = 'd'.repeat(64);
    const header = JSON.stringify({ seq: 0, t: 'x', event: 'header', format: 'refplan.journal/1', planChecksum: sum, planKind: 'plan' });
    const intent = JSON.stringify({ seq: 1, t: 'x', planChecksum: sum, referralId: 'r1', event: 'intent', eTag: '"1"' });
    const outcome = JSON.stringify({ seq: 2, t: 'x', planChecksum: sum, referralId: 'r1', event: 'outcome', outcome: 'applied', eTag: '"2"' });
    const dir = tempTree({ 'p.journal.jsonl': `${header}\n${intent}\n${outcome}` });
    const replay = replayJournal(join(dir, 'p.journal.jsonl'), sum);
    expect(replay.entries.get('r1')).toMatchObject({ inFlight: true });
    expect(replay.warnings).toHaveLength(1);
  });
});

describe('writing a plan on a full disk', () => {
  it('is a DiskFullError (exit 6) that leaves the old plan as it was and no temp file', async () => {
    const dir = tempTree();
    const path = join(dir, 'changes.plan.json');
    const entries = buildEntries(suite.emu.store.all().slice(250), { count: 3, tag: 'plan-write' });
    await writePlan(path, planBody(entries, suite.emu.url));
    const before = readFileSync(path, 'utf8');
    const files = new FaultyFileLayer({ fillAt: { kind: 'plan', write: 1 } });
    const error = await writePlan(path, planBody(entries.slice(1), suite.emu.url), { files }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiskFullError);
    expect((error as DiskFullError).exitCode).toBe(6);
    expect((error as Error).message).toBe(`cannot write plan file ${path}: disk full (ENOSPC)`);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['changes.plan.json']);
  });
});
