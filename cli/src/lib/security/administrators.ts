/**
 * Who administers the host (members of wheel) and how many SSH keys each can log in with:
 * the hardened phase allows SSH keys only, so hardening a host where no administrator has
 * a key locks everyone out of SSH.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { run } from '../exec.js'
import type { SecurityReport } from './schema.js'

export interface AdministratorKeys {
  name: string
  /** Keys the configuration gives them (security.json); undefined when it does not list them. */
  configuredKeys: number | undefined
  /** Keys in the live authorized_keys files. */
  liveKeys: number
  /** The files those keys are in. */
  keyFiles: string[]
  /** Files that exist but could not be read (another user's home, as non-root). */
  unreadable: string[]
}

export interface AdministratorOptions {
  /** NixOS writes users.users.<name>.openssh.authorizedKeys to <dir>/<name>. */
  authorizedKeysDir?: string
  /** Members of this group are administrators. */
  group?: string
}

/** Key lines of an authorized_keys file: not blank, not a comment. */
export function countKeys(text: string): number {
  return text.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#')).length
}

/** A group's members from the live user database (getent); none when the group does not exist. */
export async function groupMembers(group: string): Promise<string[]> {
  const { stdout, exitCode } = await run('getent', ['group', group], { allowedExitCodes: [2], timeoutMs: 10_000 })
  if (exitCode === 2) return []
  return (stdout.split(':')[3] ?? '').split(',').filter(Boolean)
}

async function homeOf(user: string): Promise<string | undefined> {
  const { stdout, exitCode } = await run('getent', ['passwd', user], { allowedExitCodes: [2], timeoutMs: 10_000 })
  if (exitCode === 2) return undefined
  return stdout.split(':')[5] || undefined
}

async function liveKeys(user: string, options: AdministratorOptions): Promise<Pick<AdministratorKeys, 'liveKeys' | 'keyFiles' | 'unreadable'>> {
  const home = await homeOf(user)
  const files = [join(options.authorizedKeysDir ?? '/etc/ssh/authorized_keys.d', user), ...(home ? [join(home, '.ssh', 'authorized_keys')] : [])]
  const found = { liveKeys: 0, keyFiles: [] as string[], unreadable: [] as string[] }
  for (const file of files) {
    try {
      const keys = countKeys(await readFile(file, 'utf8'))
      if (keys > 0) {
        found.liveKeys += keys
        found.keyFiles.push(file)
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENOTDIR') found.unreadable.push(file)
    }
  }
  return found
}

/** The administrators security.json names and the live members of wheel, with their keys. */
export async function findAdministrators(security: SecurityReport | undefined, options: AdministratorOptions = {}): Promise<AdministratorKeys[]> {
  const configured = new Map((security?.administrators ?? []).map((admin) => [admin.name, admin.sshKeys]))
  const names = [...new Set([...configured.keys(), ...(await groupMembers(options.group ?? 'wheel'))])].sort()
  return Promise.all(names.map(async (name) => ({ name, configuredKeys: configured.get(name), ...(await liveKeys(name, options)) })))
}

/** Whether an administrator can log in with an SSH key: from the configuration, or a live key. */
export function hasKey(admin: AdministratorKeys): boolean {
  return (admin.configuredKeys ?? 0) > 0 || admin.liveKeys > 0
}

/** `alice: 2 keys (configuration 1; /etc/ssh/authorized_keys.d/alice 1)` */
export function describeAdministrator(admin: AdministratorKeys): string {
  const total = Math.max(admin.configuredKeys ?? 0, admin.liveKeys)
  const parts = [
    admin.configuredKeys !== undefined ? `${admin.configuredKeys} in the configuration` : 'not in security.json',
    admin.keyFiles.length > 0 ? `${admin.liveKeys} in ${admin.keyFiles.join(', ')}` : 'none in authorized_keys files',
    ...(admin.unreadable.length > 0 ? [`could not read ${admin.unreadable.join(', ')}`] : []),
  ]
  return `${admin.name}: ${total} ${total === 1 ? 'key' : 'keys'} (${parts.join('; ')})`
}
