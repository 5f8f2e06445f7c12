import { readFile } from 'node:fs/promises'

export type PlatformKind = 'debian' | 'nixos' | 'other'

export interface Platform {
  kind: PlatformKind
  name: string
  hasSystemd: boolean
}

/** Parses /etc/os-release (KEY=value lines, values optionally quoted). */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim())
    if (match?.[1] && match[2] !== undefined) fields[match[1]] = match[2].replace(/^(["'])(.*)\1$/, '$2')
  }
  return fields
}

export function classifyPlatform(osRelease: Record<string, string>): PlatformKind {
  const ids = [osRelease.ID ?? '', ...(osRelease.ID_LIKE ?? '').split(/\s+/)]
  if (ids.includes('nixos')) return 'nixos'
  if (ids.includes('debian') || ids.includes('ubuntu')) return 'debian'
  return 'other'
}

export async function detectPlatform(osReleasePath = '/etc/os-release'): Promise<Platform> {
  let fields: Record<string, string> = {}
  try {
    fields = parseOsRelease(await readFile(osReleasePath, 'utf8'))
  } catch {
    // no os-release: treat as an unknown platform
  }
  let hasSystemd = false
  try {
    hasSystemd = (await readFile('/proc/1/comm', 'utf8')).trim() === 'systemd'
  } catch {
    // no /proc: assume no systemd
  }
  return { kind: classifyPlatform(fields), name: fields.PRETTY_NAME ?? fields.ID ?? 'unknown', hasSystemd }
}
