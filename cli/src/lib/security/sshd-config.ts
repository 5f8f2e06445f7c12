/**
 * sshd's effective settings: `sshd -T` when it runs (it needs root, to read the host
 * keys), else sshd_config parsed as sshd parses it, else sshd's built-in defaults.
 */
import { readdir, readFile } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join } from 'node:path'
import { run, which } from '../exec.js'

/**
 * sshd's compiled-in defaults for the keys the security phases set (sshd_config(5),
 * OpenSSH 9). A key not listed here has no default hv knows.
 */
export const SSHD_DEFAULTS: Readonly<Record<string, string>> = {
  passwordauthentication: 'yes',
  kbdinteractiveauthentication: 'yes',
  permitrootlogin: 'prohibit-password',
}

/** Old spellings sshd still accepts, by their current keyword. */
const KEY_ALIASES: Readonly<Record<string, string>> = {
  challengeresponseauthentication: 'kbdinteractiveauthentication',
}

/** Values sshd treats as the same (`without-password` is the old name of `prohibit-password`). */
export function normalizeSshdValue(value: string): string {
  const normalized = value.trim().split(/\s+/).join(' ').toLowerCase()
  return normalized === 'without-password' ? 'prohibit-password' : normalized
}

export type SshdLookup = { value: string; source: string } | { unknown: string }

export interface SshdConfig {
  get(key: string): SshdLookup
}

type FileReader = (path: string) => Promise<string>

/** Include's argument may be a glob in its last component (sshd_config.d/*.conf); sorted, as sshd does. */
async function expandInclude(pattern: string, baseDir: string): Promise<string[]> {
  const path = isAbsolute(pattern) ? pattern : join(baseDir, pattern)
  const name = basename(path)
  if (!/[*?[]/.test(name)) return [path]
  const expression = new RegExp(`^${name.replace(/[.+^${}()|\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`)
  try {
    return (await readdir(dirname(path)))
      .filter((entry) => expression.test(entry))
      .sort()
      .map((entry) => join(dirname(path), entry))
  } catch {
    return []
  }
}

/**
 * The global (outside any Match block) keywords of an sshd_config, lowercase, the first
 * value of each: sshd keeps the first one it reads. Include is followed in place, relative
 * to /etc/ssh; a Match block runs to the end of its file and is skipped.
 */
export async function parseSshdConfig(path: string, readText: FileReader = (file) => readFile(file, 'utf8'), baseDir = '/etc/ssh'): Promise<Map<string, string>> {
  const values = new Map<string, string>()
  const visit = async (file: string, depth: number): Promise<void> => {
    if (depth > 16) return // sshd's own include depth limit
    const text = await readText(file)
    for (const rawLine of text.split('\n')) {
      const line = rawLine.trim()
      if (line === '' || line.startsWith('#')) continue
      const match = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line)
      if (!match?.[1]) continue
      const keyword = match[1].toLowerCase()
      const argument = (match[2] ?? '').trim()
      if (keyword === 'match') return
      if (keyword === 'include') {
        for (const pattern of argument.split(/\s+/).filter(Boolean)) {
          for (const included of await expandInclude(pattern, baseDir)) {
            try {
              await visit(included, depth + 1)
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
            }
          }
        }
        continue
      }
      const key = KEY_ALIASES[keyword] ?? keyword
      if (!values.has(key)) values.set(key, argument.replace(/^"(.*)"$/, '$1'))
    }
  }
  await visit(path, 0)
  return values
}

/** `sshd -T`'s output: one `keyword value` line each, keywords already lowercase. */
export function parseSshdDump(text: string): Map<string, string> {
  const values = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = /^(\S+)\s+(.*)$/.exec(line.trim())
    if (match?.[1] && !values.has(match[1])) values.set(match[1], match[2] ?? '')
  }
  return values
}

export interface SshdConfigOptions {
  configPath?: string
  /** Try `sshd -T` (only root can run it). */
  useSshdDump: boolean
  /** Where sshd lives besides PATH: Debian keeps it in /usr/sbin, NixOS in the system profile. */
  searchPath?: string
  isRoot: boolean
}

const SSHD_SEARCH_PATH = ['/run/current-system/sw/bin', '/usr/sbin', '/sbin']

function lookupIn(values: Map<string, string>, source: string): SshdConfig {
  return {
    get(key) {
      const value = values.get(key)
      if (value !== undefined) return { value, source }
      const fallback = SSHD_DEFAULTS[key]
      if (fallback !== undefined) return { value: fallback, source: `sshd's default (not set in ${source})` }
      return { unknown: `${key} is not set in ${source}, and hv does not know sshd's default for it` }
    },
  }
}

export async function loadSshdConfig(options: SshdConfigOptions): Promise<SshdConfig> {
  const configPath = options.configPath ?? '/etc/ssh/sshd_config'
  if (options.useSshdDump) {
    const path = [process.env.PATH ?? '', options.searchPath ?? SSHD_SEARCH_PATH.join(':')].filter(Boolean).join(':')
    const sshd = await which('sshd', path)
    if (sshd) {
      try {
        const { stdout } = await run(sshd, ['-T', '-f', configPath], { timeoutMs: 10_000 })
        const dump = parseSshdDump(stdout)
        return { get: (key) => (dump.has(key) ? { value: dump.get(key) ?? '', source: 'sshd -T' } : { unknown: `sshd -T does not print ${key}` }) }
      } catch {
        // sshd -T refused (no host keys yet, a config error): read the file instead
      }
    }
  }
  try {
    return lookupIn(await parseSshdConfig(configPath), configPath)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT'
        ? `${configPath} does not exist: is sshd installed?`
        : code === 'EACCES' || code === 'EPERM'
          ? `cannot read ${configPath}: permission denied${options.isRoot ? '' : ' (run as root: sudo hv security audit)'}`
          : `cannot read ${configPath}: ${(error as Error).message}`
    return { get: () => ({ unknown: why }) }
  }
}
