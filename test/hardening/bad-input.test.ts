import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

/**
 * The bad-input sweep: every command, fed what people (and crashes) really hand it, must answer
 * with one clear paragraph and a documented exit code (docs/reference/exit-codes.md: 1 usage/operational,
 * 3 invalid input), never a stack trace (only with --debug) and never "unexpected error".
 * Fixtures are built once; the cases run through the built CLI, several at a time.
 */

const TOKEN = 'tok-bad-input';
const suite = emulatorForSuite({ generate: 60, randomSeed: 11, token: TOKEN }, TOKEN);
let dir: string;

interface Case {
  command: string;
  what: string;
  args: string[];
  code: number;
  /** What the message must say (it names the problem, usually the file). */
  says: RegExp;
  /** `validate` prints its report on stdout (its product, like a linter's); everything else errs on stderr. */
  stream?: 'stdout' | 'stderr';
  /** A server command that would otherwise start (the case must fail before it listens). */
  env?: NodeJS.ProcessEnv;
  /** What the output must not say (e.g. the file, when a bad flag must be caught before any file is read). */
  never?: RegExp;
  /** How many `error:` diagnostics it prints (one problem, one error: no follow-on errors). */
  errors?: number;
  /** stdout must be empty (nothing shown before the refusal). */
  quiet?: boolean;
}

/** Deterministic "random" bytes (xorshift), with NULs and invalid UTF-8 in them. */
function noise(length: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.from('IHDR'), noise(64, 7)]);
const HUGE = 'x'.repeat(5 * 1024 * 1024); // 5 MB, no newline

/** Cut a file's text in half, not on a line boundary (a torn write). */
function half(text: string): string {
  let cut = Math.floor(text.length / 2);
  if (text[cut - 1] === '\n') cut += 1;
  return text.slice(0, cut);
}

async function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runCli(args, { cwd: dir, env: { ...suite.env, ...extraEnv }, timeoutMs: 60_000 });
}

function changeSet(ids: string[], tag: string): string {
  return `changes:\n${ids.map((id, i) => `  - id: "${id}"\n    set: { notes: "${tag} ${i}" }\n`).join('')}`;
}

async function planned(name: string, ids: string[]): Promise<void> {
  writeFileSync(join(dir, `${name}.yaml`), changeSet(ids, name));
  const r = await cli(['plan', `${name}.yaml`, '-o', `${name}.json`]);
  if (r.code !== 0) throw new Error(`fixture plan ${name} failed: ${r.stderr}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'refplan-bad-input-'));
  const active = suite.emu.store.all().filter((r) => r.status === 'Active').map((r) => r.id);
  const files: Record<string, string | Buffer> = {
    'empty.yaml': '',
    'empty.csv': '',
    'empty.json': '',
    'noise.yaml': noise(4096),
    'noise.csv': noise(4096, 3),
    'noise.json': noise(4096, 5),
    'image.csv': PNG,
    'image.json': PNG,
    'image.png': PNG,
    'huge.csv': HUGE,
    'open-quote.csv': '"id,notes\nabc,x\n',
    'huge.yaml': HUGE,
    'huge.json': HUGE,
    'put.json': JSON.stringify({ id: active[0], name: 'renamed by a legacy PUT' }),
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  mkdirSync(join(dir, 'folder.yaml'));
  mkdirSync(join(dir, 'folder.json'));
  mkdirSync(join(dir, 'no-bodies'));

  // Real plans, made by the real plan command (each case that could write gets its own).
  await Promise.all([
    planned('good', active.slice(0, 3)),
    planned('applied', active.slice(3, 6)),
    planned('torn', active.slice(6, 9)),
    planned('foreign', active.slice(9, 12)),
    planned('damaged', active.slice(12, 15)),
  ]);
  writeFileSync(join(dir, 'confirm.yaml'), changeSet(active.slice(15, 17), 'confirm'));
  for (const name of ['applied', 'torn']) {
    const r = await cli(['apply', `${name}.json`]);
    if (r.code !== 0) throw new Error(`fixture apply ${name} failed: ${r.stderr}`);
  }
  const good = readFileSync(join(dir, 'good.json'), 'utf8');
  writeFileSync(join(dir, 'truncated.json'), half(good));
  const doc = JSON.parse(good) as Record<string, unknown>;
  writeFileSync(join(dir, 'v2.json'), JSON.stringify({ ...doc, format: 'refplan.plan/2' }, null, 2));
  writeFileSync(join(dir, 'v0.json'), JSON.stringify({ ...doc, format: 'refplan.plan/0' }, null, 2));
  const { format: _format, ...noFormat } = doc;
  writeFileSync(join(dir, 'no-format.json'), JSON.stringify(noFormat, null, 2));
  writeFileSync(join(dir, 'edited.json'), good.replace('"good 0"', '"edited by hand"'));
  writeFileSync(join(dir, 'array.json'), '[1, 2, 3]\n');
  const rollback = readFileSync(join(dir, 'applied.rollback.json'), 'utf8');
  writeFileSync(join(dir, 'truncated.rollback.json'), half(rollback));
  writeFileSync(join(dir, 'v2.rollback.json'), JSON.stringify({ ...(JSON.parse(rollback) as object), format: 'refplan.plan/2' }));
  // Journals: torn in half (a crash mid-write), another plan's, and garbage.
  writeFileSync(join(dir, 'torn.journal.jsonl'), half(readFileSync(join(dir, 'torn.journal.jsonl'), 'utf8')));
  copyFileSync(join(dir, 'applied.journal.jsonl'), join(dir, 'foreign.journal.jsonl'));
  writeFileSync(join(dir, 'damaged.journal.jsonl'), noise(2048, 13));
  const legacy = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'api-examples', 'legacy-put-request-body.json'), 'utf8');
  writeFileSync(join(dir, 'truncated-put.json'), half(legacy));
}, 120_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

// The same file problems, for every command that reads files.
const FILE_PROBLEMS_CHANGESET = (command: string, extra: string[]): Case[] => [
  { command, what: 'a file that does not exist', args: [command, 'missing.yaml', ...extra], code: 3, says: /missing\.yaml does not exist/ },
  { command, what: 'a directory', args: [command, 'folder.yaml', ...extra], code: 3, says: /folder\.yaml is a directory/ },
  { command, what: 'an empty file', args: [command, 'empty.yaml', ...extra], code: 3, says: /empty\.yaml.*the file is empty/ },
  { command, what: 'an empty CSV', args: [command, 'empty.csv', ...extra], code: 3, says: /empty\.csv.*empty/ },
  { command, what: 'random bytes', args: [command, 'noise.yaml', ...extra], code: 3, says: /noise\.yaml.*not a text file/ },
  { command, what: 'a PNG named .csv', args: [command, 'image.csv', ...extra], code: 3, says: /image\.csv.*not a text file/ },
  { command, what: 'a 5 MB line (CSV)', args: [command, 'huge.csv', ...extra], code: 3, says: /huge\.csv: row 1: error: the row is longer than/, errors: 1 },
  { command, what: 'a 5 MB line (YAML)', args: [command, 'huge.yaml', ...extra], code: 3, says: /huge\.yaml.*changes: list/ },
];

const FILE_PROBLEMS_PLAN = (command: string, extra: string[] = []): Case[] => [
  { command, what: 'a plan that does not exist', args: [command, 'missing.json', ...extra], code: 3, says: /missing\.json: no such file/ },
  { command, what: 'a directory', args: [command, 'folder.json', ...extra], code: 3, says: /folder\.json: it is a directory/ },
  { command, what: 'an empty file', args: [command, 'empty.json', ...extra], code: 3, says: /empty\.json is empty/ },
  { command, what: 'random bytes', args: [command, 'noise.json', ...extra], code: 3, says: /noise\.json is not valid JSON: .*line 1/ },
  { command, what: 'a PNG named .json', args: [command, 'image.json', ...extra], code: 3, says: /image\.json is not valid JSON/ },
  { command, what: 'a 5 MB line', args: [command, 'huge.json', ...extra], code: 3, says: /huge\.json is not valid JSON: expected a value .* at line 1, column 1/ },
  { command, what: 'a JSON array', args: [command, 'array.json', ...extra], code: 3, says: /array\.json is not a refplan plan/ },
  { command, what: 'a newer format version', args: [command, 'v2.json', ...extra], code: 3, says: /v2\.json has format "refplan\.plan\/2".*reads only "refplan\.plan\/1"/ },
  { command, what: 'an older format version', args: [command, 'v0.json', ...extra], code: 3, says: /v0\.json has format "refplan\.plan\/0"/ },
  { command, what: 'no format field', args: [command, 'no-format.json', ...extra], code: 3, says: /no-format\.json has no "format" field/ },
];

/** Only the cases whose `what` is listed (commands that share a reader need not repeat every case). */
const only = (cases: Case[], ...whats: string[]): Case[] => {
  const picked = cases.filter((c) => whats.includes(c.what));
  if (picked.length !== whats.length) throw new Error(`unknown case in ${whats.join(', ')}`);
  return picked;
};

// A bad flag is refused before anything is shown: stdout stays empty (rollback used to print its preview first).
const CLIENT_FLAG_PROBLEMS = (command: string, args: string[]): Case[] => [
  { command, what: '--rate abc', args: [command, ...args, '--rate', 'abc'], code: 1, says: /--rate "abc" is not a positive number/, quiet: true },
  { command, what: '--concurrency 0', args: [command, ...args, '--concurrency', '0'], code: 1, says: /--concurrency "0" is not a positive whole number/, quiet: true },
  { command, what: '--timeout -5', args: [command, ...args, '--timeout', '-5'], code: 1, says: /--timeout "-5" is not a positive whole number/, quiet: true },
  { command, what: '--base-url not-a-url', args: [command, ...args, '--base-url', 'not-a-url'], code: 1, says: /--base-url "not-a-url" is not a URL/, quiet: true },
  { command, what: '--auth nonsense', args: [command, ...args, '--auth', 'nonsense'], code: 1, says: /--auth "nonsense" is not a known mode/, quiet: true },
  { command, what: 'an unknown flag', args: [command, ...args, '--frobnicate'], code: 1, says: new RegExp(`unknown option '--frobnicate'\\n  hint: run refplan ${command} --help`), quiet: true },
];

const CASES: Case[] = [
  // validate: the report is its output (stdout); bad flags are usage errors on stderr.
  ...FILE_PROBLEMS_CHANGESET('validate', []).map((c): Case => ({ ...c, stream: 'stdout' })),
  { command: 'validate', what: 'a header quote that never closes', args: ['validate', 'open-quote.csv'], code: 3, says: /open-quote\.csv: row 1: error: a quoted cell that starts in this row is never closed/, errors: 1, stream: 'stdout' },
  { command: 'validate', what: 'no files', args: ['validate'], code: 1, says: /missing required argument 'files'/ },
  { command: 'validate', what: '--delimiter x', args: ['validate', 'good.yaml', '--delimiter', 'x'], code: 1, says: /--delimiter "x" is not supported/ },
  { command: 'validate', what: '--locale nonsense', args: ['validate', 'good.yaml', '--locale', 'xx-!!'], code: 1, says: /--locale "xx-!!" is not a valid locale/ },
  // A bad --encoding is the flag's fault (exit 1, listing the choices), found before the (missing) file is read.
  { command: 'validate', what: '--encoding bogus', args: ['validate', 'missing.yaml', '--encoding', 'bogus'], code: 1, says: /--encoding "bogus" is not a supported encoding; use one of utf-8, utf-16le, utf-16be, windows-1252/, never: /missing\.yaml/ },
  { command: 'validate', what: '--date-format nonsense', args: ['validate', 'good.yaml', '--date-format', 'QQQ'], code: 1, says: /--date-format "QQQ" is not a date format/ },
  { command: 'validate', what: 'an unknown flag', args: ['validate', 'good.yaml', '--frobnicate'], code: 1, says: /unknown option '--frobnicate'/ },

  // plan
  // plan reads change sets with validate's reader: a sample of the file problems is enough.
  ...only(FILE_PROBLEMS_CHANGESET('plan', ['-o', 'never.json']), 'a file that does not exist', 'a directory', 'random bytes', 'a 5 MB line (CSV)'),
  { command: 'plan', what: 'no files', args: ['plan'], code: 1, says: /missing required argument 'files'/ },
  { command: 'plan', what: 'a single-dash long flag (-json)', args: ['plan', 'good.yaml', '-json'], code: 1, says: /unknown option '-json': long flags take two dashes\n  hint: did you mean --json\?/, quiet: true },
  { command: 'plan', what: '--out (a prefix of --output, not --auth)', args: ['plan', 'good.yaml', '--out', 'p.json'], code: 1, says: /unknown option '--out'\n  hint: did you mean --output\?/, quiet: true },
  { command: 'plan', what: '-o - with --skip-invalid', args: ['plan', 'good.yaml', '-o', '-', '--skip-invalid'], code: 1, says: /--skip-invalid writes PLAN\.rejects\.csv next to the plan file, and -o - writes no file/, quiet: true },
  { command: 'plan', what: '--encoding bogus', args: ['plan', 'missing.csv', '-o', 'never.json', '--encoding', 'bogus'], code: 1, says: /--encoding "bogus" is not a supported encoding; use one of utf-8, utf-16le, utf-16be, windows-1252/, never: /missing\.csv/ },
  { command: 'plan', what: '--limit -1', args: ['plan', 'good.yaml', '-o', 'never.json', '--limit', '-1'], code: 1, says: /--limit needs a whole number ≥ 0, got "-1"/ },
  { command: 'plan', what: '-o into a directory', args: ['plan', 'good.yaml', '-o', 'folder.json'], code: 1, says: /cannot write plan file .*folder\.json: it is a directory/ },
  { command: 'plan', what: '-o into a missing folder', args: ['plan', 'good.yaml', '-o', 'nowhere/p.json'], code: 1, says: /cannot write plan file .*nowhere.* does not exist/ },
  { command: 'plan', what: 'no token', args: ['plan', 'good.yaml', '-o', 'never.json'], env: { REFPLAN_TOKEN: '' }, code: 1, says: /no API token: REFPLAN_TOKEN is not set/ },
  // The connection flags are one table (CLIENT_FLAGS) parsed in one place: every case here, a sample elsewhere.
  ...CLIENT_FLAG_PROBLEMS('plan', ['good.yaml', '-o', 'never.json']),

  // show
  ...FILE_PROBLEMS_PLAN('show'),
  { command: 'show', what: 'a truncated plan', args: ['show', 'truncated.json'], code: 3, says: /truncated\.json is not valid JSON: it ends in the middle .*looks truncated/ },
  { command: 'show', what: 'an edited plan', args: ['show', 'edited.json'], code: 3, says: /edited\.json: the plan was edited or truncated after it was written/ },
  { command: 'show', what: 'no plan', args: ['show'], code: 1, says: /missing required argument 'plan'/ },
  { command: 'show', what: '--limit -1', args: ['show', 'good.json', '--limit', '-1'], code: 1, says: /--limit must be a whole number of entries, found "-1"/ },
  { command: 'show', what: 'an unknown --referral', args: ['show', 'good.json', '--referral', 'nope'], code: 1, says: /good\.json has no entry for referral nope/ },
  { command: 'show', what: 'an unknown flag', args: ['show', 'good.json', '--frobnicate'], code: 1, says: /unknown option '--frobnicate'/ },

  // export
  { command: 'export', what: '-o json (a format, not a file)', args: ['export', '-o', 'json'], code: 1, says: /-o json: -o takes a file name, and "json" looks like a format\n  hint: give a file with its extension, e.g. -o referrals\.csv/, quiet: true },
  { command: 'export', what: 'a single-dash long flag (-out=x.csv)', args: ['export', '-out=x.csv'], code: 1, says: /unknown option '-out=x\.csv': long flags take two dashes\n  hint: did you mean --output=x\.csv\?/, quiet: true },
  { command: 'export', what: '-o a directory', args: ['export', '-o', 'folder.yaml'], code: 1, says: /cannot write export file .*folder\.yaml: it is a directory/ },
  { command: 'export', what: '--where without an operator', args: ['export', '-o', 'x.csv', '--where', 'status'], code: 1, says: /--where "status" is not FIELD OP VALUE/ },
  { command: 'export', what: '--where an unknown field', args: ['export', '-o', 'x.csv', '--where', 'colour=red'], code: 3, says: /"colour" is neither a change-set field nor a referral path/ },
  { command: 'export', what: '--format xml', args: ['export', '-o', 'x.csv', '--format', 'xml'], code: 1, says: /argument 'xml' is invalid. Allowed choices are csv, yaml/ },
  { command: 'export', what: '--delimiter x', args: ['export', '-o', 'x.csv', '--delimiter', 'x'], code: 1, says: /unsupported delimiter "x"/ },
  ...only(CLIENT_FLAG_PROBLEMS('export', ['-o', 'x.csv']), '--concurrency 0', 'an unknown flag'),

  // apply
  // apply, rollback and show read plans with one reader (readPlan): show gets every case, these a sample.
  ...only(FILE_PROBLEMS_PLAN('apply'), 'a plan that does not exist', 'a directory', 'an empty file', 'a PNG named .json', 'a newer format version'),
  { command: 'apply', what: 'a truncated plan', args: ['apply', 'truncated.json'], code: 3, says: /truncated\.json is not valid JSON: it ends in the middle/ },
  { command: 'apply', what: 'an edited plan', args: ['apply', 'edited.json'], code: 3, says: /the plan was edited or truncated after it was written/ },
  { command: 'apply', what: 'a journal of another plan', args: ['apply', 'foreign.json'], code: 3, says: /foreign\.journal\.jsonl is the journal of another plan/ },
  { command: 'apply', what: 'a damaged journal', args: ['apply', 'damaged.json'], code: 3, says: /damaged\.journal\.jsonl:1: the journal is damaged/ },
  { command: 'apply', what: 'a missing change set', args: ['apply', 'missing.yaml'], code: 3, says: /missing\.yaml does not exist/ },
  { command: 'apply', what: 'a PNG', args: ['apply', 'image.png'], code: 1, says: /image\.png: apply takes one plan file \(\.json\) or change-set files/ },
  { command: 'apply', what: 'change sets without --yes and no terminal', args: ['apply', 'confirm.yaml'], code: 1, says: /needs a confirmation, and there is no terminal/ },
  { command: 'apply', what: '--html into a missing folder', args: ['apply', 'good.json', '--html', 'nowhere/r.html'], code: 1, says: /--html nowhere\/r\.html: its folder nowhere does not exist; nothing was sent/, quiet: true },
  { command: 'apply', what: 'change sets with --concurrency 0', args: ['apply', 'confirm.yaml', '--yes', '--concurrency', '0'], code: 1, says: /--concurrency "0" is not a positive whole number/, quiet: true },
  { command: 'apply', what: 'no token (found before the missing plan)', args: ['apply', 'missing.json'], env: { REFPLAN_TOKEN: '' }, code: 1, says: /no API token: REFPLAN_TOKEN is not set/, never: /missing\.json/, quiet: true },
  { command: 'apply', what: 'no plan', args: ['apply'], code: 1, says: /missing required argument 'files'/ },
  { command: 'apply', what: '-auto-approve (Terraform spelling)', args: ['apply', 'confirm.yaml', '-auto-approve'], code: 1, says: /unknown option '-auto-approve': long flags take two dashes\n  hint: did you mean --yes\?/, quiet: true },
  ...only(CLIENT_FLAG_PROBLEMS('apply', ['good.json']), '--rate abc', 'an unknown flag'),
  { command: 'apply', what: 'another API than the plan', args: ['apply', 'good.json', '--base-url', 'http://127.0.0.1:9/v1.0'], code: 1, says: /good\.json was made against .* but this run targets/ },

  // rollback
  ...only(FILE_PROBLEMS_PLAN('rollback', ['--yes']), 'a plan that does not exist', 'random bytes'),
  { command: 'rollback', what: 'a truncated rollback file', args: ['rollback', 'truncated.rollback.json', '--yes'], code: 3, says: /truncated\.rollback\.json is not valid JSON: it ends in the middle/ },
  { command: 'rollback', what: 'a rollback file of a newer format', args: ['rollback', 'v2.rollback.json', '--yes'], code: 3, says: /has format "refplan\.plan\/2"/ },
  { command: 'rollback', what: 'a plan, not a rollback file', args: ['rollback', 'good.json', '--yes'], code: 1, says: /good\.json is a plan file, not a rollback file/ },
  { command: 'rollback', what: 'no file', args: ['rollback'], code: 1, says: /missing required argument 'rollback'/ },
  { command: 'rollback', what: '--html into a missing folder', args: ['rollback', 'applied.rollback.json', '--yes', '--html', 'nowhere/r.html'], code: 1, says: /--html nowhere\/r\.html: its folder nowhere does not exist; nothing was sent/, quiet: true },
  ...only(CLIENT_FLAG_PROBLEMS('rollback', ['applied.rollback.json', '--yes']), '--concurrency 0', 'an unknown flag'),

  // migrate
  { command: 'migrate', what: 'a body file that does not exist', args: ['migrate', 'missing.json', '-o', 'm.json'], code: 3, says: /cannot read missing\.json: no such file/ },
  { command: 'migrate', what: 'a folder without bodies', args: ['migrate', 'no-bodies', '-o', 'm.json'], code: 3, says: /folder no-bodies holds no \.json/ },
  { command: 'migrate', what: 'an empty file', args: ['migrate', 'empty.json', '-o', 'm.json'], code: 3, says: /empty\.json:1:1: error: the file holds no JSON body/ },
  { command: 'migrate', what: 'random bytes', args: ['migrate', 'noise.json', '-o', 'm.json'], code: 3, says: /noise\.json:1:1: error: the file is not valid UTF-8 text/ },
  { command: 'migrate', what: 'a 5 MB line', args: ['migrate', 'huge.json', '-o', 'm.json'], code: 3, says: /huge\.json:1:1: error: expected a value/ },
  { command: 'migrate', what: 'a truncated body', args: ['migrate', 'truncated-put.json', '-o', 'm.json'], code: 3, says: /truncated-put\.json:\d+:\d+: error/ },
  { command: 'migrate', what: 'a missing baseline folder', args: ['migrate', 'put.json', '-o', 'm.json', '--baseline', 'nowhere'], code: 3, says: /no baseline for referral/ },
  { command: 'migrate', what: '-o table (a format, not a file)', args: ['migrate', 'put.json', '-o', 'table'], code: 1, says: /-o table: -o takes a file name/, quiet: true },
  { command: 'migrate', what: '-o into a directory', args: ['migrate', 'put.json', '-o', 'folder.json'], code: 1, says: /cannot write plan file .*folder\.json: it is a directory/ },
  ...only(CLIENT_FLAG_PROBLEMS('migrate', ['put.json', '-o', 'm.json']), '--rate abc', 'an unknown flag'),

  // proxy (each case must fail before it listens)
  { command: 'proxy', what: 'no --upstream', args: ['proxy'], code: 1, says: /required option '--upstream <url>' not specified/ },
  { command: 'proxy', what: '--upstream not a URL', args: ['proxy', '--upstream', 'not-a-url', '--port', '0'], code: 1, says: /--upstream "not-a-url" is not a URL/ },
  { command: 'proxy', what: '--port 70000', args: ['proxy', '--upstream', 'http://127.0.0.1:9/v1.0', '--port', '70000'], code: 1, says: /--port "70000" is not a port number/ },
  { command: 'proxy', what: 'an unknown --host', args: ['proxy', '--upstream', 'http://127.0.0.1:9/v1.0', '--port', '0', '--host', 'no-such-host.invalid'], code: 1, says: /cannot listen on host "no-such-host\.invalid"/ },
  { command: 'proxy', what: 'an unknown flag', args: ['proxy', '--upstream', 'http://127.0.0.1:9/v1.0', '--frobnicate'], code: 1, says: /unknown option '--frobnicate'/ },

  // emulator (each case must fail before it listens)
  { command: 'emulator', what: '--port 70000', args: ['emulator', '--port', '70000'], code: 1, says: /--port must be a whole number between 0 and 65535, got '70000'/ },
  { command: 'emulator', what: '--rate 0', args: ['emulator', '--port', '0', '--rate', '0'], code: 1, says: /--rate must be a number greater than 0/ },
  { command: 'emulator', what: '--fail-rate 2', args: ['emulator', '--port', '0', '--fail-rate', '2'], code: 1, says: /--fail-rate must be a number between 0 and 1/ },
  { command: 'emulator', what: 'a seed file that does not exist', args: ['emulator', '--port', '0', '--seed-file', 'missing.json'], code: 1, says: /missing\.json: cannot be read/ },
  { command: 'emulator', what: 'a seed file that is a directory', args: ['emulator', '--port', '0', '--seed-file', 'folder.json'], code: 1, says: /folder\.json: cannot be read/ },
  { command: 'emulator', what: 'a binary seed file', args: ['emulator', '--port', '0', '--seed-file', 'noise.json'], code: 1, says: /noise\.json: is not valid JSON/ },
  { command: 'emulator', what: 'a 5 MB line seed file', args: ['emulator', '--port', '0', '--seed-file', 'huge.json'], code: 1, says: /huge\.json: is not valid JSON/ },
  { command: 'emulator', what: 'an unknown flag', args: ['emulator', '--frobnicate'], code: 1, says: /unknown option '--frobnicate'/ },

  // demo and the program itself
  { command: 'demo', what: '--referrals 5', args: ['demo', '--referrals', '5'], code: 1, says: /--referrals must be a whole number of at least 20, got '5'/ },
  { command: 'demo', what: 'an unknown flag', args: ['demo', '--frobnicate'], code: 1, says: /unknown option '--frobnicate'/ },
  { command: 'refplan', what: 'an unknown command', args: ['frobnicate'], code: 1, says: /unknown command 'frobnicate'/ },
  { command: 'refplan', what: 'an unknown global flag', args: ['--frobnicate'], code: 1, says: /unknown option '--frobnicate'/ },
];

/** Runs every case once, a few at a time (the machine has 2 cores; each case is a node process). */
const results = new Map<Case, CliRun>();
async function runAll(): Promise<void> {
  const queue = [...CASES];
  const worker = async (): Promise<void> => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) results.set(c, await cli(c.args, c.env));
  };
  await Promise.all(Array.from({ length: 6 }, worker));
}
let ran: Promise<void> | undefined;

describe('every command, given bad input, answers with one paragraph and a documented exit code', () => {
  it('covers every command', () => {
    const commands = new Set(CASES.map((c) => c.command));
    for (const c of ['validate', 'plan', 'show', 'export', 'apply', 'rollback', 'migrate', 'proxy', 'emulator', 'demo']) expect(commands.has(c), c).toBe(true);
  });

  it.each(CASES.map((c) => [`${c.command}: ${c.what}`, c] as const))('%s', async (_name, c) => {
    ran ??= runAll();
    await ran;
    const r = results.get(c)!;
    const text = c.stream === 'stdout' ? r.stdout : r.stderr;
    const context = `refplan ${c.args.join(' ')}\n--- stdout\n${r.stdout.slice(0, 1500)}\n--- stderr\n${r.stderr.slice(0, 1500)}`;
    expect(r.signal, context).toBeNull();
    expect(r.code, context).toBe(c.code);
    expect(text, context).toMatch(c.says);
    if (c.never !== undefined) expect(r.stdout + r.stderr, context).not.toMatch(c.never);
    if (c.errors !== undefined) expect((r.stdout + r.stderr).match(/: error: /g) ?? [], context).toHaveLength(c.errors);
    if (c.quiet === true) expect(r.stdout, context).toBe('');
    // One paragraph: no blank lines, no stack, not presented as a bug.
    expect(r.stderr.trim(), context).not.toMatch(/\n\s*\n/);
    expect(r.stderr + r.stdout, context).not.toMatch(/^ {4}at /m);
    expect(r.stderr + r.stdout, context).not.toMatch(/unexpected error|probably a bug/);
    if (c.stream !== 'stdout') expect(r.stderr, context).toMatch(/^refplan: /m);
    else expect(r.stdout, context).toMatch(/Nothing was sent; fix the errors above/);
  }, 240_000);
});

describe('the recoverable cases', () => {
  it('a journal torn in half (a crash mid-write) is resumed with a warning naming its line, not refused', async () => {
    await (ran ??= runAll());
    const r = await cli(['apply', 'torn.json', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/torn\.journal\.jsonl:\d+: ignoring an incomplete last line/);
    expect(r.stderr).not.toMatch(/^ {4}at /m);
    // The entries whose outcome line was lost are settled by reading them (they hold the planned
    // values), so every entry ends applied or unchanged, and none was written twice.
    const summary = JSON.parse(r.stdout) as { counts: Record<string, number> };
    expect((summary.counts['applied'] ?? 0) + (summary.counts['unchanged'] ?? 0)).toBe(3);
    for (const e of JSON.parse(readFileSync(join(dir, 'torn.json'), 'utf8')).entries as { referralId: string }[]) {
      expect(suite.emu.stats().commits.byId[e.referralId]).toBe(1);
    }
  });

  it('--debug adds the stack trace, and --json makes the error one JSON document', async () => {
    await (ran ??= runAll());
    const [debug, json, usageJson] = await Promise.all([
      cli(['show', 'truncated.json', '--debug']),
      cli(['plan', 'missing.yaml', '-o', 'never.json', '--json']),
      cli(['plan', 'good.yaml', '--json', '--frobnicate']),
    ]);
    expect(debug.code).toBe(3);
    expect(debug.stderr).toMatch(/^refplan: truncated\.json is not valid JSON/);
    expect(debug.stderr).toMatch(/^ {4}at /m);
    expect(json.code).toBe(3);
    const error = (JSON.parse(json.stderr) as { error: { code: string; exitCode: number; meta: { diagnostics: { message: string }[] } } }).error;
    expect(error).toMatchObject({ code: 'invalid-input', exitCode: 3 });
    expect(error.meta.diagnostics[0]!.message).toMatch(/missing\.yaml does not exist/);
    expect(usageJson.code).toBe(1);
    expect(JSON.parse(usageJson.stderr)).toMatchObject({ error: { code: 'usage', message: "unknown option '--frobnicate'", exitCode: 1 } });
  });

  it('refplan with no command shows the help on stderr and exits 1', async () => {
    const r = await cli([]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Usage: refplan /);
  });
});
