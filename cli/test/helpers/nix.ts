import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { PROJECT_ROOT } from './project.js'

const execFileAsync = promisify(execFile)

/** Offline, without nixbld users, without a store: evaluation needs none of them. */
export const NIX_ENV = { ...process.env, NIX_CONFIG: 'build-users-group =\nsubstituters =' }

/** Evaluates a Nix expression (relative paths resolve from the project root) to JSON. */
export async function nixEval<T = unknown>(expression: string): Promise<T> {
  const { stdout } = await execFileAsync('nix-instantiate', ['--eval', '--strict', '--json', '-E', expression], {
    cwd: PROJECT_ROOT,
    env: NIX_ENV,
    maxBuffer: 64 * 1024 * 1024,
  })
  return JSON.parse(stdout) as T
}

/** The error text of an expression that must fail to evaluate. */
export async function nixEvalError(expression: string): Promise<string> {
  try {
    await nixEval(expression)
  } catch (error) {
    return (error as { stderr?: string }).stderr ?? String(error)
  }
  throw new Error(`expected evaluation to fail: ${expression}`)
}

/**
 * Where nixpkgs' lib is on Nix's search path (`<nixpkgs/lib>`), or undefined. On NixOS that
 * is the host's nixpkgs; elsewhere register a copy: NIX_PATH=nixpkgs=/path/to/nixpkgs.lib.
 */
export async function findNixpkgsLib(): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync('nix-instantiate', ['--find-file', 'nixpkgs/lib'], { env: NIX_ENV })
    return stdout.trim() || undefined
  } catch {
    return undefined
  }
}

/**
 * Compares generated text with a golden file under cli/test/fixtures/golden. With
 * UPDATE_GOLDEN=1 the golden file is rewritten instead (review the diff before committing).
 */
export async function expectGolden(name: string, actual: string): Promise<string> {
  const path = join(PROJECT_ROOT, 'cli', 'test', 'fixtures', 'golden', name)
  if (process.env.UPDATE_GOLDEN === '1') await writeFile(path, actual)
  return readFile(path, 'utf8')
}
