import { plural } from '../../core/plural.js';
import { escapeControls } from '../../core/terminal-text.js';
import type { ApplyEvent } from '../../engine/events.js';

/**
 * Apply progress, driven only by engine events. On a TTY: one line rewritten in
 * place (done/total, rate, ETA, retries, conflicts, failures). Not on a TTY (CI
 * logs, pipes): a plain line every `intervalMs` and one at the end, so a log
 * shows the run moving without thousands of lines.
 */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  now?: () => number;
  /** Non-TTY line interval. */
  intervalMs?: number;
  /** TTY redraw throttle. */
  redrawMs?: number;
  /** Line prefix: the command (`apply`, `rollback`). */
  label?: string;
}

export interface ProgressView {
  handle(e: ApplyEvent): void;
  /** Ends the line (TTY) and stops timers. */
  finish(): void;
}

export function createProgressView(stream: ProgressStream, options: ProgressOptions = {}): ProgressView {
  const now = options.now ?? Date.now;
  const tty = stream.isTTY === true;
  const intervalMs = options.intervalMs ?? 2000;
  const redrawMs = options.redrawMs ?? 100;
  const label = options.label ?? 'apply';
  let total = 0;
  let done = 0;
  let doneThisRun = 0;
  let started = now();
  let retries = 0;
  let throttled = 0;
  let conflicts = 0;
  let failed = 0;
  let notStarted = 0;
  let lastDraw = 0;
  let drawn = false;
  let timer: NodeJS.Timeout | undefined;

  const line = (): string => {
    const elapsed = Math.max(0.001, (now() - started) / 1000);
    const rate = doneThisRun / elapsed;
    const remaining = total - done;
    const eta = rate > 0 ? formatDuration(remaining / rate) : '?';
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
    const parts = [`${done}/${total} (${pct}%)`, `${rate.toFixed(1)}/s`, `ETA ${remaining === 0 ? '0s' : eta}`, `retries ${retries}`];
    if (throttled > 0) parts.push(`throttled ${throttled}`);
    parts.push(`conflicts ${conflicts}`);
    if (failed > 0) parts.push(`failed ${failed}`);
    if (notStarted > 0) parts.push(`stopped, ${notStarted} not sent`);
    return `${label}: ${parts.join(' · ')}`;
  };

  const draw = (force: boolean): void => {
    const t = now();
    if (tty) {
      if (!force && t - lastDraw < redrawMs) return;
      lastDraw = t;
      const text = line();
      const width = stream.columns ?? 120;
      stream.write(`\r\x1b[2K${text.length > width - 1 ? text.slice(0, width - 1) : text}`);
      drawn = true;
    } else {
      lastDraw = t;
      stream.write(line() + '\n');
    }
  };

  return {
    handle(e) {
      switch (e.type) {
        case 'start':
          total = e.total;
          done = e.earlier;
          started = now();
          if (e.earlier > 0) {
            if (tty && drawn) stream.write('\n');
            stream.write(`${label}: resuming: ${e.earlier} of ${plural(e.total, 'entry', 'entries')} settled by an earlier run; ${e.toRun} to go\n`);
          }
          draw(true);
          if (!tty) {
            timer = setInterval(() => draw(true), intervalMs);
            timer.unref();
          }
          break;
        case 'entry-done':
          // A skipped entry (Ctrl+C) is not settled: the next run sends it, so it is not done.
          if (e.result.outcome === 'skipped') notStarted += 1;
          else doneThisRun += 1;
          done = e.done - notStarted;
          if (e.result.outcome === 'conflict') conflicts += 1;
          if (e.result.outcome === 'failed') failed += 1;
          if (tty) draw(false);
          break;
        case 'retry':
          retries += 1;
          if (tty) draw(false);
          break;
        case 'throttled':
          throttled += 1;
          if (tty) draw(false);
          break;
        case 'warning':
          if (tty && drawn) stream.write('\r\x1b[2K');
          stream.write(`${label}: warning: ${escapeControls(e.message)}\n`);
          if (tty && drawn) draw(true);
          break;
        case 'done':
          draw(true);
          this.finish();
          break;
        case 'entry-start':
        case 'resolving':
          break;
        default: {
          const never: never = e;
          void never;
        }
      }
    },
    finish() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      if (tty && drawn) {
        stream.write('\n');
        drawn = false;
      }
    },
  };
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
