import type { Hook } from '@oclif/core'
import { ExitCode } from '../lib/errors/exit-codes.js'
import { HvError } from '../lib/errors/hv-error.js'
import { closest } from '../lib/text/closest.js'

const hook: Hook.CommandNotFound = async function ({ id, config }) {
  const typed = id.replaceAll(':', ' ')
  const known = config.commandIDs.map((commandId) => commandId.replaceAll(':', ' '))
  const suggestions = closest(typed, known).map((command) => `hv ${command}`)
  suggestions.push('hv --help')
  throw new HvError('UNKNOWN_COMMAND', `"${typed}" is not an hv command`, {
    exitCode: ExitCode.INVALID_ARGUMENT,
    suggestions,
  })
}

export default hook
