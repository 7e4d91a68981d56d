/** Text as HTML: the five characters that could open markup or end an attribute. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/**
 * A value as JSON inside `<script type="application/json">`: `<` is written as
 * \u003c so no text (`</script>`, `<!--`) can end the element early, and
 * U+2028/U+2029 as escapes; JSON.parse reads back the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
