import { describe, expect, it } from 'vitest';
import { hintForPassedFlags, type PassedFlags } from '../../src/core/hint-flags.js';

const flags = (o: Record<string, string | true>): PassedFlags => new Map(Object.entries(o));

/**
 * Every hint refplan prints that names a flag, with the flags a user could have passed when it is
 * printed: the hint never suggests a flag already passed, and keeps what is still useful.
 */
const cases: { hint: string; passed: Record<string, string | true>; want: string | undefined }[] = [
  // apply / rollback
  { hint: 'The referral changed after refplan read it. Plan again, or apply with --rebase.', passed: { '--rebase': true }, want: 'The referral changed after refplan read it. Plan again.' },
  { hint: 'Conflicts were not overwritten. Re-plan those referrals, or run apply again with --rebase to apply entries whose own fields did not change.', passed: { '--rebase': true }, want: 'Conflicts were not overwritten. Re-plan those referrals.' },
  { hint: 'Review it first, then run again with --yes.', passed: { '--yes': true }, want: undefined },
  { hint: 'The API kept throttling. Lower --rate or --concurrency, or try again later.', passed: { '--rate': '5' }, want: 'The API kept throttling. Lower --rate (now 5) or --concurrency, or try again later.' },
  { hint: 'The API kept throttling. Lower --rate or --concurrency, or try again later.', passed: { '--concurrency': '2' }, want: 'The API kept throttling. Lower --rate or --concurrency (now 2), or try again later.' },
  { hint: 'Give a file name, e.g. --html results.html.', passed: { '--html': 'out' }, want: 'Give a file name, e.g. --html results.html.' },
  // plan
  { hint: 'fix the rows named above, or use --skip-invalid to plan the valid changes and list the rest in a rejects CSV', passed: { '--skip-invalid': true }, want: 'fix the rows named above' },
  { hint: '--skip-invalid skips invalid rows, not broken files: the file above cannot be read, so fix it where the error says and plan again', passed: { '--skip-invalid': true }, want: '--skip-invalid skips invalid rows, not broken files: the file above cannot be read, so fix it where the error says and plan again' },
  { hint: 'narrow the selectors, or raise --max-changes to at least 12 if this is intended', passed: { '--max-changes': '3' }, want: 'narrow the selectors, or raise --max-changes (now 3) to at least 12 if this is intended' },
  { hint: 'e.g. --message "Close the Q3 deals lost to competitors"', passed: { '--message': '\u0007' }, want: 'e.g. --message "Close the Q3 deals lost to competitors"' },
  // change-set values
  { hint: 'pass --locale (e.g. --locale nl-NL for a decimal comma, --locale en-US for a decimal point), or write the number without thousands separators', passed: { '--locale': 'en-US' }, want: 'pass --locale (e.g. --locale nl-NL for a decimal comma, --locale en-US for a decimal point), or write the number without thousands separators' },
  { hint: 'pass --locale (e.g. nl-NL or en-US) to state it instead', passed: { '--locale': 'de-DE' }, want: undefined },
  { hint: 'pass --date-format DD/MM/YYYY or --date-format MM/DD/YYYY, or write ISO 8601 (YYYY-MM-DD)', passed: { '--date-format': 'DD/MM/YYYY' }, want: 'pass --date-format MM/DD/YYYY, or write ISO 8601 (YYYY-MM-DD)' },
  { hint: 'write ISO 8601, e.g. 2026-03-31, or pass --date-format', passed: { '--date-format': 'DD.MM.YYYY' }, want: 'write ISO 8601, e.g. 2026-03-31' },
  { hint: 'pass --date-format to state it instead', passed: { '--date-format': 'YYYY-MM-DD' }, want: undefined },
  { hint: 'save it as CSV UTF-8 (or pass --encoding utf-16le)', passed: { '--encoding': 'utf-16le' }, want: 'save it as CSV UTF-8' },
  { hint: 'save it as CSV UTF-8 (or pass --encoding utf-16le)', passed: { '--encoding': 'utf-8' }, want: 'save it as CSV UTF-8 (or pass --encoding utf-16le)' },
  { hint: 'pass --encoding to override', passed: { '--encoding': 'latin1' }, want: undefined },
  { hint: 'pass --delimiter ";" (or "," or tab)', passed: { '--delimiter': ';' }, want: undefined },
  { hint: 'pass --delimiter to override', passed: { '--delimiter': ',' }, want: undefined },
  { hint: "add --delimiter ';' (what Excel uses in decimal-comma locales) or --delimiter '\\t'", passed: { '--delimiter': ',' }, want: "add --delimiter ';' (what Excel uses in decimal-comma locales) or --delimiter '\\t'" },
  // workbooks and export
  { hint: 'put the header (id, dealValue, …) in the first row of the first sheet, or name the sheet with --sheet NAME', passed: { '--sheet': 'Data' }, want: 'put the header (id, dealValue, …) in the first row of the first sheet, or name the sheet with --sheet NAME' },
  { hint: 'pass --sheet NAME to read another', passed: { '--sheet': 'Data' }, want: 'pass --sheet NAME to read another' },
  { hint: 'add --where currency=EUR (one export per currency)', passed: { '--where': 'dealValue>5' }, want: 'add --where currency=EUR (one export per currency)' },
  { hint: 'pass --refresh to read them again', passed: { '--refresh': true }, want: undefined },
  { hint: 'keep the .refplan-baseline.json file `refplan export` wrote next to the file, or pass --refresh to read every row', passed: { '--refresh': true }, want: 'keep the .refplan-baseline.json file `refplan export` wrote next to the file' },
  { hint: 'choose them with --columns a,b,c', passed: { '--columns': 'notes' }, want: 'choose them with --columns a,b,c' },
  // migrate
  { hint: 'decide which value wins and edit the body (or the baseline), or pass --skip-conflicts to migrate the other referrals', passed: { '--skip-conflicts': true }, want: 'decide which value wins and edit the body (or the baseline)' },
  { hint: 'put the document the legacy client last read into <baseline dir>/<id>.json, or migrate this body without --baseline', passed: { '--baseline': 'dir' }, want: 'put the document the legacy client last read into <baseline dir>/<id>.json, or migrate this body without --baseline' },
  { hint: 'use --baseline with the document the client read to merge instead', passed: { '--baseline': 'dir' }, want: undefined },
  // proxy and emulator
  { hint: 'Fix the client to send If-Match; for a client that cannot, start the proxy with --allow-put-without-etag (it then pins the PUT to its own fresh read).', passed: { '--allow-put-without-etag': true }, want: 'Fix the client to send If-Match.' },
  { hint: 'pick another with --port N, or --port 0 for a free one', passed: { '--port': '8080' }, want: 'pick another with --port N, or --port 0 for a free one' },
  { hint: 'use --host 127.0.0.1 (the default), or 0.0.0.0 for every interface', passed: { '--host': '10.9.9.9' }, want: 'use --host 127.0.0.1 (the default), or 0.0.0.0 for every interface' },
  { hint: 'for example: --limiter fixed-window --rate 100 --window 6', passed: { '--window': '6', '--limiter': 'token-bucket' }, want: 'for example: --limiter fixed-window --rate 100 --window 6' },
  // connection
  { hint: 'Check --base-url / REFPLAN_BASE_URL (http://127.0.0.1:9): is the API (or `refplan emulator`) running on that host and port?', passed: { '--base-url': 'http://127.0.0.1:9' }, want: 'Check --base-url / REFPLAN_BASE_URL (http://127.0.0.1:9): is the API (or `refplan emulator`) running on that host and port?' },
  { hint: 'Check the referral id, and that --base-url / REFPLAN_BASE_URL points at the referrals API.', passed: { '--base-url': 'http://x' }, want: 'Check the referral id, and that --base-url / REFPLAN_BASE_URL points at the referrals API.' },
  { hint: 'Use e.g. --base-url https://api.partner.microsoft.com/v1.0 (or REFPLAN_BASE_URL).', passed: { '--base-url': 'ftp://x' }, want: 'Use e.g. --base-url https://api.partner.microsoft.com/v1.0 (or REFPLAN_BASE_URL).' },
  { hint: 'Run `npm install @azure/identity` (version 4.13.x for Node 20) next to refplan, or use REFPLAN_TOKEN / --token-command instead.', passed: { '--auth': 'azure-cli' }, want: 'Run `npm install @azure/identity` (version 4.13.x for Node 20) next to refplan, or use REFPLAN_TOKEN / --token-command instead.' },
  // any command
  { hint: 'this is probably a bug in refplan: report it (run again with --debug for a stack trace)', passed: { '--debug': true }, want: 'this is probably a bug in refplan: report it' },
  { hint: '… and 12 more (raise --limit, or pick one with --referral)', passed: { '--limit': '3' }, want: '… and 12 more (raise --limit (now 3), or pick one with --referral)' },
];

describe('a hint never suggests a flag that was already passed', () => {
  it.each(cases)('$hint  [$passed]', ({ hint, passed, want }) => {
    expect(hintForPassedFlags(hint, flags(passed))).toBe(want);
  });

  it('leaves every hint alone when its flags were not passed', () => {
    for (const { hint } of cases) expect(hintForPassedFlags(hint, flags({ '--quiet': true }))).toBe(hint);
  });
});
