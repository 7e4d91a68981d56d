import type { Command, Option } from 'commander';
import { UsageError } from '../core/errors.js';

/**
 * The command line, checked before commander parses it, for the habits other tools teach:
 * - a single-dash long flag (`-out=x.json`, `-auto-approve`, `-json`: Terraform, Go) is refused
 *   with the flag that was meant, instead of commander reading `-out` as `-o ut`;
 * - an unknown `--flag` suggests the flag with that meaning (`--out` → `--output`, not `--auth`);
 * - aliases other tools use (`--auto-approve` → `--yes`) are rewritten to refplan's flag;
 * - `-o json` / `-o table` (kubectl, az) is refused: a bare format word is not a file name.
 */

/** Names other tools give a flag → refplan's flag. Only suggested where the command has it. */
const SYNONYMS: Record<string, string[]> = {
  out: ['output'],
  'out-file': ['output'],
  outfile: ['output'],
  'output-file': ['output'],
  'auto-approve': ['yes'],
  'assume-yes': ['yes'],
  'no-prompt': ['yes'],
  'non-interactive': ['yes'],
  noninteractive: ['yes'],
  force: ['yes'],
  confirm: ['yes'],
  y: ['yes'],
  q: ['quiet'],
  silent: ['quiet'],
  'no-progress': ['quiet'],
  'no-colour': ['no-color'],
  nocolor: ['no-color'],
  monochrome: ['no-color'],
  'output-json': ['json'],
  filter: ['where'],
  query: ['where'],
  select: ['where'],
  selector: ['where'],
  url: ['base-url', 'upstream'],
  endpoint: ['base-url', 'upstream'],
  'api-url': ['base-url', 'upstream'],
  server: ['base-url', 'upstream'],
  'base-uri': ['base-url'],
  token: ['token-command'],
  max: ['max-changes'],
  'max-count': ['max-changes'],
  'show-all': ['show-pii'],
  report: ['html'],
  sep: ['delimiter'],
  separator: ['delimiter'],
  charset: ['encoding'],
  dir: ['dir'],
  seed: ['random-seed', 'seed-file'],
  parallelism: ['concurrency'],
  parallel: ['concurrency'],
  jobs: ['concurrency'],
  id: ['referral'],
};

/** Flags other tools spell differently, accepted as refplan's own (documented in its help). */
const ALIASES: Record<string, string> = { '--auto-approve': '--yes' };

/** Words that mean a format, not a file, after -o (kubectl -o json, az -o table). */
const FORMAT_WORDS = new Set(['json', 'yaml', 'yml', 'csv', 'table', 'text', 'tsv', 'wide', 'jsonc', 'md', 'markdown', 'html']);

interface FlagInfo {
  takesValue: boolean;
}

interface FlagTable {
  long: Map<string, FlagInfo>;
  short: Map<string, FlagInfo>;
}

function addOptions(table: FlagTable, options: readonly Option[]): void {
  for (const o of options) {
    const info = { takesValue: o.required || o.optional };
    for (const f of [o.long, o.short]) {
      if (f === undefined) continue;
      if (f.startsWith('--')) table.long.set(f.slice(2), info);
      else table.short.set(f.slice(1), info);
    }
  }
}

function flagTable(program: Command, command: Command | undefined): FlagTable {
  const table: FlagTable = { long: new Map(), short: new Map() };
  addOptions(table, program.options);
  if (command !== undefined) addOptions(table, command.options);
  table.long.set('help', { takesValue: false });
  table.short.set('h', { takesValue: false });
  return table;
}

/** Damerau–Levenshtein (optimal string alignment) distance. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The flag (without dashes) a mistyped or foreign name most likely means, among `known`: first by
 * meaning (the synonym table), then the name exactly, then a flag it is the start of (`--out` →
 * `--output`), then the nearest spelling within a third of its length.
 */
export function suggestFlag(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const has = (f: string) => known.includes(f);
  for (const target of SYNONYMS[lower] ?? []) if (has(target)) return target;
  if (has(lower)) return lower;
  if (lower.length >= 2) {
    const prefixed = known.filter((k) => k.startsWith(lower)).sort((a, b) => a.length - b.length);
    if (prefixed[0] !== undefined) return prefixed[0];
  }
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(lower.length / 3)) + 1;
  for (const k of known) {
    const distance = editDistance(lower, k);
    if (distance < bestDistance) {
      best = k;
      bestDistance = distance;
    }
  }
  return best;
}

function usageHint(command: Command | undefined): string {
  return `run refplan ${command === undefined ? '' : `${command.name()} `}--help for usage`;
}

/** Returns argv with aliases rewritten, or throws a UsageError naming the flag that was meant. */
export function checkArgv(argv: readonly string[], program: Command): string[] {
  const commandIndex = argv.findIndex((a) => !a.startsWith('-'));
  const command = commandIndex < 0 ? undefined : program.commands.find((c) => c.name() === argv[commandIndex] || c.aliases().includes(argv[commandIndex]!));
  if (commandIndex >= 0 && command === undefined) return [...argv]; // commander names the unknown command
  const table = flagTable(program, command);
  const known = [...table.long.keys()];
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    out.push(arg);
    if (arg === '--') {
      out.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const [rawName = '', ...rest] = arg.slice(2).split('=');
      const alias = ALIASES[`--${rawName}`];
      const name = alias !== undefined && table.long.has(alias.slice(2)) ? alias.slice(2) : rawName;
      if (name !== rawName) out[out.length - 1] = `--${name}${rest.length > 0 ? `=${rest.join('=')}` : ''}`;
      const info = table.long.get(name);
      if (info === undefined) {
        const meant = suggestFlag(name, known);
        throw new UsageError(`unknown option '--${rawName}'`, meant === undefined ? usageHint(command) : `did you mean --${meant}? (${usageHint(command)})`);
      }
      if (info.takesValue && rest.length === 0 && i + 1 < argv.length) {
        checkOutputValue(name, argv[i + 1]!, command);
        out.push(argv[++i]!);
      } else if (rest.length > 0) checkOutputValue(name, rest.join('='), command);
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') continue;
    const letters = arg.slice(1);
    if (letters.length === 1) {
      const info = table.short.get(letters);
      if (info?.takesValue === true && i + 1 < argv.length) {
        checkOutputValue(letters, argv[i + 1]!, command);
        out.push(argv[++i]!);
      }
      continue;
    }
    // `-qy`: short boolean flags together are fine; anything else with one dash is a long flag.
    if (/^[A-Za-z]+$/.test(letters) && [...letters].every((l) => table.short.get(l)?.takesValue === false)) continue;
    const [name = '', ...value] = letters.split('=');
    const meant = suggestFlag(name, known);
    const spelled = meant === undefined ? undefined : `--${meant}${value.length > 0 ? `=${value.join('=')}` : ''}`;
    throw new UsageError(
      `unknown option '${arg}': long flags take two dashes`,
      spelled === undefined ? `write --${name}; ${usageHint(command)}` : `did you mean ${spelled}? (${usageHint(command)})`,
    );
  }
  return out;
}

/** `-o json`: a format word where a file name belongs; `-o -` (stdout) and names with a dot pass. */
function checkOutputValue(flag: string, value: string, command: Command | undefined): void {
  if (flag !== 'o' && flag !== 'output') return;
  if (!FORMAT_WORDS.has(value.toLowerCase())) return;
  const example = command?.name() === 'export' ? `-o referrals.${value.toLowerCase() === 'yaml' || value.toLowerCase() === 'yml' ? 'yaml' : 'csv'}` : '-o changes.plan.json';
  const json = command?.options.some((o) => o.long === '--json') === true ? '; --json prints JSON; -o - writes to stdout' : '; -o - writes to stdout';
  throw new UsageError(`-o ${value}: -o takes a file name, and "${value}" looks like a format`, `give a file with its extension, e.g. ${example}${json} (${usageHint(command)})`);
}
