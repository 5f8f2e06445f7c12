import { access } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'

async function isProjectRoot(dir: string): Promise<boolean> {
  try {
    await access(join(dir, 'flake.nix'))
    await access(join(dir, 'scripts', 'lib', 'common.sh'))
    await access(join(dir, 'cli', 'package.json'))
    return true
  } catch {
    return false
  }
}

async function searchUpwards(start: string): Promise<string | undefined> {
  let dir = resolve(start)
  for (;;) {
    if (await isProjectRoot(dir)) return dir
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

/**
 * The Hyper-NixOS checkout `hv dev` works on: HV_PROJECT_ROOT, else the nearest
 * checkout above the current directory, else the one this CLI was built from.
 */
export async function findProjectRoot(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<string> {
  if (env.HV_PROJECT_ROOT) {
    if (await isProjectRoot(env.HV_PROJECT_ROOT)) return resolve(env.HV_PROJECT_ROOT)
    throw new HvError('NOT_A_CHECKOUT', `HV_PROJECT_ROOT=${env.HV_PROJECT_ROOT} is not a Hyper-NixOS checkout`, {
      exitCode: ExitCode.INVALID_ARGUMENT,
    })
  }
  const found = (await searchUpwards(cwd)) ?? (await searchUpwards(dirname(fileURLToPath(import.meta.url))))
  if (found) return found
  throw new HvError('NOT_A_CHECKOUT', 'hv dev works inside a Hyper-NixOS checkout, and none was found', {
    exitCode: ExitCode.INVALID_ARGUMENT,
    suggestions: ['cd into your Hyper-NixOS clone', 'or set HV_PROJECT_ROOT to it'],
  })
}
