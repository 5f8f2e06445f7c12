/**
 * How findings are printed: for people (grouped by file, like a compiler), and as GitHub
 * Actions workflow commands (annotations on the pull request's diff).
 */
import type { Theme } from '../theme.js'
import type { Finding } from './finding.js'

export function renderHuman(findings: readonly Finding[], theme: Theme): string[] {
  const lines: string[] = []
  let file: string | undefined
  for (const finding of findings) {
    if (finding.file !== file) {
      if (file !== undefined) lines.push('')
      file = finding.file
      lines.push(theme.strong(file))
    }
    const severity = finding.severity === 'error' ? theme.error('error') : theme.warning('warning')
    lines.push(`  ${finding.line}:${finding.column}  ${severity}  ${finding.message}  ${theme.muted(finding.rule)}`)
  }
  return lines
}

// https://docs.github.com/actions/reference/workflow-commands-for-github-actions
const escapeData = (text: string) => text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A')
const escapeProperty = (text: string) => escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C')

export function renderGithub(findings: readonly Finding[]): string[] {
  return findings.map(
    (finding) =>
      `::${finding.severity === 'error' ? 'error' : 'warning'} file=${escapeProperty(finding.file)},line=${finding.line},col=${finding.column},title=${escapeProperty(finding.rule)}::${escapeData(finding.message)}`,
  )
}

export function summarize(counts: { errors: number; warnings: number; files: number; durationMs: number }): string {
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`
  return `${plural(counts.errors, 'error')}, ${plural(counts.warnings, 'warning')} in ${plural(counts.files, 'file')} (${(counts.durationMs / 1000).toFixed(2)} s)`
}
