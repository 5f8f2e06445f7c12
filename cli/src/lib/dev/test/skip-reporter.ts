/**
 * A vitest reporter that `hv dev test` adds to its vitest run: it collects the
 * `[skip] <reason>` lines tests print (the project's rule for a skipped test) by test file,
 * and writes them as JSON to the file named by HV_DEV_TEST_SKIP_REASONS when the run ends.
 * vitest's own JSON report has the statuses but not the reasons.
 */
import { writeFileSync } from 'node:fs'
import type { Reporter, Vitest } from 'vitest/node'

type UserConsoleLog = Parameters<NonNullable<Reporter['onUserConsoleLog']>>[0]

export const SKIP_REASONS_ENV = 'HV_DEV_TEST_SKIP_REASONS'

/** `[skip] reason` lines of a console message, reasons only. */
export function skipReasonsIn(content: string): string[] {
  return content
    .split('\n')
    .map((line) => /^\s*\[skip\]\s*(.+?)\s*$/.exec(line)?.[1])
    .filter((reason): reason is string => reason !== undefined)
}

export default class SkipReasonReporter implements Reporter {
  private vitest: Vitest | undefined
  private readonly reasons: Record<string, string[]> = {}

  onInit(vitest: Vitest): void {
    this.vitest = vitest
  }

  onUserConsoleLog(log: UserConsoleLog): void {
    const reasons = skipReasonsIn(log.content)
    if (reasons.length === 0) return
    // A line printed while a file loads carries the file's id; one printed in a test, the test's.
    const file = (log.taskId ? this.vitest?.state.idMap.get(log.taskId)?.file.filepath : undefined) ?? ''
    const known = (this.reasons[file] ??= [])
    for (const reason of reasons) if (!known.includes(reason)) known.push(reason)
  }

  onTestRunEnd(): void {
    const output = process.env[SKIP_REASONS_ENV]
    if (output) writeFileSync(output, JSON.stringify(this.reasons))
  }
}
