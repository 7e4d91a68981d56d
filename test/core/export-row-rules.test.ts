import { describe, expect, it } from 'vitest';
import {
  chooseExportColumns,
  judgeExportRow,
  parseReadOnlyHeader,
  readOnlyHeader,
  sameContextValue,
  CONTEXT_COLUMNS,
} from '../../src/core/changeset/export-row-rules.js';
import { settable } from '../../src/core/changeset/normalise-change.js';
import { loadVocabulary } from '../../src/schema/changeset-vocabulary.js';
import { loadWritablePaths } from '../../src/schema/specs.js';
import type { Referral } from '../../src/core/referral.js';

const fields = settable(loadVocabulary());
const at = (columnName: string) => ({ file: 'r.xlsx', row: 7, columnName });
const column = (name: string) => CONTEXT_COLUMNS.find((c) => c.column === name)!;
const snapshot: Referral = {
  id: 'r1',
  eTag: '"e1"',
  name: 'Deal',
  createdDateTime: '2026-03-01T09:30:00.000Z',
  customerProfile: { name: 'Contoso', address: { country: 'DE', city: 'Berlin' } },
  details: { dealValue: 1200, currency: 'EUR', notes: 'call back' },
  team: [{ email: 'a@b.c' }, { email: 'd@e.f' }],
} as Referral;

describe('export row rules (format-independent)', () => {
  it('every context column is a read-only path of the API', () => {
    const readOnly = loadWritablePaths().readOnly.map((r) => r.path);
    for (const c of CONTEXT_COLUMNS) {
      const covered = readOnly.some((p) => c.path === p || c.path.startsWith(`${p}/`)) || c.kind === 'count';
      expect(covered, c.path).toBe(true);
    }
  });

  it('reads the read-only mark in any spacing and case, and suggests for an unknown marked column', () => {
    expect(parseReadOnlyHeader('customerName (read-only)')).toEqual({ kind: 'context', column: column('customerName') });
    expect(parseReadOnlyHeader(' Country(Read Only) ')).toEqual({ kind: 'context', column: column('country') });
    expect(parseReadOnlyHeader('notes')).toEqual({ kind: 'plain' });
    expect(parseReadOnlyHeader('custmerName (read-only)')).toMatchObject({ kind: 'unknown', suggestion: readOnlyHeader('customerName') });
  });

  it('an empty cell clears a clearable field the export had, is an error for another, and is nothing when the export had none', () => {
    const judged = judgeExportRow(
      snapshot,
      {
        blank: [
          { field: 'notes', at: at('notes') },
          { field: 'dealValue', at: at('dealValue') },
          { field: 'statusReason', at: at('statusReason') },
        ],
        readOnly: [],
      },
      fields,
    );
    expect(judged.clears).toEqual([{ field: 'notes', at: at('notes') }]);
    expect(judged.diagnostics).toHaveLength(1);
    expect(judged.diagnostics[0]).toMatchObject({ code: 'blank-not-clearable', at: at('dealValue'), referralId: 'r1' });
    expect(judged.diagnostics[0]?.message).toContain('1200');
  });

  it('an unchanged or re-spelled read-only cell passes; an edited one is refused with its cell', () => {
    const judged = judgeExportRow(
      snapshot,
      {
        blank: [],
        readOnly: [
          { column: 'customerName', value: ' Contoso ', at: at('customerName (read-only)') },
          { column: 'createdDateTime', value: '01/03/2026 10:30', at: at('createdDateTime (read-only)') },
          { column: 'teamSize', value: 2, at: at('teamSize (read-only)') },
          { column: 'expirationDateTime', value: '', at: at('expirationDateTime (read-only)') },
          { column: 'city', value: 'Munich', at: at('city (read-only)') },
        ],
      },
      fields,
    );
    expect(judged.diagnostics.map((d) => [d.code, d.at])).toEqual([['read-only-cell', at('city (read-only)')]]);
    expect(judged.diagnostics[0]?.message).toBe('the city cannot be changed through the API (the cell says "Munich", the export had "Berlin")');
  });

  it('dates: the same instant or the same day in either order; another day is an edit', () => {
    const created = column('createdDateTime');
    expect(sameContextValue(created, '2026-03-01T10:30:00+01:00', '2026-03-01T09:30:00.000Z')).toBe(true);
    expect(sameContextValue(created, '3/1/2026', '2026-03-01T09:30:00.000Z')).toBe(true);
    expect(sameContextValue(created, '2026-03-02', '2026-03-01T09:30:00.000Z')).toBe(false);
    expect(sameContextValue(created, '', '2026-03-01T09:30:00.000Z')).toBe(false);
    expect(sameContextValue(created, '', null)).toBe(true);
  });

  it('chooses columns: all by default (id, eTag, context, fields, members); --columns in the given order', () => {
    const f = [{ field: 'name', path: '/name' }, { field: 'notes', path: '/details/notes' }];
    const all = chooseExportColumns(f, ['email']).columns.map((c) => c.header);
    expect(all).toEqual(['id', 'eTag', ...CONTEXT_COLUMNS.map((c) => readOnlyHeader(c.column)), 'name', 'notes', 'addTeamMember.email']);
    const some = chooseExportColumns(f, ['email'], ['notes', 'Country', 'addTeamMember', 'id', 'nmae']);
    expect(some.columns.map((c) => c.header)).toEqual(['id', 'eTag', 'notes', 'country (read-only)', 'addTeamMember.email']);
    expect(some.unknown).toEqual([{ name: 'nmae', suggestion: 'name' }]);
  });
});
