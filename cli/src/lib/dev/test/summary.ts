/**
 * The summary `hv dev test` prints: one row per layer (ran, passed, failed, skipped, and
 * why anything was skipped), the failed cases, and the line of counts CI greps for.
 */
import type { Theme } from '../../theme.js'
import { renderTable } from '../../text/table.js'
import type { LayerResult, TestRunResult } from './results.js'

/** How many lines of a failure's message the summary repeats (the full text is in --json and JUnit). */
const FAILURE_LINES = 6

function statusWord(layer: LayerResult, theme: Theme): string {
  if (layer.status === 'failed') return theme.error('failed')
  if (layer.status === 'skipped') return theme.warning('skipped')
  return theme.success('passed')
}

function reasonCell(layer: LayerResult): string {
  if (layer.reasons.length === 0) return ''
  if (layer.reasons.length === 1) return layer.reasons[0] ?? ''
  return `${layer.reasons.length} reasons, listed below`
}

/** The counts line: `tests: N passed, N failed, N skipped` (tests/run_all_tests.sh ends with it). */
export function countsLine(result: TestRunResult): string {
  return `tests: ${result.totals.passed} passed, ${result.totals.failed} failed, ${result.totals.skipped} skipped`
}

export function renderSummary(result: TestRunResult, theme: Theme): string[] {
  const header = ['layer', 'status', 'ran', 'passed', 'failed', 'skipped', 'why skipped'].map((cell) => theme.strong(cell))
  const rows = result.layers.map((layer) => [
    layer.layer,
    statusWord(layer, theme),
    String(layer.ran),
    String(layer.passed),
    String(layer.failed),
    String(layer.skipped),
    reasonCell(layer),
  ])
  const lines = ['', ...renderTable([header, ...rows])]

  const listed = result.layers.filter((layer) => layer.reasons.length > 1)
  if (listed.length > 0) {
    lines.push('', 'Skipped because:')
    for (const layer of listed) for (const reason of layer.reasons) lines.push(`  ${layer.layer}: ${reason}`)
  }
  if (result.kvm) lines.push('', `KVM: ${result.kvm.detail}`)

  const failed = result.layers.flatMap((layer) => layer.cases.filter((testCase) => testCase.status === 'failed').map((testCase) => ({ layer, testCase })))
  if (failed.length > 0) {
    lines.push('', 'Failed:')
    for (const { layer, testCase } of failed) {
      lines.push(`  ${theme.error(theme.symbols.fail)} ${layer.layer}: ${testCase.suite}: ${testCase.name}`)
      const message = (testCase.message ?? '').trim().split('\n')
      // An assertion says what matters first; a build log says it last.
      const fromEnd = layer.layer === 'nixos'
      const shown = fromEnd ? message.slice(-FAILURE_LINES) : message.slice(0, FAILURE_LINES)
      const more = message.length > FAILURE_LINES ? theme.muted(`      ... (${message.length - FAILURE_LINES} more lines in the --json and --junit output)`) : undefined
      if (more && fromEnd) lines.push(more)
      for (const line of shown) if (line.trim() !== '') lines.push(theme.muted(`      ${line}`))
      if (more && !fromEnd) lines.push(more)
    }
  }
  if (result.junitFile) lines.push('', `JUnit: ${result.junitFile}`)
  lines.push('', countsLine(result))
  return lines
}
