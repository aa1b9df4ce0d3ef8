// Near-miss suggestions for unknown configuration keys ("tarrif_index" → "tariff_index").
// Levenshtein distance ≤ 2 after folding case, camelCase, '-', '.' and spaces into snake_case.

/** Lower-case snake_case form of a key as a person might have typed it (`tariffIndex`, `Tariff-Index`). */
function fold(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[-. ]+/g, '_');
}

/** Levenshtein distance of a and b, or `limit + 1` as soon as it must exceed `limit`. */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = new Array<number>(b.length + 1);
  let current = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > limit) return limit + 1;
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

/**
 * The known key closest to `key` within edit distance 2, or undefined. Ties go to the key that
 * comes first in `known`.
 * @example
 * suggestKey('tarrif_index', ['tariff_index', 'key_type']); // 'tariff_index'
 */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const folded = fold(key);
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(folded, candidate, 2);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
