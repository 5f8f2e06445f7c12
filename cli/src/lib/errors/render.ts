import type { Theme } from '../theme.js'
import type { HvError } from './hv-error.js'

/** Human form: `Error (CODE): message`, then a "Try this:" list. */
export function renderHuman(error: HvError, theme: Theme): string {
  const lines = [`${theme.error(`Error (${error.code})`)}: ${error.message}`]
  if (error.suggestions.length > 0) {
    lines.push('Try this:')
    for (const suggestion of error.suggestions) lines.push(`  ${theme.muted('-')} ${theme.command(suggestion)}`)
  }
  return lines.join('\n')
}

/** JSON form, the `--json` contract: `{status, code, message, suggestions}`. */
export function renderJson(error: HvError): string {
  return JSON.stringify(error.toEnvelope(), null, 2)
}
