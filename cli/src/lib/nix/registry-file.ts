/**
 * The feature registry of a checkout, evaluated as plain data (no nixpkgs, no store, no
 * daemon), cached by the file's content: `hv dev validate` checks it and `hv dev
 * check-docs` renders it, and within one cache a single evaluation serves both.
 */
import { join } from 'node:path'
import { run } from '../exec.js'
import { cacheKey, type ResultCache } from '../validate/cache.js'

export const REGISTRY_FILE = 'modules/features/feature-categories.nix'

/** For nix-instantiate without nixbld users and without retrying a binary cache: evaluation needs neither. */
export const OFFLINE_NIX_CONFIG = 'build-users-group =\nsubstituters ='

/** The registry's JSON value, or nix-instantiate's stderr when it does not evaluate (each caller says why in its own terms). */
export type RegistryEvaluation = { value: unknown } | { stderr: string }

export async function evaluateRegistryFile(root: string, text: string, cache: ResultCache): Promise<RegistryEvaluation> {
  const key = cacheKey('registry-eval', text)
  const cached = await cache.get<RegistryEvaluation>(key)
  if (cached) return cached
  const { stdout, stderr, exitCode } = await run('nix-instantiate', ['--store', 'dummy://', '--eval', '--strict', '--json', join(root, REGISTRY_FILE)], {
    env: { NIX_CONFIG: OFFLINE_NIX_CONFIG },
    allowedExitCodes: [1],
    timeoutMs: 60_000,
  })
  const result: RegistryEvaluation = exitCode === 0 ? { value: JSON.parse(stdout) as unknown } : { stderr }
  await cache.set(key, result)
  return result
}
