/**
 * Results of expensive per-file checks (shellcheck, nix-instantiate, parsing) keyed by a
 * hash of everything they depend on: the file's content, the tool's version, and any
 * other input (sourced libraries). A warm run of `hv dev validate` thus re-runs tools only
 * on what changed. Stored under `$XDG_CACHE_HOME/hv/validate` (one JSON file per key);
 * `HV_VALIDATE_CACHE=off` disables it (tests of the rules themselves run without it).
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'

export interface ResultCache {
  get<T>(key: string): Promise<T | undefined>
  set(key: string, value: unknown): Promise<void>
}

export function cacheKey(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part).update('\0')
  return hash.digest('hex')
}

class DirectoryCache implements ResultCache {
  constructor(private readonly dir: string) {}

  async get<T>(key: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, `${key}.json`), 'utf8')) as T
    } catch {
      return undefined
    }
  }

  async set(key: string, value: unknown): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true })
      // Atomic: a concurrent run never reads half a file.
      const temporary = join(this.dir, `${key}.${process.pid}.tmp`)
      await writeFile(temporary, JSON.stringify(value))
      await rename(temporary, join(this.dir, `${key}.json`))
    } catch {
      // A cache that cannot be written only costs time.
    }
  }
}

const noCache: ResultCache = {
  get: async () => undefined,
  set: async () => undefined,
}

export function resultCache(env: NodeJS.ProcessEnv = process.env): ResultCache {
  if (env.HV_VALIDATE_CACHE === 'off') return noCache
  const dir = env.HV_VALIDATE_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'hv', 'validate')
  return new DirectoryCache(dir)
}
