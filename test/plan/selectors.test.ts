import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { matchesWhere, toODataFilter } from '../../src/core/where-filter.js';
import type { Referral } from '../../src/core/referral.js';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { readSheet } from '../helpers/csv-edit.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

// Selectors people reach for: contains / startswith, "did you mean" for a bare field, dealValue across currencies.
const suite = emulatorForSuite({ generate: 50, randomSeed: 41 }, 'selectors-token');
const country = (r: Referral) => (r.customerProfile as { address?: { country?: string } }).address?.country ?? '';

describe('contains and startswith', () => {
  it('are pushed into $filter on code fields and checked locally elsewhere, with the same case-insensitive answer', () => {
    const tests = [
      { field: 'customerProfile/address/country', op: 'startswith' as const, value: 'd' },
      { field: 'name', op: 'contains' as const, value: 'Contoso' },
    ];
    const { pushed, local } = toODataFilter(tests);
    expect(pushed).toBe("startswith(customerProfile/address/country,'d')");
    expect(local).toEqual([tests[1]]);
    const r = { id: 'x', name: 'The CONTOSO deal', customerProfile: { address: { country: 'DE' } } } as unknown as Referral;
    expect(matchesWhere(r, tests)).toBe(true);
    expect(matchesWhere(r, [{ field: 'name', op: 'startswith', value: 'contoso' }])).toBe(false);
  });

  it('--where name~TEXT and FIELD^=TEXT select through the built CLI (export), the emulator evaluating startswith()', async () => {
    const dir = tempTree();
    const word = (suite.emu.store.all()[0]!.name ?? '').split(' ')[0]!.toLowerCase();
    const run = await runCli(['export', '--where', `name~${word}`, '--where', 'customerProfile/address/country^=u', '-o', 'x.csv'], { cwd: dir, env: suite.env });
    expect(run.code, run.stderr).toBe(0);
    const want = suite.emu.store
      .all()
      .filter((r) => (r.name ?? '').toLowerCase().includes(word) && country(r).toLowerCase().startsWith('u'))
      .map((r) => r.id);
    expect(want.length).toBeGreaterThan(0);
    expect(readSheet(join(dir, 'x.csv')).rows.map((r) => r['id'])).toEqual(want);
  });

  it('a YAML where takes contains (a part of a status is not refused as an unknown status)', async () => {
    const dir = tempTree({ 'c.yaml': 'changes:\n  - where: { substatus: { startswith: Pend }, name: { contains: "a" } }\n    set: { notes: "pending review" }\n    allowNone: true\n' });
    const run = await runCli(['plan', 'c.yaml', '--json'], { cwd: dir, env: suite.env });
    expect(run.code, run.stderr).toBe(0);
    const ids = (JSON.parse(run.stdout) as { entries: { referralId: string }[] }).entries.map((e) => e.referralId).sort();
    const want = suite.emu.store.all().filter((r) => r.substatus === 'Pending' && (r.name ?? '').toLowerCase().includes('a') && r.details?.notes !== 'pending review').map((r) => r.id).sort();
    expect(ids).toEqual(want);
  });
});

describe('selector mistakes are explained', () => {
  it('a bare field name gets "did you mean" the path (not a list of 60 paths)', async () => {
    const run = await runCli(['export', '--where', 'country=DE', '-o', 'x.csv'], { cwd: tempTree(), env: suite.env });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('fix: did you mean "customerProfile/address/country"?');
    expect(run.stderr.length).toBeLessThan(600);
  });

  it('a dealValue comparison without a currency is refused when the matched referrals hold several currencies, with the fix', async () => {
    const dir = tempTree({
      'big.yaml': 'changes:\n  - where: { dealValue: { gt: 1000 } }\n    set: { qualification: SalesQualified }\n',
    });
    const run = await runCli(['plan', 'big.yaml'], { cwd: dir, env: suite.env });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/big\.yaml:2:5: error: the selector compares dealValue across currencies: the \d+ referrals it matches hold [A-Z]{3}, [A-Z]{3}/);
    expect(run.stderr).toMatch(/fix: add a currency condition to the where, e\.g\. currency: [A-Z]{3}/);
    const exported = await runCli(['export', '--where', 'dealValue>1000', '-o', 'x.csv'], { cwd: dir, env: suite.env });
    expect(exported.code).toBe(3);
    expect(exported.stderr).toMatch(/hint: add --where currency=[A-Z]{3}/);
    const currency = suite.emu.store.all()[0]!.details!.currency!;
    const fixed = await runCli(['export', '--where', 'dealValue>1000', '--where', `currency=${currency}`, '-o', 'y.csv'], { cwd: dir, env: suite.env });
    expect(fixed.code, fixed.stderr).toBe(0);
  });
});
