import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlanIntegrityError } from '../../src/core/errors.js';
import { journalPathFor, JournalWriter, replayJournal } from '../../src/files/journal.js';
import { tempTree } from '../helpers/temp-dir.js';

const SUM = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

async function writeSome(path: string): Promise<void> {
  const j = await JournalWriter.open(path, SUM, 'plan', replayJournal(path, SUM));
  await Promise.all([
    j.append({ referralId: 'r1', event: 'intent', eTag: '"e1"' }),
    j.append({ referralId: 'r2', event: 'intent', eTag: '"e2"' }),
  ]);
  await j.append({ referralId: 'r1', event: 'outcome', outcome: 'applied', eTag: '"e1b"' });
  await j.close();
}

describe('journal', () => {
  it('names files after the plan', () => {
    expect(journalPathFor('/x/changes.plan.json')).toBe('/x/changes.plan.journal.jsonl');
  });

  it('writes a header and records, 0600, and replays them', async () => {
    const dir = tempTree();
    const path = join(dir, 'p.journal.jsonl');
    await writeSome(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ event: 'header', planChecksum: SUM, seq: 0 });
    expect(lines.slice(1).every((l) => l['planChecksum'] === SUM)).toBe(true);
    expect(lines.map((l) => l['seq'])).toEqual([0, 1, 2, 3]);
    const replay = replayJournal(path, SUM);
    expect(replay.existed).toBe(true);
    expect(replay.entries.get('r1')).toMatchObject({ outcome: 'applied', eTag: '"e1b"', inFlight: false });
    expect(replay.entries.get('r2')).toMatchObject({ inFlight: true, intentETag: '"e2"' });
    expect(replay.warnings).toEqual([]);
  });

  it('continues the sequence when reopened', async () => {
    const dir = tempTree();
    const path = join(dir, 'p.journal.jsonl');
    await writeSome(path);
    const j = await JournalWriter.open(path, SUM, 'plan', replayJournal(path, SUM));
    await j.append({ referralId: 'r2', event: 'outcome', outcome: 'conflict', message: 'changed' });
    await j.close();
    const replay = replayJournal(path, SUM);
    expect(replay.lastSeq).toBe(4);
    expect(replay.entries.get('r2')).toMatchObject({ outcome: 'conflict', inFlight: false });
    expect(readFileSync(path, 'utf8').split('\n').filter((l) => l.includes('"header"'))).toHaveLength(1);
  });

  it('ignores a torn last line with a warning, and appends after it cleanly', async () => {
    const dir = tempTree();
    const path = join(dir, 'p.journal.jsonl');
    await writeSome(path);
    appendFileSync(path, '{"seq":4,"t":"2026-01-01T00:00:00Z","planChecksum":"aaa');
    const replay = replayJournal(path, SUM);
    expect(replay.warnings).toHaveLength(1);
    expect(replay.warnings[0]).toMatch(/p\.journal\.jsonl:5: ignoring an incomplete last line/);
    expect(replay.entries.get('r2')?.inFlight).toBe(true);
    const j = await JournalWriter.open(path, SUM, 'plan', replay);
    await j.append({ referralId: 'r2', event: 'outcome', outcome: 'applied', eTag: '"x"' });
    await j.close();
    // The torn tail was cut off, so the journal reads back cleanly afterwards.
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('"planChecksum":"aaa\n');
    expect(text.split('\n').filter((l) => l !== '').every((l) => l.endsWith('}'))).toBe(true);
    const again = replayJournal(path, SUM);
    expect(again.warnings).toEqual([]);
    expect(again.entries.get('r2')).toMatchObject({ outcome: 'applied', eTag: '"x"', inFlight: false });
  });

  it('refuses a damaged line that is not the last one', async () => {
    const dir = tempTree();
    const path = join(dir, 'p.journal.jsonl');
    await writeSome(path);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[2] = '{not json';
    writeFileSync(path, lines.join('\n'));
    expect(() => replayJournal(path, SUM)).toThrow(/p\.journal\.jsonl:3: the journal is damaged/);
  });

  it('refuses a journal whose header names another plan', async () => {
    const dir = tempTree();
    const path = join(dir, 'p.journal.jsonl');
    await writeSome(path);
    let error: unknown;
    try {
      replayJournal(path, OTHER);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlanIntegrityError);
    expect((error as Error).message).toMatch(/is the journal of another plan/);
    expect((error as PlanIntegrityError).hint).toMatch(/move it away/);
  });

  it('refuses a file that is not a journal', () => {
    const dir = tempTree({ 'p.journal.jsonl': '{"hello":1}\n' });
    expect(() => replayJournal(join(dir, 'p.journal.jsonl'), SUM)).toThrow(/not a refplan journal/);
  });

  it('treats a missing or empty journal as a fresh run', () => {
    const dir = tempTree({ 'empty.jsonl': '' });
    expect(replayJournal(join(dir, 'none.jsonl'), SUM).existed).toBe(false);
    expect(replayJournal(join(dir, 'empty.jsonl'), SUM).entries.size).toBe(0);
  });
});
