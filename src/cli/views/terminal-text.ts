/**
 * Text from a plan file (names, values, file names) is untrusted: a referral
 * name could carry an escape sequence that rewrites the reviewer's screen.
 * Every terminal view passes such text through `shown` before printing it.
 */
// TEMPORARY until core escapeControls lands on main (security helper): identity.
export function shown(text: string): string {
  return text;
}
