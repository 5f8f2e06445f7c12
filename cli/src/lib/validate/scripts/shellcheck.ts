/**
 * Real shellcheck at warning level, its findings reported as `shellcheck/SC<code>`. One
 * shellcheck process per batch of files (startup and the sourced libraries are paid once
 * per batch), as many batches as cores; run from the tree's root so `.shellcheckrc` and
 * `source` paths resolve. Results are cached per file by everything they depend on.
 */
import { availableParallelism } from 'node:os'
import { z } from 'zod'
import { run } from '../../exec.js'
import { HvError } from '../../errors/hv-error.js'
import { ExitCode } from '../../errors/exit-codes.js'
import { cacheKey, type ResultCache } from '../cache.js'
import type { Finding } from '../finding.js'

export const SHELLCHECK_RULE = {
  id: 'shellcheck/SC<code>',
  summary: 'shellcheck -S warning finds nothing (host scripts as bash, with their sources followed; guest scripts as POSIX sh).',
} as const

/** bash: host scripts (`-x` follows their `source`s); sh: the POSIX scripts that run inside guests. */
export type Dialect = 'bash' | 'sh'

export interface ShellcheckTarget {
  file: string
  text: string
  dialect: Dialect
}

export interface ShellcheckInputs {
  /** Which shellcheck (its binary's identity): a new one may judge the same file differently. */
  shellcheck: string
  /** Everything sourced scripts can pull in and the configuration: the libraries' paths and contents, `.shellcheckrc`. */
  shared: string[]
}

const Comment = z.object({
  file: z.string(),
  line: z.number().int().positive(),
  column: z.number().int().positive(),
  level: z.enum(['error', 'warning', 'info', 'style']),
  code: z.number().int(),
  message: z.string(),
})
const Output = z.object({ comments: z.array(Comment) })
const CachedComments = z.array(Comment.omit({ file: true }))
type CachedComments = z.infer<typeof CachedComments>

/** Splits files into `count` batches of about equal size (largest first onto the lightest batch). */
export function batches<T>(items: readonly T[], count: number, size: (item: T) => number): T[][] {
  const bins = Array.from({ length: Math.max(1, Math.min(count, items.length)) }, () => ({ size: 0, items: [] as T[] }))
  for (const item of [...items].sort((a, b) => size(b) - size(a))) {
    const lightest = bins.reduce((best, bin) => (bin.size < best.size ? bin : best))
    lightest.items.push(item)
    lightest.size += size(item)
  }
  return bins.map((bin) => bin.items).filter((items) => items.length > 0)
}

async function runShellcheck(root: string, dialect: Dialect, files: string[]): Promise<Map<string, CachedComments>> {
  const args = ['--format=json1', '--severity=warning', ...(dialect === 'bash' ? ['--external-sources'] : ['--shell=sh']), '--', ...files]
  // 1 = findings, which is an answer.
  const { stdout, stderr } = await run('shellcheck', args, { cwd: root, allowedExitCodes: [1], timeoutMs: 120_000 })
  let parsed: z.infer<typeof Output>
  try {
    parsed = Output.parse(JSON.parse(stdout))
  } catch (error) {
    throw new HvError('COMMAND_FAILED', `shellcheck gave output hv cannot read: ${stdout.slice(0, 200) || stderr.slice(0, 200)}`, { exitCode: ExitCode.SYSTEM_ERROR, cause: error })
  }
  const byFile = new Map(files.map((file): [string, CachedComments] => [file, []]))
  for (const { file, ...comment } of parsed.comments) byFile.get(file)?.push(comment)
  return byFile
}

function toFinding(file: string, comment: CachedComments[number]): Finding {
  return {
    rule: `shellcheck/SC${comment.code}`,
    // Scripts must be shellcheck-clean at warning level (CRITICAL_REQUIREMENTS.md #5): both levels fail validation.
    severity: 'error',
    file,
    line: comment.line,
    column: comment.column,
    message: `${comment.message} (https://www.shellcheck.net/wiki/SC${comment.code})`,
  }
}

export async function checkWithShellcheck(root: string, targets: readonly ShellcheckTarget[], inputs: ShellcheckInputs, cache: ResultCache): Promise<Finding[]> {
  // The path is part of the key: sources resolve relative to the script's directory.
  const keyOf = (target: ShellcheckTarget) => cacheKey('shellcheck', inputs.shellcheck, target.dialect, target.file, target.text, ...inputs.shared)
  const results = new Map<string, CachedComments>()
  const missing: ShellcheckTarget[] = []
  await Promise.all(
    targets.map(async (target) => {
      const cached = CachedComments.safeParse(await cache.get(keyOf(target)))
      if (cached.success) results.set(target.file, cached.data)
      else missing.push(target)
    }),
  )
  // The host scripts spread over the cores; the few small guest scripts take one process.
  const work = [
    ...batches(
      missing.filter((target) => target.dialect === 'bash'),
      availableParallelism(),
      (target) => target.text.length,
    ).map((batch) => ({ dialect: 'bash' as const, batch })),
    ...batches(
      missing.filter((target) => target.dialect === 'sh'),
      1,
      (target) => target.text.length,
    ).map((batch) => ({ dialect: 'sh' as const, batch })),
  ]
  await Promise.all(
    work.map(async ({ dialect, batch }) => {
      const found = await runShellcheck(
        root,
        dialect,
        batch.map((target) => target.file),
      )
      await Promise.all(
        batch.map(async (target) => {
          const comments = found.get(target.file) ?? []
          results.set(target.file, comments)
          await cache.set(keyOf(target), comments)
        }),
      )
    }),
  )
  return targets.flatMap((target) => (results.get(target.file) ?? []).map((comment) => toFinding(target.file, comment)))
}
