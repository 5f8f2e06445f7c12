import { ExitCode, type ExitCodeValue } from './exit-codes.js'

/** The one shape every failure takes in `--json` output. */
export interface ErrorEnvelope {
  status: number
  code: string
  message: string
  suggestions: string[]
  /** The command's result up to the failure (an audit's checks), when it says more than the message. */
  data?: unknown
}

/**
 * The one error type of `hv`: a stable machine-readable `code`, the process exit
 * code from the shared table, and suggestions a user can act on.
 */
export class HvError extends Error {
  readonly code: string
  readonly exitCode: ExitCodeValue
  readonly suggestions: string[]
  readonly data: unknown

  constructor(
    code: string,
    message: string,
    options: { exitCode?: ExitCodeValue; suggestions?: string[]; cause?: unknown; data?: unknown } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = 'HvError'
    this.code = code
    this.exitCode = options.exitCode ?? ExitCode.GENERAL_ERROR
    this.suggestions = options.suggestions ?? []
    this.data = options.data
  }

  /** `data` appears only when the error carries a result (a failed audit's checks). */
  toEnvelope(): ErrorEnvelope {
    const envelope: ErrorEnvelope = { status: this.exitCode, code: this.code, message: this.message, suggestions: this.suggestions }
    if (this.data !== undefined) envelope.data = this.data
    return envelope
  }
}

export function invalidArgument(message: string, suggestions: string[] = []): HvError {
  return new HvError('INVALID_ARGUMENT', message, { exitCode: ExitCode.INVALID_ARGUMENT, suggestions })
}

export function permissionDenied(message: string, suggestions: string[] = []): HvError {
  return new HvError('PERMISSION_DENIED', message, { exitCode: ExitCode.PERMISSION_DENIED, suggestions })
}
