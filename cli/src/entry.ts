/**
 * What bin/run.js runs: oclif, with failures that happen outside a command
 * (an unknown command, a broken config) rendered in the same envelope as those
 * inside one, and the process exit code taken from the shared table.
 */
import { Errors, flush, run } from '@oclif/core'
import { renderHuman, renderJson } from './lib/errors/render.js'
import { toHvError } from './lib/errors/to-hv-error.js'
import { themeFor } from './lib/theme.js'

export async function main(argv: string[], binUrl: string): Promise<number> {
  try {
    await run(argv, binUrl)
    await flush()
    return 0
  } catch (error) {
    // A command's own catch() already rendered its error and threw ExitError.
    if (error instanceof Errors.ExitError) return error.oclif.exit ?? 1
    const hvError = toHvError(error)
    if (argv.includes('--json')) process.stdout.write(`${renderJson(hvError)}\n`)
    else process.stderr.write(`${renderHuman(hvError, themeFor(process.stderr))}\n`)
    return hvError.exitCode
  }
}
