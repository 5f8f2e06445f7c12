import { ZodError } from 'zod'
import { ExitCode } from './exit-codes.js'
import { HvError } from './hv-error.js'
import { describeZodIssues } from './zod-issues.js'

/** oclif's parser errors: a bad flag, a missing or extra argument. */
const PARSE_ERROR_NAMES = new Set([
  'NonExistentFlagsError',
  'FailedFlagValidationError',
  'RequiredArgsError',
  'UnexpectedArgsError',
  'ArgInvalidOptionError',
  'FlagInvalidOptionError',
  'CLIParseError',
])

function commandHelp(commandId: string | undefined): string {
  return commandId ? `hv ${commandId.replaceAll(':', ' ')} --help` : 'hv --help'
}

/** Turns anything thrown into an HvError, so every failure renders the same way. */
export function toHvError(error: unknown, commandId?: string): HvError {
  if (error instanceof HvError) return error
  if (error instanceof ZodError) {
    return new HvError('INVALID_ARGUMENT', `invalid input:\n  ${describeZodIssues(error).join('\n  ')}`, {
      exitCode: ExitCode.INVALID_ARGUMENT,
      suggestions: [commandHelp(commandId)],
      cause: error,
    })
  }
  if (error instanceof Error) {
    if (PARSE_ERROR_NAMES.has(error.constructor.name) || 'parse' in error) {
      // oclif appends its own "See more help with --help"; our suggestion says it.
      const message = error.message.replace(/\n+See more help with --help\s*$/, '').trim()
      return new HvError('INVALID_ARGUMENT', message, {
        exitCode: ExitCode.INVALID_ARGUMENT,
        suggestions: [commandHelp(commandId)],
        cause: error,
      })
    }
    if (error.name === 'ExitPromptError' || error.name === 'AbortPromptError') {
      return new HvError('CANCELLED', 'cancelled', { exitCode: ExitCode.CANCELLED, cause: error })
    }
    return new HvError('UNEXPECTED', error.message, {
      exitCode: ExitCode.GENERAL_ERROR,
      suggestions: ['re-run with --verbose and report the output as a bug'],
      cause: error,
    })
  }
  return new HvError('UNEXPECTED', String(error), { exitCode: ExitCode.GENERAL_ERROR })
}
