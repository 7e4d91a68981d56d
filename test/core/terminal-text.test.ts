import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { escapeControls, escapeControlsDeep, hasControls, jsonForTerminal } from '../../src/core/terminal-text.js';

// Anything a terminal acts on rather than shows, once printed.
const RAW = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

describe('escapeControls', () => {
  it('shows a screen-clearing, title-setting, line-forging name as visible text', () => {
    const name = '\x1b[2J\x1b]0;pwned\x07Acme\r\nfake line';
    expect(escapeControls(name)).toBe('\\x1B[2J\\x1B]0;pwned\\x07Acme\\r\\nfake line');
  });

  it('escapes DEL, C1 controls (CSI as one byte), NUL, tab, and bidi overrides', () => {
    expect(escapeControls('a\x7fb\x9b2Jc\x00d\te')).toBe('a\\x7Fb\\x9B2Jc\\x00d\\te');
    expect(escapeControls('invoice\u202Egpj.exe')).toBe('invoice\\u{202E}gpj.exe');
    expect(escapeControls('\u2066x\u2069 \u200f \u061c \u2028')).toBe('\\u{2066}x\\u{2069} \\u{200F} \\u{061C} \\u{2028}');
  });

  it('leaves ordinary text, accents, CJK and emoji alone (and returns the same string)', () => {
    const s = 'Contoso — Café 東京 🚀 "quoted" \\ back\\slash';
    expect(escapeControls(s)).toBe(s);
    expect(hasControls(s)).toBe(false);
    expect(hasControls('a\x1bb')).toBe(true);
  });

  it('multiline keeps LF, CRLF (as LF) and tab, but not a lone CR or ESC', () => {
    expect(escapeControls('line 1\r\nline 2\n\tindented\rover\x1b[1A', { multiline: true })).toBe('line 1\nline 2\n\tindented\\rover\\x1B[1A');
  });

  it('escapes strings and keys deep inside a value', () => {
    expect(escapeControlsDeep({ 'k\x1b': ['v\x07', 3, null, { n: 'a\rb' }] })).toEqual({ 'k\\x1B': ['v\\x07', 3, null, { n: 'a\\rb' }] });
  });

  test.prop([fc.string({ unit: 'binary' })])('never lets a control through, and is idempotent', (s) => {
    const once = escapeControls(s);
    expect(RAW.test(once)).toBe(false);
    expect(escapeControls(once)).toBe(once);
    expect(RAW.test(escapeControls(s, { multiline: true }).replace(/[\n\t]/g, ''))).toBe(false);
  });

  test.prop([fc.string({ unit: 'grapheme' })])('changes nothing in text without controls', (s) => {
    fc.pre(!RAW.test(s));
    expect(escapeControls(s)).toBe(s);
  });
});

describe('jsonForTerminal', () => {
  it('is the same document with no raw control left, and parses back to the same value', () => {
    const value = { name: '\x1b[2J\x9b1A\u202Eevil\x7f\u2028', n: [1, null] };
    const text = jsonForTerminal(value, 2);
    expect(RAW.test(text.replace(/\n/g, ''))).toBe(false);
    expect(text).toContain('\\u001b[2J\\u009B1A\\u202Eevil\\u007F\\u2028');
    expect(JSON.parse(text)).toEqual(value);
  });

  test.prop([fc.jsonValue()])('round-trips any JSON value', (v) => {
    const text = jsonForTerminal(v);
    expect(RAW.test(text)).toBe(false);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
  });
});
