/** How check-docs shows a stale section: its unified diff, in colour when the theme has it. */
import type { Theme } from '../theme.js'

export function colorDiff(diff: string, theme: Theme): string[] {
  return diff.split('\n').map((line) => {
    if (line.startsWith('+++') || line.startsWith('---')) return theme.strong(line)
    if (line.startsWith('@@')) return theme.muted(line)
    if (line.startsWith('+')) return theme.success(line)
    if (line.startsWith('-')) return theme.error(line)
    return line
  })
}
