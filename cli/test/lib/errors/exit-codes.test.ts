import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ExitCode, exitCodeMeaning } from '../../../src/lib/errors/exit-codes.js'
import { PROJECT_ROOT } from '../../helpers/project.js'

const execFileAsync = promisify(execFile)

describe('the exit-code table', () => {
  it('is the same in hv and in scripts/lib/exit_codes.sh', async () => {
    const library = join(PROJECT_ROOT, 'scripts', 'lib', 'exit_codes.sh')
    // Source the real library in bash and list what it defines.
    const { stdout } = await execFileAsync('bash', ['-c', 'source "$1" && set | grep "^EXIT_"', 'bash', library])
    const fromBash = Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((line) => line.split('='))
        .map(([name, value]) => [String(name).replace(/^EXIT_/, ''), Number(value)]),
    )
    expect(fromBash).toEqual(ExitCode)
  })

  it('has the numbers the design fixes and a meaning for each code', () => {
    expect(ExitCode).toMatchObject({
      OK: 0,
      MISSING_DEPENDENCY: 2,
      PERMISSION_DENIED: 3,
      INVALID_ARGUMENT: 4,
      CANCELLED: 10,
      VM_NOT_FOUND: 21,
      VM_EXISTS: 22,
      VM_RUNNING: 23,
      VM_NOT_RUNNING: 24,
    })
    for (const value of Object.values(ExitCode)) expect(value).toBeLessThan(126) // above is the shell's
    expect(new Set(Object.values(ExitCode)).size).toBe(Object.keys(ExitCode).length)
    expect(Object.keys(exitCodeMeaning).sort()).toEqual(Object.keys(ExitCode).sort())
  })
})
