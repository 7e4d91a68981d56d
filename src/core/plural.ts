/** `1 retry`, `2 retries`, `1,604 referrals`: a count with its noun in the right number. */
export function plural(n: number, singular: string, pluralForm?: string): string {
  return `${n.toLocaleString('en-US')} ${nounFor(n, singular, pluralForm)}`;
}

/** The noun (or verb) alone in the number the count asks for: `nounFor(n, 'is', 'are')`, `nounFor(n, 'entry')`. */
export function nounFor(n: number, singular: string, pluralForm?: string): string {
  if (n === 1) return singular;
  return pluralForm ?? (/[^aeiou]y$/.test(singular) ? `${singular.slice(0, -1)}ies` : /(s|x|ch|sh)$/.test(singular) ? `${singular}es` : `${singular}s`);
}
