/**
 * Which rules a shell file gets. Bash scripts (project-files.ts: `*.sh` under scripts/ and
 * tests/, and executables with a bash shebang) follow the Script Pattern; the shared
 * libraries under scripts/lib/ define things only; files that run inside guests
 * (`#!/bin/sh`, `#!/bin/busybox sh`, no `.sh` suffix) are POSIX sh and are only shellchecked
 * as such.
 */
import { open } from 'node:fs/promises'
import { join, posix } from 'node:path'
import type { ProjectFiles } from '../project-files.js'

export const COMMON_LIBRARY = 'scripts/lib/common.sh'
export const EXIT_CODES_LIBRARY = 'scripts/lib/exit_codes.sh'
/** The Script Pattern to copy: it sits among the libraries but is a script. */
export const TEMPLATE_SCRIPT = 'scripts/lib/TEMPLATE.sh'

/** `scripts/lib/*.sh`, except the template: sourced by scripts, never run. */
export function isLibrary(file: string): boolean {
  return /^scripts\/lib\/[^/]+\.sh$/.test(file) && file !== TEMPLATE_SCRIPT
}

/** Every library, in the order the cache keys list them. */
export function libraries(files: ProjectFiles): string[] {
  return files.all.filter(isLibrary)
}

const POSIX_SHEBANG = /^#!\s*(?:\S*\/)?(?:(?:sh|dash|ash)|busybox\s+sh|env\s+(?:sh|dash))(?:\s|$)/

async function firstBytes(path: string, count: number): Promise<string> {
  try {
    const handle = await open(path, 'r')
    try {
      const buffer = Buffer.alloc(count)
      const { bytesRead } = await handle.read(buffer, 0, count, 0)
      return buffer.subarray(0, bytesRead).toString('utf8')
    } finally {
      await handle.close()
    }
  } catch {
    return ''
  }
}

/**
 * POSIX sh scripts under scripts/ and tests/ that are not bash scripts: extension-less
 * files whose shebang names sh (the guest side of the test guests).
 */
export async function posixShellScripts(files: ProjectFiles): Promise<string[]> {
  const bash = new Set(files.scripts)
  const candidates = files.all.filter((file) => /^(scripts|tests)\//.test(file) && !bash.has(file) && !posix.basename(file).includes('.'))
  const shebangs = await Promise.all(candidates.map(async (file) => (POSIX_SHEBANG.test(await firstBytes(join(files.root, file), 64)) ? file : undefined)))
  return shebangs.filter((file): file is string => file !== undefined)
}
