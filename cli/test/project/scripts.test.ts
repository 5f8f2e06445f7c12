/**
 * Behaviour of the scripts (not their form: the Script Pattern, shellcheck and the
 * privilege table are hv dev validate's rules, test/lib/validate/scripts.test.ts).
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../helpers/project.js'

const execFileAsync = promisify(execFile)

describe('scripts that need root', () => {
  it('refuse a system operation without root, with EXIT_PERMISSION_DENIED and how to run it', async () => {
    if (process.getuid?.() === 0) {
      const error = (await execFileAsync('runuser', ['-u', 'nobody', '--', 'bash', join(PROJECT_ROOT, 'scripts/dev/start-services.sh')]).catch((caught: unknown) => caught)) as {
        code: number
        stderr: string
      }
      expect(error.code).toBe(3)
      expect(error.stderr).toMatch(/start-services\.sh changes the system .* and needs root: run it with sudo/)
    } else {
      const error = (await execFileAsync('bash', [join(PROJECT_ROOT, 'scripts/dev/start-services.sh')]).catch((caught: unknown) => caught)) as { code: number }
      expect(error.code).toBe(3)
    }
  })
})
