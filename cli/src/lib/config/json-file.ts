import { readFile } from 'node:fs/promises'
import type { ZodType } from 'zod'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { describeZodIssues } from '../errors/zod-issues.js'

/**
 * Reads and validates a JSON file. Missing → undefined; unreadable, malformed or
 * invalid → a CONFIG_INVALID error that names the file and every bad field.
 */
export async function readValidatedJson<T>(path: string, schema: ZodType<T>, fixHint: string): Promise<T | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new HvError('CONFIG_UNREADABLE', `cannot read ${path}: ${(error as Error).message}`, {
      exitCode: ExitCode.PERMISSION_DENIED,
      suggestions: [`ls -l ${path}`],
      cause: error,
    })
  }
  return parseValidatedJson(text, path, schema, fixHint)
}

/** Parses and validates JSON text from `source` (a file, or a program's output), naming every bad field. */
export function parseValidatedJson<T>(text: string, source: string, schema: ZodType<T>, fixHint: string): T {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new HvError('CONFIG_INVALID', `${source} is not valid JSON: ${(error as Error).message}`, {
      exitCode: ExitCode.INVALID_ARGUMENT,
      suggestions: [fixHint],
      cause: error,
    })
  }
  const parsed = schema.safeParse(data)
  if (!parsed.success) {
    throw new HvError('CONFIG_INVALID', `${source} is invalid:\n  ${describeZodIssues(parsed.error).join('\n  ')}`, {
      exitCode: ExitCode.INVALID_ARGUMENT,
      suggestions: [fixHint],
      cause: parsed.error,
    })
  }
  return parsed.data
}
