import { plural } from '../../core/plural.js';
import type { Plan } from '../../core/plan.js';
import { changeSummary, kindTitle, selectEntries, type DisplayOptions } from './plan-display.js';
import { escapeControls as shown } from '../../core/terminal-text.js';
import { padEnd, truncate, widthOf, wrap } from './text-fit.js';

/**
 * `show --format table`: one line per referral (kubectl get style), for a
 * reviewer scanning thousands of entries or a pipe into grep. The id is never
 * cut (it is what people search for); the name and the change share what is left.
 */

export interface TablePlanOptions extends DisplayOptions {
  /** Columns every line fits into; default 80. */
  width?: number;
  /** At most this many rows (default: all). */
  limit?: number;
  referralIds?: readonly string[];
}

const NAME_MAX = 32;

export function renderPlanTable(plan: Plan, options: TablePlanOptions = {}): string {
  const width = options.width ?? 80;
  const selected = selectEntries(plan, options.referralIds);
  const rows = selected.slice(0, options.limit ?? selected.length).map((e) => ({
    mark: e.irreversible ? '!' : ' ',
    id: shown(e.referralId),
    name: shown(e.label ?? ''),
    change: shown(changeSummary(e, options)),
  }));
  const out: string[] = [];
  const title = `${kindTitle(plan)} ${plan.checksum.slice(0, 12)}${plan.message === undefined ? '' : `: ${shown(plan.message)}`}`;
  out.push(...wrap(title, width, '', '  '));
  const idW = Math.max(widthOf('REFERRAL'), ...rows.map((r) => widthOf(r.id)));
  const nameNeed = Math.max(widthOf('NAME'), ...rows.map((r) => widthOf(r.name)));
  // The change column keeps at least 20 columns; the name gets up to NAME_MAX of the rest.
  const free = width - 2 - idW - 2 - 2;
  const nameW = Math.max(4, Math.min(nameNeed, NAME_MAX, free - 20));
  const changeW = Math.max(8, free - nameW);
  const line = (mark: string, id: string, name: string, change: string) =>
    truncate(`${mark} ${padEnd(id, idW)}  ${padEnd(truncate(name, nameW), nameW)}  ${truncate(change, changeW)}`.trimEnd(), width);
  out.push(line(' ', 'REFERRAL', 'NAME', 'CHANGE'));
  for (const r of rows) out.push(line(r.mark, r.id, r.name, r.change));
  const irreversible = selected.filter((e) => e.irreversible).length;
  const more = selected.length - rows.length;
  const footer = [
    plural(selected.length, 'referral'),
    ...(irreversible > 0 ? [`${irreversible.toLocaleString('en-US')} irreversible (!)`] : []),
    ...(more > 0 ? [`${more.toLocaleString('en-US')} not shown (--limit)`] : []),
  ].join(' · ');
  out.push(truncate(footer, width));
  return out.join('\n') + '\n';
}
