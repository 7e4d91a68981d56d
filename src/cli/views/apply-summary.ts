import type { ApplySummary, EntryResult } from '../../engine/events.js';
import { hintForPassedFlags, type PassedFlags } from '../../core/hint-flags.js';
import { nounFor, plural } from '../../core/plural.js';
import { formatLocation } from '../../core/diagnostics.js';
import { escapeControlsDeep, jsonForTerminal } from '../../core/terminal-text.js';

/**
 * The end-of-run report of apply/rollback, rendered from the ApplySummary only.
 * Human: counts, then every entry that needs attention (conflicts with their
 * field diffs, failures) up to `limit`, then where the files are. JSON: the
 * summary object itself.
 */
const ATTENTION_LIMIT = 20;

/** `passed`: the flags on the command line; the end hint never suggests one of them again. */
export function renderApplySummaryHuman(input: ApplySummary, options: { verb?: string; limit?: number; passed?: PassedFlags } = {}): string {
  // Labels, messages from the API and file names: terminal-safe once, before formatting.
  const s = escapeControlsDeep(input);
  const verb = options.verb ?? 'apply';
  const c = s.counts;
  const out: string[] = [];
  const parts = [`${c.applied} applied`, `${c.unchanged} unchanged`, plural(c.conflict, 'conflict'), `${c.failed} failed`];
  if (c.skipped > 0) parts.push(`${c.skipped} skipped`);
  const earlier = s.results.filter((r) => r.earlierRun === true).length;
  if (s.nothingToApply === true) {
    return `${verb}: nothing to apply: the ${s.kind === 'rollback' ? 'rollback file' : 'plan'} has no entries; nothing sent, no file written.\n`;
  }
  if (s.alreadyDone === true) {
    const what = s.kind === 'rollback' ? 'already restored' : 'already applied';
    out.push(`${verb}: ${what}: ${s.total === 1 ? 'the entry was' : `all ${plural(s.total, 'entry', 'entries')} were`} settled by earlier runs (see the journal); nothing sent.`);
    out.push(`results:  ${s.files.results}`);
    out.push(`rollback: ${s.files.rollback}`);
    out.push(`journal:  ${s.files.journal}`);
    return out.join('\n') + '\n';
  }
  if (s.interrupted === true) return renderInterrupted(s, verb, earlier, options.limit ?? ATTENTION_LIMIT);
  out.push(`${verb}: ${plural(s.total, 'entry', 'entries')}: ${parts.join(', ')}${earlier > 0 ? ` (${earlier} settled by an earlier run)` : ''}.`);
  out.push(`${verb}: ${plural(s.requests, 'request')}, ${plural(s.retries, 'retry', 'retries')}, ${(s.durationMs / 1000).toFixed(1)}s.`);
  const attention = s.results.filter((r) => r.outcome === 'conflict' || r.outcome === 'failed' || r.outcome === 'skipped');
  const limit = options.limit ?? ATTENTION_LIMIT;
  for (const r of attention.slice(0, limit)) out.push(...renderAttention(r));
  if (attention.length > limit) out.push(`  … and ${attention.length - limit} more (see ${s.files.results})`);
  out.push(`results:  ${s.files.results}`);
  out.push(`rollback: ${s.files.rollback}${s.notRestorable > 0 ? ` (${plural(s.notRestorable, 'applied entry', 'applied entries')} cannot be undone through the API; listed there as not restorable)` : ''}`);
  out.push(`journal:  ${s.files.journal}`);
  if (s.exitCode === 4) {
    const hint = `Conflicts were not overwritten. Re-plan those referrals, or run ${verb} again with --rebase to apply entries whose own fields did not change.`;
    out.push(hintForPassedFlags(hint, options.passed ?? new Map()) ?? '');
  }
  if (s.exitCode === 5) out.push(`Some entries failed. Running the same command again retries only the conflicts and failures.`);
  return out.join('\n') + '\n';
}

/**
 * Stopped by Ctrl+C: what happened, in counts (the skipped entries are not failures and are
 * not listed one by one: the results file has them), and the one thing to do next.
 */
function renderInterrupted(s: ApplySummary, verb: string, earlier: number, limit: number): string {
  const c = s.counts;
  const parts = [`${c.applied} applied`, `${c.unchanged} unchanged`];
  if (c.conflict > 0) parts.push(plural(c.conflict, 'conflict'));
  if (c.failed > 0) parts.push(`${c.failed} failed`);
  parts.push(`${c.skipped} not started`);
  const out = [
    `${verb}: stopped (Ctrl+C): ${parts.join(', ')} of ${plural(s.total, 'entry', 'entries')}${earlier > 0 ? ` (${earlier} settled by an earlier run)` : ''}.`,
    `${verb}: ${plural(s.requests, 'request')}, ${plural(s.retries, 'retry', 'retries')}, ${(s.durationMs / 1000).toFixed(1)}s; requests already sent were finished and recorded, nothing else was sent.`,
  ];
  const attention = s.results.filter((r) => r.outcome === 'conflict' || r.outcome === 'failed');
  for (const r of attention.slice(0, limit)) out.push(...renderAttention(r));
  if (attention.length > limit) out.push(`  … and ${attention.length - limit} more (see ${s.files.results})`);
  if (c.skipped > 0) out.push(`The ${plural(c.skipped, 'entry', 'entries')} not started ${nounFor(c.skipped, 'is', 'are')} listed in ${s.files.results} (outcome "skipped").`);
  out.push(`results:  ${s.files.results}`);
  out.push(`rollback: ${s.files.rollback}${s.notRestorable > 0 ? ` (${plural(s.notRestorable, 'applied entry', 'applied entries')} cannot be undone through the API; listed there as not restorable)` : ''}`);
  out.push(`journal:  ${s.files.journal}`);
  out.push(`Run the same command to continue: it sends only what is not done yet, never a write twice.`);
  return out.join('\n') + '\n';
}

function renderAttention(r: EntryResult): string[] {
  const where = r.sources.length > 0 ? ` (${r.sources.map(formatLocation).join('; ')})` : '';
  const lines = [`  ${r.outcome.toUpperCase()} ${r.referralId}${r.label === undefined ? '' : ` "${r.label}"`}${where}: ${r.message ?? ''}`];
  for (const d of r.changedSincePlan ?? []) lines.push(`      ${d.path}: planned from ${shown(d.planned)}, now ${shown(d.now)}`);
  return lines;
}

/** A value already made terminal-safe, quoted as JSON would (without escaping its escapes twice). */
function shown(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : JSON.stringify(v);
}

export function renderApplySummaryJson(s: ApplySummary): string {
  return jsonForTerminal(s, 2) + '\n';
}
