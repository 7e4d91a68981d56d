import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { tempTree } from '../helpers/temp-dir.js';
import { errorsOf, runInProcess } from './helpers.js';
import type { SourceLocation } from '../../src/core/diagnostics.js';

/**
 * The malformed-input corpus: each case is a file (or two) that must fail with
 * exit code 3 and an error of the given code at exactly the given place.
 * Driven through the CLI in-process; test/changeset/cli.test.ts runs a few
 * through the built CLI with plain node.
 */

interface Case {
  name: string;
  files: Record<string, string | Buffer>;
  args?: string[];
  code: string;
  at: SourceLocation;
}

const G1 = '49d90c72-3326-4f61-aacc-2cb57970448c';
const G2 = '4111fffc-f9ee-4d53-bba6-569135228642';
const csv = (...lines: string[]) => lines.join('\r\n') + '\r\n';
const C = 'c.csv';
const Y = 'c.yaml';
const cell = (row: number, columnName: string): SourceLocation => ({ file: C, row, columnName });
const line = (l: number, column: number, file = Y): SourceLocation => ({ file, line: l, column });

const cases: Case[] = [
  // CSV: headers
  { name: 'unknown column', files: { [C]: csv('id,dealVal', `${G1},5`) }, code: 'unknown-column', at: cell(1, 'dealVal') },
  { name: 'duplicate column (case-insensitive)', files: { [C]: csv('id,dealValue,DealValue', `${G1},5,6`) }, code: 'duplicate-column', at: cell(1, 'DealValue') },
  { name: 'no id or externalReferenceId column', files: { [C]: csv('name,dealValue', 'x,5') }, code: 'no-selector-column', at: { file: C, row: 1 } },
  { name: '__proto__ column', files: { [C]: csv('id,__proto__', `${G1},x`) }, code: 'prototype-key', at: cell(1, '__proto__') },
  { name: 'constructor column', files: { [C]: csv('id,constructor', `${G1},x`) }, code: 'prototype-key', at: cell(1, 'constructor') },
  { name: 'addTeamMember.prototype column', files: { [C]: csv('id,addTeamMember.prototype', `${G1},x`) }, code: 'prototype-key', at: cell(1, 'addTeamMember.prototype') },
  { name: 'ambiguous delimiter', files: { [C]: csv('id;notes,name', `${G1};x,y`) }, code: 'ambiguous-delimiter', at: line(1, 1, C) },
  { name: 'cell in a column without header', files: { [C]: csv('id,notes,', `${G1},x,oops`) }, code: 'cell-without-header', at: cell(2, '#3') },
  // CSV: quoting and structure
  { name: 'quote never closed', files: { [C]: csv('id,notes', `${G1},ok`, `${G2},"never closed`, 'x,y') }, code: 'csv-quote-not-closed', at: { file: C, row: 3 } },
  { name: 'quote inside an unquoted cell', files: { [C]: csv('id,notes', `${G1},5" screen`) }, code: 'csv-bad-quote', at: { file: C, row: 2 } },
  { name: 'text after a closing quote', files: { [C]: csv('id,notes', `${G1},"a"b`) }, code: 'csv-bad-quote', at: { file: C, row: 2 } },
  { name: 'a row with an extra cell', files: { [C]: csv('id,notes', `${G1},a`, `${G2},b,c`) }, code: 'column-count', at: { file: C, row: 3 } },
  { name: 'a row with a missing cell', files: { [C]: csv('id,notes,name', `${G1},a`) }, code: 'column-count', at: { file: C, row: 2 } },
  { name: 'row numbers count a quoted multi-line cell as one row', files: { [C]: csv('id,notes,dealValue', `${G1},"two\r\nlines",5`, `${G2},x,abc`) }, code: 'bad-number', at: cell(3, 'dealValue') },
  { name: 'oversize row', files: { [C]: csv('id,notes', `${G1},"${'x'.repeat(1_100_000)}"`) }, code: 'oversize-row', at: { file: C, row: 2 } },
  { name: 'row without id', files: { [C]: csv('id,dealValue', `${G1},5`, ',6') }, code: 'no-selector', at: { file: C, row: 3 } },
  // CSV: values
  { name: 'bad status', files: { [C]: csv('id,status,substatus', `${G1},Actve,Accepted`) }, code: 'bad-enum', at: cell(2, 'status') },
  { name: 'bad substatus', files: { [C]: csv('id,status,substatus', `${G1},Closed,Wonn`) }, code: 'bad-enum', at: cell(2, 'substatus') },
  { name: 'bad qualification', files: { [C]: csv('id,qualification', `${G1},hot`) }, code: 'bad-enum', at: cell(2, 'qualification') },
  { name: 'letters in a number', files: { [C]: csv('id,dealValue', `${G1},12k`) }, code: 'bad-number', at: cell(2, 'dealValue') },
  { name: 'ambiguous number', files: { [C]: csv('id,dealValue', `${G1},"1,234"`) }, code: 'ambiguous-number', at: cell(2, 'dealValue') },
  { name: 'negative number', files: { [C]: csv('id,dealValue', `${G1},-5`) }, code: 'bad-number', at: cell(2, 'dealValue') },
  { name: 'misplaced thousands separators', files: { [C]: csv('id,dealValue', `${G1},1.23.4`) }, code: 'bad-number', at: cell(2, 'dealValue') },
  { name: 'a number against the file decimal separator', files: { [C]: csv('id;dealValue', `${G1};1.234,5`, `${G2};2,345.6`) }, code: 'bad-number', at: cell(3, 'dealValue') },
  { name: 'a number against --locale', files: { [C]: csv('id,dealValue', `${G1},12.5`) }, args: ['--locale', 'nl-NL'], code: 'bad-number', at: cell(2, 'dealValue') },
  { name: 'impossible date', files: { [C]: csv('id,closingDateTime', `${G1},2026-02-30`) }, code: 'bad-date', at: cell(2, 'closingDateTime') },
  { name: 'ambiguous date', files: { [C]: csv('id,closingDateTime', `${G1},03/04/2026`) }, code: 'ambiguous-date', at: cell(2, 'closingDateTime') },
  { name: 'date not in --date-format', files: { [C]: csv('id,closingDateTime', `${G1},2026/31/03`) }, args: ['--date-format', 'DD-MM-YYYY'], code: 'bad-date', at: cell(2, 'closingDateTime') },
  { name: 'unknown currency', files: { [C]: csv('id,currency', `${G1},EURO`) }, code: 'bad-currency', at: cell(2, 'currency') },
  { name: 'currency symbol', files: { [C]: csv('id,currency', `${G1},$`) }, code: 'bad-currency', at: cell(2, 'currency') },
  { name: 'bad e-mail', files: { [C]: csv('id,addTeamMember.email', `${G1},jane.doe@contoso`) }, code: 'bad-email', at: cell(2, 'addTeamMember.email') },
  { name: 'team member without e-mail', files: { [C]: csv('id,addTeamMember.firstName,addTeamMember.email', `${G1},Jane,`) }, code: 'member-without-email', at: { file: C, row: 2 } },
  { name: '#CLEAR on a field that cannot be cleared', files: { [C]: csv('id,dealValue', `${G1},#CLEAR`) }, code: 'not-clearable', at: cell(2, 'dealValue') },
  { name: 'status and substatus that cannot go together', files: { [C]: csv('id,status,substatus', `${G1},Closed,Accepted`) }, code: 'invalid-pair', at: cell(2, 'substatus') },
  { name: 'system-only Expired', files: { [C]: csv('id,status,substatus', `${G1},Closed,Expired`) }, code: 'system-only', at: cell(2, 'substatus') },
  { name: 'Lost without a reason', files: { [C]: csv('id,status,substatus,statusReason', `${G1},Closed,Lost,`) }, code: 'reason-required', at: cell(2, 'substatus') },
  { name: 'the same referral twice', files: { [C]: csv('id,dealValue', `${G1},5`, `${G2},6`, `${G1.toUpperCase()},7`) }, code: 'duplicate-referral', at: { file: C, row: 4 } },
  { name: 'oversize notes', files: { [C]: csv('id,notes', `${G1},${'n'.repeat(4001)}`) }, code: 'oversize-value', at: cell(2, 'notes') },
  { name: 'oversize name', files: { [C]: csv('id,name', `${G1},${'n'.repeat(257)}`) }, code: 'oversize-value', at: cell(2, 'name') },
  // CSV: encodings and bytes
  { name: 'empty file', files: { [C]: '' }, code: 'empty-file', at: line(1, 1, C) },
  { name: 'binary file', files: { [C]: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00]) }, code: 'binary-file', at: line(1, 1, C) },
  { name: 'UTF-16 without byte order mark', files: { [C]: iconv.encode(csv('id,notes', `${G1},x`), 'utf-16le') }, code: 'binary-file', at: line(1, 1, C) },
  { name: 'Windows-1252 bytes still locate a bad value', files: { [C]: iconv.encode(csv('id;notes;status', `${G1};Prijs €;Actíef`), 'win1252') }, code: 'bad-enum', at: cell(2, 'status') },
  { name: 'UTF-16 LE with BOM locates a bad value', files: { [C]: Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(csv('id\tdealValue', `${G1}\tzwölf`), 'utf-16le')]) }, code: 'bad-number', at: cell(2, 'dealValue') },
  // YAML
  { name: 'YAML bad indentation', files: { [Y]: 'changes:\n  - id: "a"\n   set: { notes: x }\n' }, code: 'yaml-syntax', at: line(3, 1) },
  { name: 'YAML unclosed flow mapping', files: { [Y]: 'changes:\n  - id: "a"\n    set: { notes: x\n' }, code: 'yaml-syntax', at: line(3, 10) },
  { name: 'YAML duplicate key', files: { [Y]: 'changes:\n  - id: "a"\n    id: "b"\n' }, code: 'yaml-syntax', at: line(3, 5) },
  { name: 'YAML tab indentation', files: { [Y]: 'changes:\n\t- id: "a"\n' }, code: 'yaml-syntax', at: line(2, 1) },
  {
    name: 'YAML alias bomb',
    files: { [Y]: 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nchanges: [*d]\n' },
    code: 'alias-bomb',
    at: line(2, 8),
  },
  { name: 'YAML id that parsed as a number', files: { [Y]: 'changes:\n  - id: 00123\n    set: { notes: x }\n' }, code: 'unquoted-id', at: line(2, 9) },
  { name: 'YAML externalReferenceId as a number', files: { [Y]: 'changes:\n  - externalReferenceId: 123456789012345678901\n    set: { notes: x }\n' }, code: 'unquoted-id', at: line(2, 26) },
  { name: 'YAML __proto__ in set', files: { [Y]: `changes:\n  - id: "${G1}"\n    set:\n      __proto__: { polluted: true }\n` }, code: 'prototype-key', at: line(4, 7) },
  { name: 'YAML constructor in where', files: { [Y]: 'changes:\n  - where: { constructor: x }\n    set: { notes: x }\n' }, code: 'prototype-key', at: line(2, 14) },
  { name: 'YAML misspelt entry key', files: { [Y]: `changes:\n  - id: "${G1}"\n    sett: { notes: x }\n` }, code: 'unknown-key', at: line(3, 5) },
  { name: 'YAML vocabulary field outside set', files: { [Y]: `changes:\n  - id: "${G1}"\n    dealValue: 5\n` }, code: 'unknown-key', at: line(3, 5) },
  { name: 'YAML unknown field in set', files: { [Y]: `changes:\n  - id: "${G1}"\n    set: { dealvalu: 5 }\n` }, code: 'unknown-field', at: line(3, 12) },
  { name: 'YAML without changes', files: { [Y]: `change:\n  - id: "${G1}"\n` }, code: 'not-a-change-set', at: line(1, 1) },
  { name: 'YAML list at the top', files: { [Y]: `- id: "${G1}"\n` }, code: 'not-a-change-set', at: line(1, 1) },
  { name: 'YAML close with a typo', files: { [Y]: `changes:\n  - id: "${G1}"\n    close: lose\n    reason: x\n` }, code: 'bad-enum', at: line(3, 12) },
  { name: 'YAML accept: false', files: { [Y]: `changes:\n  - id: "${G1}"\n    accept: false\n` }, code: 'bad-accept', at: line(3, 13) },
  { name: 'YAML close and set.status', files: { [Y]: `changes:\n  - id: "${G1}"\n    set: { status: Active }\n    close: won\n` }, code: 'conflicting-shorthand', at: line(4, 12) },
  { name: 'YAML two selectors', files: { [Y]: `changes:\n  - id: "${G1}"\n    where: { status: New }\n    accept: true\n` }, code: 'several-selectors', at: line(2, 5) },
  { name: 'YAML no selector', files: { [Y]: 'changes:\n  - set: { notes: x }\n' }, code: 'no-selector', at: line(2, 5) },
  { name: 'YAML unknown comparator', files: { [Y]: 'changes:\n  - where: { closingDateTime: { before: 2026-01-01 } }\n    close: won\n' }, code: 'unknown-key', at: line(2, 33) },
  { name: 'YAML unknown where path', files: { [Y]: 'changes:\n  - where: { customerProfile/adress/country: NL }\n    close: won\n' }, code: 'unknown-field', at: line(2, 14) },
  { name: 'YAML allowNone without where', files: { [Y]: `changes:\n  - id: "${G1}"\n    allowNone: true\n    set: { notes: x }\n` }, code: 'allow-none-without-where', at: line(3, 16) },
  { name: 'YAML two documents', files: { [Y]: `changes: []\n---\nchanges: []\n` }, code: 'several-documents', at: line(3, 1) },
  { name: 'YAML object as a set value', files: { [Y]: `changes:\n  - id: "${G1}"\n    set: { notes: { a: 1 } }\n` }, code: 'wrong-shape', at: line(3, 19) },
  { name: 'YAML set status Expired', files: { [Y]: `changes:\n  - id: "${G1}"\n    set: { status: closed, substatus: expired }\n` }, code: 'system-only', at: line(3, 39) },
  { name: 'YAML bad date in where', files: { [Y]: 'changes:\n  - where: { closingDateTime: { lt: 2026-13-01 } }\n    close: won\n' }, code: 'bad-date', at: line(2, 37) },
  { name: 'YAML oversize reason', files: { [Y]: `changes:\n  - id: "${G1}"\n    close: lost\n    reason: ${'r'.repeat(1025)}\n` }, code: 'oversize-value', at: line(4, 13) },
  { name: 'YAML empty file', files: { [Y]: '# nothing here\n' }, code: 'empty-file', at: line(1, 1) },
  { name: 'the same referral in YAML and CSV', files: { [Y]: `changes:\n  - id: "${G1}"\n    set: { notes: x }\n`, [C]: csv('id,notes', `${G1},y`) }, code: 'duplicate-referral', at: { file: C, row: 2 } },
];

describe('malformed change sets: exact position, exit code 3', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('$name', async (c) => {
    const dir = tempTree(c.files);
    const names = Object.keys(c.files).sort((a, b) => (a.endsWith('.yaml') ? -1 : b.endsWith('.yaml') ? 1 : 0));
    const run = await runInProcess(['validate', ...names, '--json', ...(c.args ?? [])], dir);
    expect(run.code).toBe(3);
    const errors = errorsOf(run.stdout);
    const match = errors.find((d) => d.code === c.code);
    expect(match, `expected ${c.code}; got ${JSON.stringify(errors)}`).toBeDefined();
    expect(match?.at).toEqual(c.at);
    expect(match?.hint, 'every error says how to fix it').toBeTruthy();
  });
});
