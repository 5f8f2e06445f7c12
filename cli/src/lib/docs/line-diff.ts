/**
 * A unified diff of two texts, line by line (the shape `diff -u` and git print), so that a
 * stale generated section shows exactly what would change. Longest common subsequence on
 * the lines that differ, after the common head and tail are set aside.
 */

type Edit = { kind: ' ' | '-' | '+'; text: string }

function editScript(before: readonly string[], after: readonly string[]): Edit[] {
  let head = 0
  while (head < before.length && head < after.length && before[head] === after[head]) head += 1
  let tail = 0
  while (tail < before.length - head && tail < after.length - head && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail += 1
  const a = before.slice(head, before.length - tail)
  const b = after.slice(head, after.length - tail)
  const same = (text: string): Edit => ({ kind: ' ', text })
  const outside = (middle: Edit[]) => [...before.slice(0, head).map(same), ...middle, ...before.slice(before.length - tail).map(same)]
  // Past a few million cells the table costs more than a readable diff is worth: replace the block whole.
  if (a.length * b.length > 4_000_000) {
    return outside([...a.map((text): Edit => ({ kind: '-', text })), ...b.map((text): Edit => ({ kind: '+', text }))])
  }
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..], in one flat array.
  const width = b.length + 1
  const lcs = new Uint32Array((a.length + 1) * width)
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      lcs[i * width + j] = a[i] === b[j] ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0)
    }
  }
  const middle: Edit[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      middle.push({ kind: ' ', text: a[i] ?? '' })
      i += 1
      j += 1
    } else if (i < a.length && (j === b.length || (lcs[(i + 1) * width + j] ?? 0) >= (lcs[i * width + j + 1] ?? 0))) {
      // Removals before additions, as diff -u prints a changed block.
      middle.push({ kind: '-', text: a[i] ?? '' })
      i += 1
    } else {
      middle.push({ kind: '+', text: b[j] ?? '' })
      j += 1
    }
  }
  return outside(middle)
}

export interface DiffOptions {
  /** Names for the `---` and `+++` lines. */
  fromName: string
  toName: string
  /** Added to every line number (the section's first line in its document, minus one). */
  lineOffset?: number
  /** Unchanged lines shown around each change. */
  context?: number
}

export interface LineDiff {
  /** The unified diff, empty when the texts are equal. */
  text: string
  added: number
  removed: number
}

export function unifiedDiff(before: string, after: string, options: DiffOptions): LineDiff {
  if (before === after) return { text: '', added: 0, removed: 0 }
  const split = (text: string) => (text === '' ? [] : text.split('\n'))
  const edits = editScript(split(before), split(after))
  const context = options.context ?? 3
  const offset = options.lineOffset ?? 0
  const changed = edits.map((edit, index) => (edit.kind === ' ' ? -1 : index)).filter((index) => index >= 0)

  // Group changes whose context overlaps into one hunk.
  const hunks: [number, number][] = []
  for (const index of changed) {
    const from = Math.max(0, index - context)
    const to = Math.min(edits.length, index + context + 1)
    const last = hunks[hunks.length - 1]
    if (last && from <= last[1]) last[1] = Math.max(last[1], to)
    else hunks.push([from, to])
  }

  const lines = [`--- ${options.fromName}`, `+++ ${options.toName}`]
  // Line numbers of the first edit of each hunk, in both texts.
  let oldLine = 1
  let newLine = 1
  let position = 0
  for (const [from, to] of hunks) {
    for (; position < from; position += 1) {
      const kind = edits[position]?.kind
      if (kind !== '+') oldLine += 1
      if (kind !== '-') newLine += 1
    }
    const slice = edits.slice(from, to)
    const oldCount = slice.filter((edit) => edit.kind !== '+').length
    const newCount = slice.filter((edit) => edit.kind !== '-').length
    const start = (line: number, count: number) => (count === 0 ? line - 1 + offset : line + offset)
    lines.push(`@@ -${start(oldLine, oldCount)},${oldCount} +${start(newLine, newCount)},${newCount} @@`)
    for (const edit of slice) lines.push(`${edit.kind}${edit.text}`)
    oldLine += oldCount
    newLine += newCount
    position = to
  }
  return {
    text: lines.join('\n'),
    added: edits.filter((edit) => edit.kind === '+').length,
    removed: edits.filter((edit) => edit.kind === '-').length,
  }
}
