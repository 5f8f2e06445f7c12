/**
 * The only module that asks questions. It refuses to prompt under --json or
 * without a terminal: a script must never hang on a question it cannot see.
 * Every prompt therefore has a flag that answers it (usually --yes).
 */
import { ExitCode } from './errors/exit-codes.js'
import { HvError } from './errors/hv-error.js'

export interface PromptContext {
  json: boolean
  interactive: boolean
}

export function promptContext(json: boolean): PromptContext {
  return { json, interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY) }
}

export interface ConfirmOptions {
  /** The flag that answers yes without asking, named in the error when we cannot ask. */
  answeredBy: string
  /** True when that flag was given. */
  answered: boolean
  defaultAnswer?: boolean
}

export async function confirm(context: PromptContext, message: string, options: ConfirmOptions): Promise<boolean> {
  if (options.answered) return true
  if (context.json || !context.interactive) {
    const why = context.json ? 'output is --json' : 'there is no terminal to ask on'
    throw new HvError('CONFIRMATION_REQUIRED', `"${message}" needs a confirmation, but ${why}`, {
      exitCode: ExitCode.INVALID_ARGUMENT,
      suggestions: [`re-run with ${options.answeredBy} to confirm`],
    })
  }
  // Loaded on demand: inquirer is only needed when a question is really asked.
  const { confirm: inquirerConfirm } = await import('@inquirer/prompts')
  return inquirerConfirm({ message, default: options.defaultAnswer ?? false })
}
