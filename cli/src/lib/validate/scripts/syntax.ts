/**
 * `bash -n`: bash's own parser, the last word on whether a script is valid bash. Results are
 * cached by the script's content and which bash judged it.
 */
import { z } from 'zod'
import { run } from '../../exec.js'
import { cacheKey, type ResultCache } from '../cache.js'
import type { Finding } from '../finding.js'
import { finding, type ScriptText } from './script-text.js'

export const SYNTAX_RULE = { id: 'script/syntax', summary: 'The script parses (`bash -n`).' } as const

const SyntaxErrors = z.array(z.object({ line: z.number().int().positive(), message: z.string() }))
type SyntaxErrors = z.infer<typeof SyntaxErrors>

/** `FILE: line N: message` lines; the echo of the offending source line (`` `if then' ``) is dropped. */
export function parseBashErrors(file: string, stderr: string): SyntaxErrors {
  const errors: SyntaxErrors = []
  for (const text of stderr.split('\n')) {
    const match = /^.*?: line (\d+): (.*)$/.exec(text.startsWith(`${file}: `) ? text : '')
    if (!match?.[1] || match[2] === undefined) continue
    const message = match[2].trim()
    if (/^`.*'$/s.test(message) && errors.some((error) => error.line === Number(match[1]))) continue
    errors.push({ line: Number(match[1]), message })
  }
  return errors
}

async function syntaxErrors(root: string, script: ScriptText, bashIdentity: string, cache: ResultCache): Promise<SyntaxErrors> {
  const key = cacheKey('bash -n', bashIdentity, script.text)
  const cached = SyntaxErrors.safeParse(await cache.get(key))
  if (cached.success) return cached.data
  const { stderr, exitCode } = await run('bash', ['-n', script.file], { cwd: root, env: { LC_ALL: 'C' }, allowedExitCodes: [1, 2], timeoutMs: 30_000 })
  const errors = exitCode === 0 ? [] : parseBashErrors(script.file, stderr)
  if (exitCode !== 0 && errors.length === 0) errors.push({ line: 1, message: stderr.trim() || `bash -n exited with ${exitCode}` })
  await cache.set(key, errors)
  return errors
}

export async function checkSyntax(root: string, script: ScriptText, bashIdentity: string, cache: ResultCache): Promise<Finding[]> {
  const errors = await syntaxErrors(root, script, bashIdentity, cache)
  // bash reports an unexpected end of file one line past the end.
  const lastLine = Math.max(1, script.lines.length - (script.text.endsWith('\n') ? 1 : 0))
  return errors.map((error) =>
    finding(SYNTAX_RULE.id, script.file, Math.min(error.line, lastLine), 1, `bash -n: ${error.message}: fix the syntax (bash cannot run the script at all)`),
  )
}
