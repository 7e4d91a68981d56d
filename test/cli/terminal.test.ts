import { describe, expect, it } from 'vitest';
import { suggestFlag } from '../../src/cli/argv-check.js';
import { reflowHelpText } from '../../src/cli/help-text.js';
import { asciiOnly, colorEnabled, helpWidth, toAscii } from '../../src/cli/terminal.js';
import { createReadProgress } from '../../src/cli/views/read-progress.js';
import { plural } from '../../src/core/plural.js';

describe('flag suggestions rank by meaning, then spelling', () => {
  const plan = ['output', 'skip-invalid', 'json', 'auth', 'base-url', 'quiet', 'no-color', 'rate', 'token-command'];
  it.each([
    ['out', plan, 'output'],
    ['auto-approve', ['yes', 'json', 'rebase'], 'yes'],
    ['json', plan, 'json'],
    ['jsno', plan, 'json'],
    ['silent', plan, 'quiet'],
    ['url', plan, 'base-url'],
    ['token', plan, 'token-command'],
    ['frobnicate', plan, undefined],
    // A synonym is only offered where the command has its flag.
    ['auto-approve', plan, undefined],
  ])('--%s → %s', (name, known, meant) => {
    expect(suggestFlag(name, known)).toBe(meant);
  });
});

describe('the console', () => {
  it('colour: FORCE_COLOR wins over NO_COLOR; FORCE_COLOR=0 (what --no-color sets) wins over a TTY', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });

  it('ASCII: forced either way by REFPLAN_ASCII; on TERM=dumb, a non-UTF-8 locale, the classic Windows console', () => {
    expect(asciiOnly({}, 'linux')).toBe(false);
    expect(asciiOnly({ LANG: 'de_DE.UTF-8' }, 'linux')).toBe(false);
    expect(asciiOnly({ LANG: 'C' }, 'linux')).toBe(true);
    expect(asciiOnly({ LC_ALL: 'en_US.utf8', LANG: 'C' }, 'linux')).toBe(false);
    expect(asciiOnly({ TERM: 'dumb' }, 'linux')).toBe(true);
    expect(asciiOnly({}, 'win32')).toBe(true);
    expect(asciiOnly({ WT_SESSION: 'x' }, 'win32')).toBe(false);
    expect(asciiOnly({ REFPLAN_ASCII: '1', LANG: 'en_US.UTF-8' }, 'linux')).toBe(true);
    expect(asciiOnly({ REFPLAN_ASCII: '0', TERM: 'dumb' }, 'linux')).toBe(false);
    expect(toAscii('✓ ok · a → b ✗ ↺ …')).toBe('ok ok - a -> b x <~ ...');
  });

  it('help width: the terminal (40–200 columns), 80 when not a terminal', () => {
    expect(helpWidth({ isTTY: true, columns: 132 })).toBe(132);
    expect(helpWidth({ isTTY: true, columns: 20 })).toBe(40);
    expect(helpWidth({ isTTY: false, columns: 132 })).toBe(80);
    expect(helpWidth({})).toBe(80);
  });

  it('help text reflows prose to the width and keeps examples and headings', () => {
    const text = ['', 'Examples:', '  $ refplan plan changes.yaml -o changes.plan.json --skip-invalid --max-changes 500', '', 'Exit codes: 0 planned, 3 invalid input', '(nothing written), 1 operational error.', 'Token: REFPLAN_TOKEN.'].join('\n');
    const out = reflowHelpText(text, 30);
    expect(out.split('\n')).toEqual([
      '',
      'Examples:',
      '  $ refplan plan changes.yaml -o changes.plan.json --skip-invalid --max-changes 500',
      '',
      'Exit codes: 0 planned, 3',
      'invalid input (nothing',
      'written), 1 operational error.',
      'Token: REFPLAN_TOKEN.',
    ]);
  });
});

describe('read progress (export, plan)', () => {
  const stream = (isTTY: boolean) => {
    const writes: string[] = [];
    return { writes, isTTY, columns: 200, write: (s: string) => writes.push(s) };
  };
  it('on a TTY: requests, referrals read of the total, matched and ETA, in place; cleared at the end', () => {
    const s = stream(true);
    let t = 0;
    const p = createReadProgress(s, { label: 'export', now: () => t });
    t = 1000;
    p.update({ requests: 5, read: 500, matched: 120, total: 2000 });
    t = 1050;
    p.update({ requests: 6, read: 600, matched: 130, total: 2000 }); // throttled
    p.finish();
    expect(s.writes).toEqual(['\r\x1b[2Kexport: 5 requests · 500 of 2,000 referrals read · 120 matched · ETA 3s', '\r\x1b[2K']);
  });
  it('nothing off a TTY, nothing with --quiet', () => {
    for (const [s, quiet] of [[stream(false), false], [stream(true), true]] as const) {
      const p = createReadProgress(s, { label: 'plan', quiet, now: () => 5000 });
      p.update({ requests: 1, read: 100 });
      p.finish();
      expect(s.writes).toEqual([]);
    }
  });
});

describe('plural', () => {
  it('names one and many right', () => {
    expect(plural(1, 'retry')).toBe('1 retry');
    expect(plural(2, 'retry')).toBe('2 retries');
    expect(plural(1, 'applied entry')).toBe('1 applied entry');
    expect(plural(1604, 'referral')).toBe('1,604 referrals');
    expect(plural(0, 'change')).toBe('0 changes');
    expect(plural(3, 'body', 'bodies')).toBe('3 bodies');
    expect(plural(2, 'match')).toBe('2 matches');
    expect(plural(2, 'day')).toBe('2 days');
  });
});
