import type { Writable } from 'node:stream';
import type { Plan } from '../../core/plan.js';
import { jsonForTerminal } from '../../core/terminal-text.js';
import { renderPlanHuman, type HumanPlanOptions } from './plan-human.js';

/**
 * One interface, two renderings (terraform's views/apply.go): commands pick a
 * view from `--json` and hand it the plan; the view owns formatting and the
 * stream. Both render the same document, so they cannot drift.
 */
export interface PlanView {
  plan(plan: Plan): void;
}

export interface ViewStreams {
  stdout: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export type PlanViewOptions = Omit<HumanPlanOptions, 'color'>;

/** Colour only on a TTY, never when NO_COLOR is set (to anything non-empty, per no-color.org) or TERM=dumb. */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return stream.isTTY === true;
}

export class PlanHumanView implements PlanView {
  constructor(
    private readonly streams: ViewStreams,
    private readonly options: PlanViewOptions = {},
  ) {}

  plan(plan: Plan): void {
    this.streams.stdout.write(renderPlanHuman(plan, { ...this.options, color: colorEnabled(this.streams.stdout, this.streams.env) }));
  }
}

export class PlanJsonView implements PlanView {
  constructor(private readonly streams: ViewStreams) {}

  plan(plan: Plan): void {
    this.streams.stdout.write(renderPlanJson(plan));
  }
}

/** The plan document itself, as written to disk (unmasked: it is what apply executes). */
export function renderPlanJson(plan: Plan): string {
  return jsonForTerminal(plan, 2) + '\n';
}

export function createPlanView(json: boolean, streams: ViewStreams, options: PlanViewOptions = {}): PlanView {
  return json ? new PlanJsonView(streams) : new PlanHumanView(streams, options);
}
