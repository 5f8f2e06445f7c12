import type { Hook } from '@oclif/core'
import { ExitCode } from '../lib/errors/exit-codes.js'
import { HvError } from '../lib/errors/hv-error.js'

/** Closest known commands by edit distance, for "did you mean". */
function closest(target: string, candidates: readonly string[], limit = 3): string[] {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, index) => index)
    for (let i = 1; i <= a.length; i += 1) {
      let previous = row[0] ?? 0
      row[0] = i
      for (let j = 1; j <= b.length; j += 1) {
        const current = row[j] ?? 0
        row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
        previous = current
      }
    }
    return row[b.length] ?? 0
  }
  return [...candidates]
    .map((candidate) => ({ candidate, score: distance(target, candidate) }))
    .filter(({ score }) => score <= Math.max(2, Math.floor(target.length / 2)))
    .sort((a, b) => a.score - b.score)
    .slice(0, limit)
    .map(({ candidate }) => candidate)
}

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
