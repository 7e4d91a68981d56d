import { escapeControls } from '../../core/terminal-text.js';
import { setMaxListeners } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { createClient } from '../../api/client.js';
import { resolveClientConfig, type ClientFlags } from '../../api/config.js';
import { baseUrlForPlan, configuredBaseUrl } from '../../api/token-destination.js';
import type { ClientEvent } from '../../api/types.js';
import { UsageError } from '../../core/errors.js';
import type { Plan } from '../../core/plan.js';
import { applyPlan } from '../../engine/apply.js';
import { ExitCode } from '../../core/exit-codes.js';
import { releaseHeldLocks } from '../../files/lock-file.js';
import { checkPrivateTarget } from '../../files/private-file.js';
import type { ApplyEvent, ApplySummary } from '../../engine/events.js';
import type { CliContext } from '../context.js';
import { renderApplySummaryHuman, renderApplySummaryJson } from '../views/apply-summary.js';
import { writeHtmlReport } from '../views/plan-html.js';
import { createProgressView } from '../views/progress.js';

/** Flags apply and rollback share (the client's own flags come from CLIENT_FLAGS). */
export interface ApplyFlags extends ClientFlags {
  rebase?: boolean;
  json?: boolean;
  html?: string;
  yes?: boolean;
}

/**
 * The report is written after the run; a path that cannot take it must be refused
 * before any write is sent, not after the referrals have changed.
 */
function checkWritableTarget(path: string, flag: string): void {
  const folder = dirname(path);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new UsageError(`${flag} ${path}: its folder ${folder} does not exist; nothing was sent`, 'Create the folder first, or write the report elsewhere.');
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new UsageError(`${flag} ${path} is a directory; nothing was sent`, 'Give a file name, e.g. --html results.html.');
  }
  checkPrivateTarget(path, 'HTML report'); // a planted link is refused before anything is sent
}

/**
 * Every flag apply and rollback take, checked before the plan is read or anything is shown: a bad
 * value (or no token) is a usage error with nothing on stdout, no file read and nothing sent. The
 * API the run targets is only known from the plan; runApply checks that it matches afterwards.
 */
export function checkApplyFlags(ctx: CliContext, flags: ApplyFlags): void {
  resolveClientConfig({ flags, env: ctx.io.env });
  if (flags.html !== undefined) checkWritableTarget(flags.html, '--html');
}

/** Client events, as the engine's progress events (so the view listens to one stream). */
export function clientEventToApplyEvent(e: ClientEvent): ApplyEvent | undefined {
  if (e.type === 'retry' && e.reason !== 'throttled') return { type: 'retry', attempt: e.attempt, reason: `${e.method} ${e.reason}${e.status === undefined ? '' : ` ${e.status}`}`, delayMs: e.delayMs };
  if (e.type === 'throttled') return { type: 'throttled', delayMs: e.retryAfterMs ?? 0 };
  return undefined;
}

/**
 * Asks before a write the user has not reviewed as a saved plan. Without a TTY
 * there is nobody to ask: refuse (exit 1) rather than hang on stdin.
 */
export async function confirm(ctx: CliContext, question: string, yes: boolean | undefined, what: string): Promise<void> {
  if (yes === true) return;
  if (ctx.io.stdin.isTTY !== true) {
    throw new UsageError(`${what} needs a confirmation, and there is no terminal to ask on`, 'Review it first, then run again with --yes.');
  }
  const rl = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    const answer = (await rl.question(`${escapeControls(question)} Type "yes" to continue: `)).trim().toLowerCase();
    if (answer !== 'yes' && answer !== 'y') throw new UsageError(`${what} cancelled: nothing was sent`);
  } finally {
    rl.close();
  }
}

/** Runs a plan or rollback file through the engine with progress and the end report; sets the exit code (flags checked by checkApplyFlags). */
export async function runApply(ctx: CliContext, plan: Plan, planPath: string, flags: ApplyFlags, verb: 'apply' | 'rollback'): Promise<ApplySummary> {
  const progress = ctx.quiet === true ? undefined : createProgressView(ctx.io.stderr, { label: verb });
  const onEvent = (e: ApplyEvent): void => progress?.handle(e);
  // The plan names the API it was made against, but anyone who can edit the plan can change that:
  // the token goes only to the API this run is configured for (or to this machine).
  const baseUrl = baseUrlForPlan(plan.baseUrl, configuredBaseUrl(flags, ctx.io.env), planPath);
  const { tokenSource: _source, ...config } = resolveClientConfig({ flags: { ...flags, baseUrl }, env: ctx.io.env });
  const client = createClient({
    ...config,
    onEvent: (e: ClientEvent) => {
      const mapped = clientEventToApplyEvent(e);
      if (mapped !== undefined) onEvent(mapped);
    },
  });
  // First Ctrl+C: nothing more is sent; requests on the wire finish and are journalled, the
  // files are written. A second one exits at once (130), releasing the lock: every journal line
  // is one complete write, so the next run settles what was on the wire by reading it.
  const abort = new AbortController();
  // Every request waiting for a slot, a rate token or a retry listens on this one signal: more than
  // Node's default 10 is normal, not a leak, and its warning would land in the user's output.
  setMaxListeners(0, abort.signal);
  const onSigint = (): void => {
    if (!abort.signal.aborted) {
      abort.abort();
      onEvent({ type: 'warning', message: `interrupted: sending nothing more, finishing the requests already sent (Ctrl+C again to stop at once; running the same command continues)` });
      return;
    }
    releaseHeldLocks();
    ctx.io.stderr.write(`\n${verb}: stopped at once (second Ctrl+C); the lock is released and the journal is complete: run the same command to continue.\n`);
    process.exit(ExitCode.interrupted);
  };
  process.on('SIGINT', onSigint);
  let summary: ApplySummary;
  try {
    summary = await applyPlan(plan, {
      signal: abort.signal,
      client,
      planPath,
      rebase: flags.rebase === true,
      // Entries in progress: several per request slot, so fsyncs never leave a slot idle.
      concurrency: Math.max(32, (config.concurrency ?? 8) * 4),
      onEvent,
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
    progress?.finish();
    await client.close();
  }
  if (flags.html !== undefined) {
    await writeHtmlReport(flags.html, {
      plan,
      results: summary.results.map((r) => ({
        referralId: r.referralId,
        outcome: r.outcome,
        ...(r.message === undefined ? {} : { message: r.message }),
        ...(r.changedSincePlan === undefined ? {} : { diff: r.changedSincePlan.map((d) => ({ path: d.path, expected: d.planned, actual: d.now, planned: plan.entries.find((e) => e.referralId === r.referralId)?.after[d.path] ?? null })) }),
        retries: Math.max(0, r.attempts - 1),
      })),
    });
  }
  ctx.io.stdout.write(flags.json === true ? renderApplySummaryJson(summary) : renderApplySummaryHuman(summary, { verb, ...(ctx.passedFlags === undefined ? {} : { passed: ctx.passedFlags }) }));
  ctx.exitCode = summary.exitCode;
  return summary;
}
