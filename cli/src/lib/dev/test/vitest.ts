/**
 * The vitest layers (unit, eval, integration): one vitest process for every selected file,
 * so files of all three layers share the workers; its JSON report gives each test's
 * outcome and the skip-reason reporter gives each skipped file's `[skip]` lines.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { run } from '../../exec.js'
import type { VitestFile } from './discover.js'
import { NO_SKIP_REASON, type TestCaseResult } from './results.js'
import { SKIP_REASONS_ENV } from './skip-reporter.js'

/** The parts of vitest's JSON report (`--reporter=json`) that hv reads. */
const JsonReport = z.object({
  testResults: z.array(
    z.object({
      name: z.string(),
      status: z.string(),
      message: z.string().nullish(),
      assertionResults: z.array(
        z.object({
          ancestorTitles: z.array(z.string()),
          title: z.string(),
          status: z.string(),
          duration: z.number().nullish(),
          failureMessages: z.array(z.string()).nullish(),
        }),
      ),
    }),
  ),
})
export type VitestJsonReport = z.infer<typeof JsonReport>

const SkipReasons = z.record(z.string(), z.array(z.string()))

/** The longest failure message kept per test: the assertion and the top of its stack. */
const MESSAGE_LIMIT = 8000

export interface VitestRunOptions {
  projectRoot: string
  files: readonly VitestFile[]
  /** Show vitest's own progress on stderr (stdout stays hv's). */
  progress: boolean
  env?: Record<string, string | undefined>
}

export interface VitestOutcome {
  /** One per test, suite = project-relative file; a file that failed as a whole adds one case. */
  cases: TestCaseResult[]
  /** Why vitest gave no report, when it gave none. */
  problem?: string
}

/** The reporter module next to this one: `.ts` when hv runs from its sources, `.js` when built. */
function skipReporterPath(): string {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js'
  return fileURLToPath(new URL(`./skip-reporter.${extension}`, import.meta.url))
}

export function vitestBinary(projectRoot: string): string {
  return join(projectRoot, 'cli', 'node_modules', '.bin', 'vitest')
}

const ALL_EXIT_CODES = Array.from({ length: 255 }, (_, index) => index + 1)

export async function runVitest(options: VitestRunOptions): Promise<VitestOutcome> {
  const cliDir = join(options.projectRoot, 'cli')
  const work = await mkdtemp(join(tmpdir(), 'hv-dev-test-'))
  try {
    const reportFile = join(work, 'vitest.json')
    const reasonsFile = join(work, 'skip-reasons.json')
    const args = [
      'run',
      '--reporter=json',
      `--outputFile.json=${reportFile}`,
      `--reporter=${skipReporterPath()}`,
      ...(options.progress ? ['--reporter=default'] : []),
      // Filters are substrings of paths relative to vitest's root (cli/).
      ...options.files.map((file) => relative(cliDir, join(options.projectRoot, file.path)).split(sep).join('/')),
    ]
    const result = await run(vitestBinary(options.projectRoot), args, {
      cwd: cliDir,
      env: { ...options.env, [SKIP_REASONS_ENV]: reasonsFile },
      // Failing tests exit 1: that is an answer, read from the report.
      allowedExitCodes: ALL_EXIT_CODES,
      ...(options.progress ? { interactive: true } : {}),
    })
    if (!existsSync(reportFile)) {
      const output = `${result.stdout}\n${result.stderr}`.trim().slice(-2000)
      return { cases: [], problem: `vitest exited with ${result.exitCode} and wrote no report${output ? `: ${output}` : ' (its output is above)'}` }
    }
    const report = JsonReport.parse(JSON.parse(await readFile(reportFile, 'utf8')))
    const reasons = existsSync(reasonsFile) ? SkipReasons.parse(JSON.parse(await readFile(reasonsFile, 'utf8'))) : {}
    // vitest names files by their real path.
    return { cases: casesFromReport(report, reasons, await realpath(options.projectRoot), options.files) }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

function caseStatus(status: string): TestCaseResult['status'] {
  if (status === 'passed') return 'passed'
  if (status === 'failed') return 'failed'
  return 'skipped' // skipped, pending, todo
}

/**
 * The cases of a vitest JSON report, by file: one per test, named like vitest's JUnit reporter
 * (`describe > it`); skipped tests carry their file's `[skip]` reasons. A file that failed
 * without a failing test (it did not load, a hook threw) and a requested file vitest never
 * reported are failures of their own, so they cannot pass unnoticed.
 */
export function casesFromReport(
  report: VitestJsonReport,
  skipReasons: Record<string, string[]>,
  projectRoot: string,
  requested: readonly VitestFile[] = [],
): TestCaseResult[] {
  const cases: TestCaseResult[] = []
  const reported = new Set<string>()
  // vitest reports files as they finish: sorted by file, runs compare line by line.
  const files = [...report.testResults].sort((a, b) => a.name.localeCompare(b.name))
  for (const file of files) {
    const suite = relative(projectRoot, file.name).split(sep).join('/')
    reported.add(suite)
    const reasons = skipReasons[file.name] ?? []
    for (const test of file.assertionResults) {
      const status = caseStatus(test.status)
      const failure = (test.failureMessages ?? []).join('\n').trim().slice(0, MESSAGE_LIMIT)
      cases.push({
        suite,
        name: [...test.ancestorTitles, test.title].join(' > '),
        status,
        ...(test.duration != null ? { durationMs: Math.round(test.duration) } : {}),
        ...(status === 'failed' ? { message: failure || 'failed' } : {}),
        ...(status === 'skipped' ? { message: reasons.length > 0 ? reasons.join('; ') : NO_SKIP_REASON } : {}),
      })
    }
    const testFailed = file.assertionResults.some((test) => test.status === 'failed')
    if (file.status === 'failed' && !testFailed) {
      cases.push({ suite, name: 'the file itself (loading it, a hook, or an unhandled error)', status: 'failed', message: file.message?.trim() || 'failed' })
    }
  }
  for (const file of requested) {
    if (!reported.has(file.path)) cases.push({ suite: file.path, name: 'the file itself', status: 'failed', message: 'vitest reported no result for this file' })
  }
  return cases
}
