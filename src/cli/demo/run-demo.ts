import { escapeControls } from '../../core/terminal-text.js';
import { plural } from '../../core/plural.js';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '../../api/client.js';
import { createStaticTokenProvider } from '../../api/token.js';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { writePrivateFileAtomic } from '../../files/private-file.js';
import type { CliIO } from '../context.js';
import { editLikeAUser } from './edit-like-a-user.js';

export interface DemoOptions {
  /** Folder for the demo's files (recreated). */
  dir: string;
  /** Referrals the embedded emulator generates. */
  referrals: number;
  /** Runs one refplan command in-process, as the user would type it. */
  runCommand: (argv: string[], io: CliIO) => Promise<number>;
}

// Any bearer token satisfies the emulator; a real run takes REFPLAN_TOKEN or --token-command.
const DEMO_TOKEN = 'demo-token-not-a-secret';

/**
 * The tour a newcomer runs first (`npm start`): the real commands against an
 * embedded emulator, each printed before it runs.
 */
export async function runDemo(io: CliIO, options: DemoOptions): Promise<number> {
  // Paths come from --dir: printed with their control characters escaped.
  const say = (text: string) => io.stdout.write(`${escapeControls(text, { multiline: true })}\n`);
  const dir = options.dir;
  // Paths as the user would type them: relative inside the current folder, absolute outside it.
  const rel = (p: string) => {
    const r = relative(io.cwd, p);
    return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? p : r;
  };
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });

  say('refplan demo: the whole workflow against an embedded emulator of the referrals API.\n');
  const emulator = await startEmulator({ generate: options.referrals, randomSeed: 7, latencyMs: 2, log: () => undefined });
  let failed = false;
  try {
    say(`Emulator listening at ${emulator.url} with ${plural(options.referrals, 'generated referral')}.`);
    const env = { ...io.env, REFPLAN_BASE_URL: emulator.url, REFPLAN_TOKEN: DEMO_TOKEN, NO_COLOR: io.env['NO_COLOR'] ?? '' };
    const commandIO: CliIO = { ...io, env };
    const run = async (title: string, argv: string[], expect: number[] = [0]): Promise<number> => {
      say(`\n── ${title}`);
      say(`$ refplan ${argv.map(quoteArg).join(' ')}`);
      const code = await options.runCommand(argv, commandIO);
      if (!expect.includes(code)) {
        failed = true;
        throw new Error(`the demo expected exit ${expect.join(' or ')} from "refplan ${argv[0]}", got ${code}`);
      }
      return code;
    };

    const csv = join(dir, 'active.csv');
    const plan = join(dir, 'plan.json');
    await run('1. Export a slice of the pipeline to a spreadsheet', ['export', '--where', 'status=Active', '-o', rel(csv)]);

    say('\n── 2. Edit it the way a user would in Excel');
    const edits = await editLikeAUser(csv);
    say(`   raised the deal value on ${plural(edits.dealValueRaised.length, 'row')}, closed ${edits.closedLost.length} as Lost with a reason, added notes to ${edits.notesAdded.length}.`);

    await run('3. Validate the edited file offline (nothing is sent)', ['validate', rel(csv)]);
    await run('4. Plan: read nothing more, diff the edited cells, judge every status move', ['plan', rel(csv), '-o', rel(plan), '--limit', '3']);

    const contested = edits.dealValueRaised[0];
    if (contested !== undefined) {
      say('\n── 5. Meanwhile another user changes one of those referrals in the portal');
      const other = createClient({ baseUrl: emulator.url, token: createStaticTokenProvider('another-user') });
      try {
        await other.patchReferral(contested, [{ op: 'replace', path: '/details/dealValue', value: 99999 }], {});
      } finally {
        await other.close();
      }
      say(`   referral ${contested}: dealValue set to 99999 by someone else after the plan was made.`);
    }

    const applyCode = await run('6. Apply the plan: If-Match on every write, so that edit is not overwritten', ['apply', rel(plan)], [0, 4]);
    if (applyCode === 4) say('   exit 4: one conflict reported, the other user\'s edit kept; everything else applied.');

    const rollback = join(dir, 'plan.rollback.json');
    await run('7. Preview, then roll back what the apply did', ['show', rel(rollback), '--limit', '2']);
    await run('   …and restore it', ['rollback', rel(rollback), '--yes']);

    const legacy = await writeLegacyPutBody(emulator, dir);
    if (legacy !== undefined) {
      const migration = join(dir, 'migration.json');
      await run('8. Migrate a legacy full-document PUT body to a minimal PATCH plan', ['migrate', rel(legacy), '-o', rel(migration)]);
      await run('   the migration plan is a normal plan', ['show', rel(migration)]);
    }

    say('\n── Done');
    say(`Files are in ${rel(dir)}/: the spreadsheet, the plan, its journal, results CSV and rollback file, and the migration plan.`);
    say('Try next:');
    say(`  npx refplan show ${rel(plan)} --html ${rel(join(dir, 'report.html'))}   # a report for a reviewer`);
    say('  npx refplan emulator --generate 1000            # an emulator of your own, then point REFPLAN_BASE_URL at it');
    const mistakes = await copyMistakesSample(dir);
    if (mistakes !== undefined) say(`  npx refplan validate ${rel(mistakes)}   # what refplan says about a bad spreadsheet`);
    return 0;
  } catch (e) {
    if (!failed) throw e;
    io.stderr.write(`refplan demo: ${escapeControls((e as Error).message)}\n`);
    return 1;
  } finally {
    await emulator.close();
  }
}

/** The package's samples/mistakes.csv, copied into the demo folder (it exists in the repo and in the npm package alike). */
async function copyMistakesSample(dir: string): Promise<string | undefined> {
  // dist/src/cli/demo/ (built) or src/cli/demo/ (sources): the package root is three or four folders up.
  const candidates = ['../../../samples/mistakes.csv', '../../../../samples/mistakes.csv'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const sample = candidates.find((p) => existsSync(p));
  if (sample === undefined) return undefined;
  const target = join(dir, 'mistakes.csv');
  await copyFile(sample, target);
  return target;
}

function quoteArg(arg: string): string {
  return /^[\w./=:@-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A body as a legacy integration would PUT it: the whole document, links and all, trailing comma included. */
async function writeLegacyPutBody(emulator: EmulatorHandle, dir: string): Promise<string | undefined> {
  const target = emulator.store.all().find((r) => r.status === 'Active');
  if (target === undefined) return undefined;
  const body = { ...target, details: { ...(target.details ?? {}), notes: 'Updated by the legacy CRM sync' } };
  const text = JSON.stringify(body, null, 2).replace(/\n}$/, ',\n}');
  const path = join(dir, 'legacy-put.json');
  await writePrivateFileAtomic(path, text, { what: 'demo file' });
  return path;
}
