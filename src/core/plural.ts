/** `1 retry`, `2 retries`, `1,604 referrals`: a count with its noun in the right number. */
export function plural(n: number, singular: string, pluralForm?: string): string {
  const word = n === 1 ? singular : (pluralForm ?? (/[^aeiou]y$/.test(singular) ? `${singular.slice(0, -1)}ies` : /(s|x|ch|sh)$/.test(singular) ? `${singular}es` : `${singular}s`));
  return `${n.toLocaleString('en-US')} ${word}`;
}
