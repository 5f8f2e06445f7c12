/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j] ?? 0
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length] ?? 0
}

/**
 * The candidates closest to what was typed, for "did you mean": within `maxDistance`
 * edits (by default a third of the length, at least 2: more suggests unrelated words),
 * closest first. `ignoreCase` compares in lowercase and prefers candidates that contain
 * what was typed (`gpu` → `gpuPassthrough`).
 */
export function closest(
  target: string,
  candidates: readonly string[],
  options: { limit?: number; ignoreCase?: boolean; maxDistance?: number } = {},
): string[] {
  const fold = (text: string): string => (options.ignoreCase ? text.toLowerCase() : text)
  const typed = fold(target)
  const maxDistance = options.maxDistance ?? Math.max(2, Math.floor(typed.length / 3))
  const scored = [...candidates].map((candidate) => {
    const folded = fold(candidate)
    const contains = options.ignoreCase === true && typed.length >= 3 && folded.includes(typed)
    return { candidate, score: contains ? 0 : editDistance(typed, folded) }
  })
  // A name that contains what was typed beats names that merely look alike.
  const containing = scored.filter(({ score }) => score === 0)
  return (containing.length > 0 ? containing : scored)
    .filter(({ score }) => score <= maxDistance)
    .sort((a, b) => a.score - b.score)
    .slice(0, options.limit ?? 3)
    .map(({ candidate }) => candidate)
}
