import { visibleLength } from '../theme.js'

/**
 * Aligned columns, two spaces apart, padded by visible width so coloured cells line
 * up; the last column is not padded and no line ends in spaces.
 */
export function renderTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, visibleLength(cell))
    })
  }
  return rows.map((row) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell + ' '.repeat((widths[index] ?? 0) - visibleLength(cell))))
      .join('  ')
      .trimEnd(),
  )
}
