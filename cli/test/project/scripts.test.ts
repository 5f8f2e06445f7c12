import { execFile } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../helpers/project.js'

const execFileAsync = promisify(execFile)

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(entries.map((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)])))
  return nested.flat()
}

const allFiles = await walk(join(PROJECT_ROOT, 'scripts'))
const hostScripts = allFiles.filter((file) => file.endsWith('.sh'))
const guestScripts = allFiles.filter((file) => file.includes('/tiny-guest/'))
const testEntry = join(PROJECT_ROOT, 'tests', 'run_all_tests.sh')

describe('host scripts (real shellcheck, real bash)', () => {
  it.each([...hostScripts, testEntry].map((file) => [relative(PROJECT_ROOT, file), file]))('%s passes bash -n and shellcheck', async (_name, file) => {
    await execFileAsync('bash', ['-n', file])
    await execFileAsync('shellcheck', ['-S', 'warning', '-x', file], { cwd: PROJECT_ROOT })
  })

  it.each(hostScripts.filter((file) => !file.endsWith('/lib/common.sh') && !file.endsWith('/lib/exit_codes.sh')).map((file) => [relative(PROJECT_ROOT, file), file]))(
    '%s follows the Script Pattern',
    async (_name, file) => {
      const text = await readFile(file, 'utf8')
      const header = /^# Sudo Required: (YES|NO)$/m.exec(text)
      expect(text).toMatch(/^# Script: \S+\.sh$/m)
      expect(text).toMatch(/^# Description: \S/m)
      expect(header).not.toBeNull()
      expect(text).toContain('set -Eeuo pipefail')
      expect(text).toMatch(/source "\$\{SCRIPT_DIR\}\/(\.\.\/)*(lib\/)?common\.sh"/)
      expect(text).toMatch(/source "\$\{SCRIPT_DIR\}\/(\.\.\/)*(lib\/)?exit_codes\.sh"/)
      expect(text).toContain(`readonly REQUIRES_SUDO=${header?.[1] === 'YES' ? 'true' : 'false'}`)
      expect(text).toMatch(/^readonly OPERATION_TYPE=/m)
      expect(text).toContain('check_sudo_requirement')
    },
  )
})

describe('guest-side scripts', () => {
  it.each(guestScripts.map((file) => [relative(PROJECT_ROOT, file), file]))('%s passes shellcheck as POSIX sh', async (_name, file) => {
    await execFileAsync('shellcheck', ['-S', 'warning', '-s', 'sh', file])
  })
})

describe('script libraries', () => {
  it('run nothing when sourced: no output, no change to the shell options', async () => {
    const { stdout, stderr } = await execFileAsync('bash', [
      '-c',
      'before="$-"; source scripts/lib/common.sh; source scripts/lib/exit_codes.sh; [ "$-" = "$before" ] || echo "options changed"',
    ], { cwd: PROJECT_ROOT })
    expect(stdout).toBe('')
    expect(stderr).toBe('')
  })

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

describe('SCRIPT_PRIVILEGE_CLASSIFICATION.md', () => {
  it('lists every script, each with the sudo class its header declares', async () => {
    const table = await readFile(join(PROJECT_ROOT, 'SCRIPT_PRIVILEGE_CLASSIFICATION.md'), 'utf8')
    const listed = new Map([...table.matchAll(/^\| `([^`]+)` \| (YES|NO) \|/gm)].map((match) => [match[1], match[2]]))
    const scripts = [...hostScripts, testEntry]
    expect([...listed.keys()].sort()).toEqual(scripts.map((file) => relative(PROJECT_ROOT, file)).sort())
    for (const file of scripts) {
      const declared = /^# Sudo Required: (YES|NO)$/m.exec(await readFile(file, 'utf8'))?.[1]
      expect(listed.get(relative(PROJECT_ROOT, file)), relative(PROJECT_ROOT, file)).toBe(declared)
    }
  })
})
