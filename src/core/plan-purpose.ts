/**
 * The purpose a plan records (`refplan plan --message "why"`): one line a
 * reviewer reads as the title of the terminal view, the Markdown summary and the
 * HTML report. Checked here, once, for the CLI and library callers alike.
 */

/** The schema's bound (specs/plan.schema.json `message.maxLength`). */
export const PLAN_MESSAGE_MAX = 500;

// Control characters (C0, DEL, C1) and the bidirectional overrides that can make text read differently from what it is.
const UNSAFE = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

export type PlanMessageCheck = { ok: true; message: string } | { ok: false; problem: string };

/** The message trimmed, or why it cannot be recorded. */
export function checkPlanMessage(text: string): PlanMessageCheck {
  const message = text.trim();
  if (message === '') return { ok: false, problem: '--message is empty; say in a few words why this plan exists' };
  const length = [...message].length;
  if (length > PLAN_MESSAGE_MAX) return { ok: false, problem: `--message is ${length} characters; keep it to ${PLAN_MESSAGE_MAX} (a title, not the whole story)` };
  const bad = UNSAFE.exec(message);
  if (bad !== null) {
    const code = `U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    return { ok: false, problem: `--message has a control character (${code}${bad[0] === '\n' ? ', a line break' : ''}) at position ${[...message.slice(0, bad.index)].length + 1}; write it on one line` };
  }
  return { ok: true, message };
}
