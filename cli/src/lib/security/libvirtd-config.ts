/** The configuration file the running libvirtd reads, and its `key = value` settings. */
import { readFile } from 'node:fs/promises'
import { isAbsolute } from 'node:path'
import { commName, listProcesses, processArgv, processUid } from './proc.js'

export const DEFAULT_LIBVIRTD_CONFIG = '/etc/libvirt/libvirtd.conf'

/** `--config FILE`, `--config=FILE` or `-f FILE` in libvirtd's argv. */
export function configArgument(argv: readonly string[]): string | undefined {
  for (let index = 1; index < argv.length; index += 1) {
    const argument = argv[index] ?? ''
    if (argument === '--config' || argument === '-f') return argv[index + 1]
    if (argument.startsWith('--config=')) return argument.slice('--config='.length)
  }
  return undefined
}

export interface LibvirtdConfigLocation {
  path: string
  /** The system daemon's pid, when one runs. */
  pid: number | undefined
}

/**
 * The system libvirtd (running as root; users' session daemons share its name) and the file
 * it was started with, else libvirt's default file, which it reads without --config.
 */
export async function locateLibvirtdConfig(procRoot = '/proc', defaultPath = DEFAULT_LIBVIRTD_CONFIG): Promise<LibvirtdConfigLocation> {
  const candidates = (await listProcesses(procRoot)).filter((info) => info.comm === commName('libvirtd'))
  for (const { pid } of candidates) {
    try {
      if ((await processUid(pid, procRoot)) !== 0) continue
      const argument = configArgument(await processArgv(pid, procRoot))
      return { path: argument !== undefined && isAbsolute(argument) ? argument : defaultPath, pid }
    } catch {
      // exited while we looked
    }
  }
  return { path: defaultPath, pid: undefined }
}

/** Drops a `#` comment unless the `#` is inside a quoted string. */
function stripComment(line: string): string {
  let quote: string | undefined
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index]
    if (quote) {
      if (char === quote) quote = undefined
    } else if (char === '"' || char === "'") {
      quote = char
    } else if (char === '#') {
      return line.slice(0, index)
    }
  }
  return line
}

/**
 * The settings of a libvirt configuration file (virconf: `key = value`, values a number, a
 * quoted string or a list that may span lines); the first setting of a key counts.
 */
export function parseLibvirtConf(text: string): Map<string, string> {
  const body = text.split('\n').map(stripComment).join('\n')
  const values = new Map<string, string>()
  const setting = /([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\[[^\]]*\]|"[^"]*"|'[^']*'|[^\s#]+)/g
  for (const match of body.matchAll(setting)) {
    const [, key, value] = match
    if (key && value !== undefined && !values.has(key)) values.set(key, value.replace(/\s+/g, ' ').trim())
  }
  return values
}

/** Equal when they differ only in whitespace, quote style, or quotes around a single string. */
export function sameLibvirtValue(a: string, b: string): boolean {
  const canonical = (value: string): string => {
    const compact = value.replace(/\s+/g, '').replaceAll("'", '"')
    return /^"[^"]*"$/.test(compact) ? compact.slice(1, -1) : compact
  }
  return canonical(a) === canonical(b)
}

export async function readLibvirtdConfig(path: string): Promise<Map<string, string>> {
  return parseLibvirtConf(await readFile(path, 'utf8'))
}
