/** What /proc says about running processes. */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface ProcessInfo {
  pid: number
  /** The kernel's name for it (/proc/PID/comm): the executable's name, cut to 15 characters. */
  comm: string
}

/** Every process this user can see. Processes that exit while we look are skipped. */
export async function listProcesses(procRoot = '/proc'): Promise<ProcessInfo[]> {
  const entries = await readdir(procRoot)
  const processes = await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (entry) => {
        try {
          return { pid: Number(entry), comm: (await readFile(join(procRoot, entry, 'comm'), 'utf8')).trim() }
        } catch {
          return undefined // gone, or hidden from us
        }
      }),
  )
  return processes.filter((info): info is ProcessInfo => info !== undefined)
}

/** The name as /proc/PID/comm shows it: the kernel keeps 15 characters (TASK_COMM_LEN - 1). */
export function commName(name: string): string {
  return name.slice(0, 15)
}

export async function processArgv(pid: number, procRoot = '/proc'): Promise<string[]> {
  const raw = await readFile(join(procRoot, String(pid), 'cmdline'), 'utf8')
  if (raw === '') return [] // a kernel thread
  return raw.replace(/\0$/, '').split('\0')
}

/** The real uid a process runs as (/proc/PID/status, `Uid:` line). */
export async function processUid(pid: number, procRoot = '/proc'): Promise<number | undefined> {
  const status = await readFile(join(procRoot, String(pid), 'status'), 'utf8')
  const match = /^Uid:\s+(\d+)/m.exec(status)
  return match?.[1] === undefined ? undefined : Number(match[1])
}

/**
 * Whether /proc hides other users' processes (mount option hidepid=1|2, invisible or
 * noaccess): then a process we cannot see may still be running.
 */
export async function otherProcessesHidden(procRoot = '/proc'): Promise<boolean> {
  try {
    const mounts = await readFile(join(procRoot, 'mounts'), 'utf8')
    return mounts
      .split('\n')
      .map((line) => line.split(' '))
      .some(([, mountPoint, type, options]) => mountPoint === procRoot && type === 'proc' && /(^|,)hidepid=(1|2|invisible|noaccess)(,|$)/.test(options ?? ''))
  } catch {
    return false
  }
}
