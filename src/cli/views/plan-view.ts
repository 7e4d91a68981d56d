import type { Writable } from 'node:stream';
import type { Plan } from '../../core/plan.js';
import { jsonForTerminal } from '../../core/terminal-text.js';
import { renderPlanCsv } from './plan-csv.js';
import { renderPlanHuman, type HumanPlanOptions } from './plan-human.js';
import { colorEnabled } from '../terminal.js';
import { renderPlanMarkdown } from './plan-markdown.js';
import { renderPlanTable } from './plan-table.js';
import { terminalWidth } from './text-fit.js';

/**
 * One interface, several renderings (terraform's views/apply.go): commands pick
 * a format and hand the view the plan; the view owns formatting and the stream.
 * Every rendering reads the same document, so they cannot drift.
 */
export interface PlanView {
  plan(plan: Plan): void;
}

export interface ViewStreams {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

export const PLAN_FORMATS = ['human', 'json', 'table', 'csv', 'markdown'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

export type PlanViewOptions = Omit<HumanPlanOptions, 'color' | 'width'>;

/** Colour only on a TTY, unless NO_COLOR, --no-color, TERM=dumb or FORCE_COLOR say otherwise (terminal.ts). */
export { colorEnabled };

/** The plan in one format, as text. `limit` caps entries in human and Markdown by default, in table and CSV only when given. */
export function renderPlanAs(plan: Plan, format: PlanFormat, options: HumanPlanOptions = {}): string {
  switch (format) {
    case 'human':
      return renderPlanHuman(plan, options);
    case 'json':
      return renderPlanJson(plan);
    case 'table':
      return renderPlanTable(plan, options);
    case 'csv':
      return renderPlanCsv(plan, options);
    case 'markdown':
      return renderPlanMarkdown(plan, options);
    default: {
      const never: never = format;
      throw new Error(`unknown plan format ${String(never)}`);
    }
  }
}

export class PlanFormatView implements PlanView {
  constructor(
    private readonly format: PlanFormat,
    private readonly streams: ViewStreams,
    private readonly options: PlanViewOptions = {},
  ) {}

  plan(plan: Plan): void {
    const { stdout, env } = this.streams;
    this.streams.stdout.write(renderPlanAs(plan, this.format, { ...this.options, color: colorEnabled(stdout, env), width: terminalWidth(stdout, env) }));
  }
}

export class PlanHumanView extends PlanFormatView {
  constructor(streams: ViewStreams, options: PlanViewOptions = {}) {
    super('human', streams, options);
  }
}

export class PlanJsonView extends PlanFormatView {
  constructor(streams: ViewStreams) {
    super('json', streams);
  }
}

/** The plan document itself, as written to disk (unmasked: it is what apply executes). */
export function renderPlanJson(plan: Plan): string {
  return jsonForTerminal(plan, 2) + '\n';
}

/** `true`/`false` are the old `--json` switch. */
export function createPlanView(format: PlanFormat | boolean, streams: ViewStreams, options: PlanViewOptions = {}): PlanView {
  const chosen: PlanFormat = format === true ? 'json' : format === false ? 'human' : format;
  return new PlanFormatView(chosen, streams, options);
}
