import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { CLI_ROOT } from '../helpers/project.js'

const execFileAsync = promisify(execFile)

describe('the CLI sources and tests', () => {
  it('type-check with tsc (vitest only strips types)', async () => {
    const { stdout } = await execFileAsync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.test.json'], { cwd: CLI_ROOT })
    expect(stdout).toBe('')
  })
})
