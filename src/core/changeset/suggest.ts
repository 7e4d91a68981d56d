/**
 * "Did you mean" suggestions: the closest candidate by edit distance,
 * compared case-insensitively, when it is close enough to be a typo.
 */

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? Math.max(a.length, b.length);
}

/** Letters and digits only, lower case: `Marketing qualified` and `marketing_qualified` both match `MarketingQualified`. */
export function looseKey(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The closest candidate, or undefined when nothing is plausibly a typo of `input`. */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  if (needle.length > 64) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(needle, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(needle.length / 3));
  if (bestDistance <= limit) return best;
  // A shortened name (closingDate for closingDateTime) is far by edit distance but plainly meant.
  if (needle.length >= 5) return candidates.find((c) => c.toLowerCase().startsWith(needle));
  return undefined;
}

/** "did you mean X?" or a list of the accepted values when there is no close one. */
export function suggestionHint(input: string, candidates: readonly string[], what: string): string {
  const s = suggest(input, candidates);
  if (s !== undefined) return `did you mean "${s}"?`;
  return `use one of the ${what}: ${candidates.join(', ')}`;
}
