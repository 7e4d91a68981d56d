import { plural } from '../../core/plural.js';
import { formatDuration, type ProgressStream } from './progress.js';

/**
 * Progress of a long read (export's pages, plan's reads): one line rewritten in place on a
 * TTY — requests, referrals read (of the total when the API said it), matched, ETA. Nothing at
 * all off a TTY or with --quiet: a log or a pipe gets only the result. Driven by engine events.
 */
export interface ReadProgress {
  update(p: { requests: number; read: number; matched?: number; total?: number }): void;
  finish(): void;
}

export function createReadProgress(stream: ProgressStream, options: { label: string; quiet?: boolean; now?: () => number; redrawMs?: number }): ReadProgress {
  if (stream.isTTY !== true || options.quiet === true) return { update: () => undefined, finish: () => undefined };
  const now = options.now ?? Date.now;
  const redrawMs = options.redrawMs ?? 100;
  const started = now();
  let lastDraw = -Infinity;
  let drawn = false;
  return {
    update(p) {
      const t = now();
      if (t - lastDraw < redrawMs) return;
      lastDraw = t;
      const parts = [plural(p.requests, 'request'), `${p.read.toLocaleString('en-US')}${p.total === undefined ? '' : ` of ${p.total.toLocaleString('en-US')}`} referrals read`];
      if (p.matched !== undefined) parts.push(`${p.matched.toLocaleString('en-US')} matched`);
      const elapsed = (t - started) / 1000;
      if (p.total !== undefined && p.read > 0 && elapsed > 0) parts.push(`ETA ${formatDuration(((p.total - p.read) * elapsed) / p.read)}`);
      const text = `${options.label}: ${parts.join(' · ')}`;
      const width = stream.columns ?? 80;
      stream.write(`\r\x1b[2K${text.length > width - 1 ? text.slice(0, width - 1) : text}`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
