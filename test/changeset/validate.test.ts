import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateChangeSets } from '../../src/engine/validate.js';
import { repoRoot } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';

const samples = (name: string) => join('samples', name);

describe('validateChangeSets on the samples', () => {
  it('reads the YAML sample into normalised changes', async () => {
    const r = await validateChangeSets([samples('changes.yaml')], { cwd: repoRoot });
    expect(r.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    const changes = r.changeSet?.changes ?? [];
    expect(changes).toHaveLength(6);
    expect(changes[0]).toMatchObject({ selector: { kind: 'id', id: '49d90c72-3326-4f61-aacc-2cb57970448c' }, set: { dealValue: 12000, currency: 'EUR', notes: 'Renewal confirmed' }, source: { file: 'samples/changes.yaml', line: 4, column: 5 } });
    expect(changes[1]?.set).toEqual({ status: 'Closed', substatus: 'Lost', statusReason: 'Customer chose another vendor' });
    expect(changes[3]?.selector).toEqual({ kind: 'where', tests: [{ field: 'status', op: 'eq', value: 'Active' }, { field: 'closingDateTime', op: 'lt', value: '2026-01-01T00:00:00Z' }] });
    expect(changes[4]?.addTeamMembers).toEqual([{ email: 'jane.doe@contoso.com', firstName: 'Jane', lastName: 'Doe' }]);
    expect(changes[5]?.set).toEqual({ qualification: 'SalesQualified', closingDateTime: '2026-06-30T00:00:00Z', statusReason: null });
    const bytes = readFileSync(join(repoRoot, 'samples', 'changes.yaml'));
    expect(r.changeSet?.inputs).toEqual([{ file: 'samples/changes.yaml', sha256: createHash('sha256').update(bytes).digest('hex') }]);
  });

  it('reads the Dutch Excel CSV (Windows-1252, ;, decimal comma, DD-MM-YYYY) and says what it guessed', async () => {
    const r = await validateChangeSets([samples('changes-dutch-excel.csv')], { cwd: repoRoot });
    expect(r.stats.errors).toBe(0);
    const changes = r.changeSet?.changes ?? [];
    expect(changes.map((c) => c.set.dealValue)).toEqual([12500.5, 80000, 1250.75]);
    expect(changes[0]?.set.notes).toBe('Prijs € 12.500,50 – akkoord “definitief”');
    expect(changes[0]?.set.closingDateTime).toBe('2026-03-31T00:00:00Z');
    expect(changes[1]?.set.notes).toBe('Offerte; fase 2');
    expect(changes[1]?.set.currency).toBe('EUR');
    const guesses = r.diagnostics.filter((d) => d.severity === 'info').map((d) => d.code);
    expect(guesses).toEqual(['guess-encoding', 'guess-delimiter', 'guess-decimal', 'guess-date-format']);
    expect(r.diagnostics[0]?.message).toContain('windows-1252');
  });

  it('reads the comma CSV with a quoted multi-line cell and #CLEAR', async () => {
    const r = await validateChangeSets([samples('changes-comma.csv')], { cwd: repoRoot });
    expect(r.stats.errors).toBe(0);
    const changes = r.changeSet?.changes ?? [];
    expect(changes[1]?.set).toMatchObject({ currency: 'USD', notes: 'Multi-line note:\r\nscope grew', closingDateTime: '2026-09-30T17:00:00Z' });
    expect(changes[2]).toMatchObject({ set: { notes: null }, addTeamMembers: [{ email: 'sam.lee@contoso.com' }], source: { row: 4 } });
  });

  it('validates all samples together but the mistakes one without errors', async () => {
    const r = await validateChangeSets([samples('changes.yaml'), samples('changes-comma.csv'), samples('changes-dutch-excel.csv')], { cwd: repoRoot });
    expect(r.stats).toMatchObject({ files: 3, changes: 12, errors: 0 });
  });
});

describe('validateChangeSets options', () => {
  it('with collect: false returns diagnostics and stats but no changes', async () => {
    const dir = tempTree({ 'a.csv': 'id,notes\n49d90c72-3326-4f61-aacc-2cb57970448c,x\n4111fffc-f9ee-4d53-bba6-569135228642,y\n' });
    const r = await validateChangeSets(['a.csv'], { cwd: dir, collect: false });
    expect(r.changeSet).toBeUndefined();
    expect(r.stats).toMatchObject({ rows: 2, changes: 2, errors: 0 });
  });

  it('drops both changes of a referral changed twice, keeping the others (for plan --skip-invalid)', async () => {
    const dir = tempTree({ 'a.csv': 'id,notes\nA1,x\nB2,y\nA1,z\n' });
    const r = await validateChangeSets(['a.csv'], { cwd: dir });
    expect(r.stats.errors).toBe(1);
    expect(r.changeSet?.changes.map((c) => c.selector)).toEqual([{ kind: 'id', id: 'B2' }]);
  });

  it('keeps the first maxDiagnostics problems and counts the rest', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `id${i},abc`).join('\n');
    const dir = tempTree({ 'a.csv': `id,dealValue\n${rows}\n` });
    const r = await validateChangeSets(['a.csv'], { cwd: dir, maxDiagnostics: 10 });
    expect(r.stats).toMatchObject({ errors: 30, suppressed: 20 });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toHaveLength(10);
  });

  it('reads numbers with --locale and dates with --date-format', async () => {
    const dir = tempTree({ 'a.csv': 'id;dealValue;closingDateTime\nA1;1.234;03/04/2026\n' });
    const r = await validateChangeSets(['a.csv'], { cwd: dir, locale: 'de-DE', dateFormat: 'DD/MM/YYYY' });
    expect(r.changeSet?.changes[0]?.set).toEqual({ dealValue: 1234, closingDateTime: '2026-04-03T00:00:00Z' });
  });

  it('refuses bad option values as usage errors', async () => {
    await expect(validateChangeSets(['x.csv'], { locale: 'not a locale!' })).rejects.toMatchObject({ code: 'usage' });
    await expect(validateChangeSets(['x.csv'], { dateFormat: 'whenever' })).rejects.toMatchObject({ code: 'usage' });
    await expect(validateChangeSets([], {})).rejects.toMatchObject({ code: 'usage' });
  });
});
