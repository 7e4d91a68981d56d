import { nounFor, plural } from '../../core/plural.js';
import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../../core/errors.js';
import type { Plan } from '../../core/plan.js';
import { journalPathFor, replayJournal } from '../../files/journal.js';
import { isProcessAlive } from '../../files/lock-file.js';
import { readPlanToApply } from '../../files/read-plan-to-apply.js';
import type { CliContext } from '../context.js';
import { PlanHumanView } from '../views/plan-view.js';
import { checkApplyFlags, confirm, runApply, type ApplyFlags } from './run-apply.js';

/** The work of `refplan rollback`, loaded only when the command runs (rollback.ts declares it). */
export async function runRollback(ctx: CliContext, file: string, flags: ApplyFlags): Promise<void> {
  checkApplyFlags(ctx, flags);
  refuseUnsealed(file);
  const plan = await readPlanToApply(file);
  if (plan.kind !== 'rollback') {
    throw new UsageError(`${file} is a ${plan.kind} file, not a rollback file`, 'Pass the PLAN.rollback.json that apply wrote next to the plan; to run a plan use `refplan apply`.');
  }
  checkParentRunSettled(file, plan);
  if (settledByEarlierRuns(file, plan)) {
    // Nothing to restore and nothing to ask: apply reports "already restored" and sends nothing.
    await runApply(ctx, plan, file, flags, 'rollback');
    return;
  }
  // The preview goes to stderr with --json, so stdout stays one JSON document.
  new PlanHumanView({ stdout: flags.json === true ? ctx.io.stderr : ctx.io.stdout, env: ctx.io.env }, { limit: 20 }).plan(plan);
  if (plan.entries.length === 0) {
    ctx.io.stdout.write('rollback: nothing to restore.\n');
    return;
  }
  await confirm(ctx, `Restore ${plural(plan.entries.length, 'referral')}?`, flags.yes, 'Rolling back');
  await runApply(ctx, plan, file, flags, 'rollback');
}

/**
 * The rollback file is sealed when its apply ends; an apply killed (or stopped by a full disk)
 * in its first run has journalled what it applied but not yet written the file.
 */
function refuseUnsealed(file: string): void {
  if (existsSync(file) || !file.endsWith('.rollback.json')) return;
  const plan = `${file.slice(0, -'.rollback.json'.length)}.json`;
  if (!existsSync(journalPathFor(plan))) return;
  throw new UsageError(
    `${file} is not written yet: the apply of ${plan} did not finish (it was interrupted, or the disk filled), and the rollback file is written when it does`,
    `Run \`refplan apply ${plan}\` first: it settles what was in flight and writes the rollback file from its journal. Then roll back.`,
  );
}

/** True when this rollback file's own journal shows every entry applied or unchanged: a finished rollback. */
function settledByEarlierRuns(file: string, plan: Plan): boolean {
  if (plan.entries.length === 0) return false;
  try {
    const states = replayJournal(journalPathFor(file), plan.checksum).entries;
    return plan.entries.every((e) => {
      const s = states.get(e.referralId);
      return s !== undefined && !s.inFlight && (s.outcome === 'applied' || s.outcome === 'unchanged');
    });
  } catch {
    return false; // not this file's journal: the run itself explains it
  }
}

/**
 * A rollback file is complete only once its apply has settled every write it
 * sent. If that apply is still running, or was killed with writes in flight,
 * the file may miss an entry: refuse and say how to settle it first.
 */
function checkParentRunSettled(file: string, rollback: Plan): void {
  const parentChecksum = rollback.parentPlanChecksum;
  if (!file.endsWith('.rollback.json') || parentChecksum === undefined) return;
  const base = file.slice(0, -'.rollback.json'.length);
  const lock = `${base}.lock`;
  if (existsSync(lock)) {
    try {
      const info = JSON.parse(readFileSync(lock, 'utf8')) as { pid?: number };
      if (typeof info.pid === 'number' && isProcessAlive(info.pid)) {
        throw new UsageError(`the apply that writes ${file} is still running (process ${info.pid})`, 'Wait for it to finish, then roll back.');
      }
    } catch (e) {
      if (e instanceof UsageError) throw e;
    }
  }
  const journal = `${base}.journal.jsonl`;
  if (!existsSync(journal)) return;
  let replay;
  try {
    replay = replayJournal(journal, parentChecksum);
  } catch {
    return; // not this file's journal: nothing to say about it
  }
  // Applied according to the journal but not (yet) in the file: the apply was killed between
  // the two. Running apply again rebuilds the file from the journal.
  const inFile = new Set([...rollback.entries.map((e) => e.referralId), ...(rollback.notRestorable ?? []).map((n) => n.referralId)]);
  const missing = [...replay.entries.entries()].filter(([id, s]) => s.outcome === 'applied' && !s.inFlight && !inFile.has(id)).length;
  if (missing > 0) {
    throw new UsageError(
      `${file} is missing ${plural(missing, 'applied entry', 'applied entries')} that the journal records (the apply was interrupted before it updated the file)`,
      `Run \`refplan apply ${base}.json\` first: it completes the rollback file from the journal. Then roll back.`,
    );
  }
  const inFlight = [...replay.entries.values()].filter((s) => s.inFlight || s.uncertain === true).length;
  if (inFlight > 0) {
    throw new UsageError(
      `the apply that wrote ${file} was interrupted with ${plural(inFlight, 'write')} not yet settled, so this rollback file may be missing ${nounFor(inFlight, 'it', 'them')}`,
      `Run \`refplan apply ${base}.json\` first: it settles those writes (by reading the referrals) and completes the rollback file. Then roll back.`,
    );
  }
}
