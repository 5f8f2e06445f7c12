import { ExitCode, type ExitCodeValue } from './exit-codes.js'

/** The one shape every failure takes in `--json` output. */
export interface ErrorEnvelope {
  status: number
  code: string
  message: string
  suggestions: string[]
}

/**
 * The one error type of `hv`: a stable machine-readable `code`, the process exit
 * code from the shared table, and suggestions a user can act on.
 */
export class HvError extends Error {
  readonly code: string
  readonly exitCode: ExitCodeValue
  readonly suggestions: string[]

  constructor(
    code: string,
    message: string,
    options: { exitCode?: ExitCodeValue; suggestions?: string[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = 'HvError'
    this.code = code
    this.exitCode = options.exitCode ?? ExitCode.GENERAL_ERROR
    this.suggestions = options.suggestions ?? []
  }

  toEnvelope(): ErrorEnvelope {
    return { status: this.exitCode, code: this.code, message: this.message, suggestions: this.suggestions }
  }
}

export function invalidArgument(message: string, suggestions: string[] = []): HvError {
  return new HvError('INVALID_ARGUMENT', message, { exitCode: ExitCode.INVALID_ARGUMENT, suggestions })
}

export function permissionDenied(message: string, suggestions: string[] = []): HvError {
  return new HvError('PERMISSION_DENIED', message, { exitCode: ExitCode.PERMISSION_DENIED, suggestions })
}
