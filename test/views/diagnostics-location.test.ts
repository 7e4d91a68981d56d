import { describe, expect, it } from 'vitest';
import { error } from '../../src/core/diagnostics.js';
import { renderDiagnosticHuman } from '../../src/cli/views/diagnostics-view.js';

describe('renderDiagnosticHuman', () => {
  it('does not repeat the row or line the location already names', () => {
    const csv = error('forbidden-move', 'row 7 (referral r-1): status cannot move from Closed to Active', { at: { file: 'c.csv', row: 7, columnName: 'status' } });
    expect(renderDiagnosticHuman(csv, { color: false })).toBe('c.csv: row 7, column "status": error: referral r-1: status cannot move from Closed to Active');
    const yaml = error('referral-not-found', 'line 3: referral r-2 does not exist', { at: { file: 'c.yaml', line: 3, column: 5 } });
    expect(renderDiagnosticHuman(yaml, { color: false })).toBe('c.yaml:3:5: error: referral r-2 does not exist');
  });

  it('keeps a message that names another place', () => {
    const d = error('conflicting-changes', 'row 70 sets notes, but row 7 sets it too', { at: { file: 'c.csv', row: 7 } });
    expect(renderDiagnosticHuman(d, { color: false })).toBe('c.csv: row 7: error: row 70 sets notes, but row 7 sets it too');
  });
});
