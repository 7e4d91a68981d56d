import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTolerantJson } from '../../src/core/tolerant-json.js';
import { readLegacyBodies } from '../../src/files/read-legacy-bodies.js';
import { repoRoot } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';

const fixture = join(repoRoot, 'test', 'fixtures', 'legacy', 'legacy-put-request-body.json');

function errorsOf(r: ReturnType<typeof parseTolerantJson>) {
  return r.diagnostics.filter((d) => d.severity === 'error');
}

describe('parseTolerantJson: tolerated irregularities are warnings with file and line', () => {
  it('reads the documented PUT body and warns about its trailing comma on line 105', () => {
    const text = readFileSync(fixture, 'utf8');
    const r = parseTolerantJson(text, 'legacy-put-request-body.json');
    expect(errorsOf(r)).toEqual([]);
    expect(r.values).toHaveLength(1);
    expect((r.values[0]?.value as { id: string }).id).toBe('49d90c72-3326-4f61-aacc-2cb57970448c');
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'json-trailing-comma',
        at: { file: 'legacy-put-request-body.json', line: 105, column: 55 },
      }),
    ]);
  });

  it('ignores // and /* */ comments, each with a warning at its line', () => {
    const text = '// captured from prod\n{\n  "a": 1, /* the old\n value */ "b": [1, 2] // end\n}\n';
    const r = parseTolerantJson(text, 'c.json');
    expect(r.values[0]?.value).toEqual({ a: 1, b: [1, 2] });
    expect(r.diagnostics.map((d) => [d.code, d.at && 'line' in d.at ? d.at.line : 0])).toEqual([
      ['json-comment', 1],
      ['json-comment', 3],
      ['json-comment', 4],
    ]);
  });

  it('keeps // inside strings (URLs) as text, with no warning', () => {
    const r = parseTolerantJson('{"uri": "https://x/y", "n": "/* no */"}', 'u.json');
    expect(r.values[0]?.value).toEqual({ uri: 'https://x/y', n: '/* no */' });
    expect(r.diagnostics).toEqual([]);
  });

  it('strips a UTF-8 BOM with a warning on line 1', () => {
    const r = parseTolerantJson('\uFEFF{"a": true}', 'bom.json');
    expect(r.values[0]?.value).toEqual({ a: true });
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'json-bom', severity: 'warning', at: { file: 'bom.json', line: 1, column: 1 } })]);
  });

  it('accepts trailing commas in arrays and objects', () => {
    const r = parseTolerantJson('{"a": [1, 2,],\n "b": {"c": null,},\n}', 't.json');
    expect(r.values[0]?.value).toEqual({ a: [1, 2], b: { c: null } });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['json-trailing-comma', 'json-trailing-comma', 'json-trailing-comma']);
    expect(r.diagnostics.map((d) => (d.at && 'line' in d.at ? d.at.line : 0))).toEqual([1, 2, 2]);
  });

  it('reads NDJSON: one value per line, each with its own line number', () => {
    const r = parseTolerantJson('{"id": "a"}\n{"id": "b"}\r\n\n{"id": "c"}\n', 'x.ndjson');
    expect(r.values.map((v) => [(v.value as { id: string }).id, v.line])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 4],
    ]);
    expect(r.diagnostics).toEqual([]);
  });

  it('gives the position of every element of a top-level array', () => {
    const r = parseTolerantJson('[\n  {"id": "a"},\n  {"id": "b"}\n]', 'arr.json');
    expect(r.values[0]?.items).toEqual([
      { line: 2, column: 3 },
      { line: 3, column: 3 },
    ]);
  });

  it('parses strings, escapes and numbers exactly like JSON.parse', () => {
    const text = '{"s": "a\\"b\\\\c\\n\\u00e9\\/", "n": -12.5e2, "z": 0, "t": true, "f": false, "x": null, "e": [], "o": {}}';
    expect(parseTolerantJson(text, 'e.json').values[0]?.value).toEqual(JSON.parse(text));
  });
});

describe('parseTolerantJson: anything else is an error at line:column saying what was expected', () => {
  const cases: [string, string, number, number, RegExp][] = [
    ['missing comma', '{\n  "a": 1\n  "b": 2\n}', 3, 3, /expected "," or "}" after the value of "a"/],
    ['single-quoted string', "{\"a\": 'x'}", 1, 7, /double quotes/],
    ['unquoted key', '{\n  name: "x"\n}', 2, 3, /double-quoted property name/],
    ['unterminated string', '{"a": "abc\n}', 1, 7, /closing double quote/],
    ['unterminated comment', '{"a": 1 /* oops', 1, 9, /"\*\/"/],
    ['leading zero', '{"a": 012}', 1, 7, /expected a number/],
    ['NaN', '{"a": NaN}', 1, 7, /expected a value/],
    ['capitalised True', '{"a": True}', 1, 7, /expected a value/],
    ['bad escape', '{"a": "\\x"}', 1, 8, /valid escape/],
    ['missing colon', '{"a" 1}', 1, 6, /expected ":"/],
    ['comma between top-level values', '{"a": 1},\n{"a": 2}', 1, 9, /end of the file or the next JSON value/],
    ['truncated', '{"a": [1, 2', 1, 12, /file ends here/],
    ['double comma', '[1,,2]', 1, 4, /expected a value/],
    ['prototype key', '{"__proto__": {"x": 1}}', 1, 2, /prototype/],
  ];
  for (const [name, text, line, column, message] of cases) {
    it(name, () => {
      const r = parseTolerantJson(text, 'bad.json');
      const errors = errorsOf(r);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.at).toEqual({ file: 'bad.json', line, column });
      expect(errors[0]?.message).toMatch(message);
      expect(r.values).toEqual([]);
    });
  }
});

describe('readLegacyBodies', () => {
  it('reads files and folders (recursing into .json/.ndjson/.jsonl), keeping each body line', async () => {
    const dir = tempTree({
      'one.json': '{"id": "1"}',
      'sub/many.ndjson': '{"id": "2"}\n{"id": "3"}\n',
      'sub/deeper/arr.jsonl': '[\n{"id": "4"},\n{"id": "5"}\n]',
      'sub/notes.txt': 'not read',
    });
    const r = await readLegacyBodies([dir]);
    expect(r.diagnostics).toEqual([]);
    expect(r.bodies.map((b) => [b.body['id'], b.source.file.slice(dir.length + 1), b.source.line])).toEqual([
      ['1', 'one.json', 1],
      ['4', 'sub/deeper/arr.jsonl', 2],
      ['5', 'sub/deeper/arr.jsonl', 3],
      ['2', 'sub/many.ndjson', 1],
      ['3', 'sub/many.ndjson', 2],
    ]);
    expect(r.inputs).toHaveLength(3);
    expect(r.inputs[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports non-object bodies, empty files, missing paths and invalid UTF-8 as errors naming the file', async () => {
    const dir = tempTree({ 'n.json': '[{"id": "1"}, 42]', 'empty.json': '  \n', 'bin.json': Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) });
    const r = await readLegacyBodies([join(dir, 'n.json'), join(dir, 'empty.json'), join(dir, 'bin.json'), join(dir, 'missing.json')]);
    expect(r.bodies).toHaveLength(1);
    const codes = r.diagnostics.map((d) => [d.code, d.at && 'line' in d.at ? `${d.at.file.slice(dir.length + 1)}:${d.at.line}:${d.at.column}` : '']);
    expect(codes).toEqual([
      ['file-not-found', 'missing.json:1:1'],
      ['not-a-body', 'n.json:1:15'],
      ['empty-file', 'empty.json:1:1'],
      ['not-utf8', 'bin.json:1:1'],
    ]);
  });
});
