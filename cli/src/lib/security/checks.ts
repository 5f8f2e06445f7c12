/**
 * `hv security audit`: every guarantee of security.json checked on the live host. A check
 * passes, fails (with what was found), or is unknown (with why it could not be looked at,
 * usually: it needs root).
 */
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { run } from '../exec.js'
import type { CheckOutcome } from '../theme.js'
import { locateLibvirtdConfig, readLibvirtdConfig, sameLibvirtValue } from './libvirtd-config.js'
import { commName, listProcesses, otherProcessesHidden } from './proc.js'
import type { Check, Guarantee, SecurityReport } from './schema.js'
import { loadSshdConfig, normalizeSshdValue, type SshdConfig } from './sshd-config.js'

export interface CheckResult {
  status: CheckOutcome
  /** What the host has (pass and fail). */
  found?: string
  /** Why the check could not be made (unknown). */
  why?: string
}

export interface GuaranteeResult extends CheckResult {
  id: string
  description: string
  check: Check
}

export interface AuditSummary {
  pass: number
  fail: number
  unknown: number
}

export interface ProbeOptions {
  procRoot?: string
  sshdConfigPath?: string
  libvirtdConfigPath?: string
  isRoot?: boolean
  /** Ask `sshd -T` (default: when root, the only user it works for). */
  useSshdDump?: boolean
}

/** What the checks read, looked up once per audit. */
export class HostProbe {
  readonly procRoot: string
  readonly isRoot: boolean
  private sshd: Promise<SshdConfig> | undefined
  private processNames: Promise<Set<string>> | undefined

  constructor(private readonly options: ProbeOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc'
    this.isRoot = options.isRoot ?? process.getuid?.() === 0
  }

  sshdConfig(): Promise<SshdConfig> {
    this.sshd ??= loadSshdConfig({
      configPath: this.options.sshdConfigPath,
      useSshdDump: this.options.useSshdDump ?? this.isRoot,
      isRoot: this.isRoot,
    })
    return this.sshd
  }

  runningNames(): Promise<Set<string>> {
    this.processNames ??= listProcesses(this.procRoot).then((processes) => new Set(processes.map((info) => info.comm)))
    return this.processNames
  }

  libvirtdConfig(): Promise<{ path: string; pid: number | undefined }> {
    return locateLibvirtdConfig(this.procRoot, this.options.libvirtdConfigPath)
  }

  /** Why a read failed, as an unknown result; undefined when the error means "absent". */
  unreadable(path: string, error: unknown): CheckResult | undefined {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    const denied = code === 'EACCES' || code === 'EPERM'
    const why = denied ? `cannot read ${path}: permission denied` : `cannot read ${path}: ${(error as Error).message}`
    return { status: 'unknown', why: denied && !this.isRoot ? `${why} (run as root: sudo hv security audit)` : why }
  }
}

const pass = (found: string): CheckResult => ({ status: 'pass', found })
const fail = (found: string): CheckResult => ({ status: 'fail', found })

async function fileExists(path: string, probe: HostProbe): Promise<boolean | CheckResult> {
  try {
    await stat(path)
    return true
  } catch (error) {
    return probe.unreadable(path, error) ?? false
  }
}

async function readText(path: string, probe: HostProbe): Promise<string | CheckResult> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EISDIR') return fail(`${path} is a directory`)
    return probe.unreadable(path, error) ?? fail(`${path} does not exist`)
  }
}

/** /proc/sys/kernel/kptr_restrict for kernel.kptr_restrict; keys with `/` are already paths. */
export function sysctlPath(key: string, procRoot = '/proc'): string {
  return join(procRoot, 'sys', key.includes('/') ? key : key.replaceAll('.', '/'))
}

const normalizeSpace = (value: string): string => value.trim().split(/\s+/).join(' ')

async function checkSysctl(key: string, expected: string, probe: HostProbe): Promise<CheckResult> {
  const path = sysctlPath(key, probe.procRoot)
  let live: string
  try {
    live = normalizeSpace(await readFile(path, 'utf8'))
  } catch (error) {
    return probe.unreadable(path, error) ?? fail(`${key} does not exist on this kernel (no ${path})`)
  }
  return live === normalizeSpace(expected) ? pass(`${key} = ${live}`) : fail(`${key} = ${live}`)
}

async function checkSshd(key: string, expected: string, probe: HostProbe): Promise<CheckResult> {
  const lookup = (await probe.sshdConfig()).get(key)
  if ('unknown' in lookup) return { status: 'unknown', why: lookup.unknown }
  const found = `${key} ${lookup.value} (${lookup.source})`
  return normalizeSshdValue(lookup.value) === normalizeSshdValue(expected) ? pass(found) : fail(found)
}

async function checkGroupMembers(group: string, expected: readonly string[]): Promise<CheckResult> {
  let entry: { stdout: string; exitCode: number }
  try {
    // getent exits 2 when the group does not exist.
    entry = await run('getent', ['group', group], { allowedExitCodes: [2], timeoutMs: 10_000 })
  } catch (error) {
    return { status: 'unknown', why: `getent group ${group} failed: ${(error as Error).message}` }
  }
  if (entry.exitCode === 2) return fail(`group ${group} does not exist`)
  const members = [...new Set((entry.stdout.split(':')[3] ?? '').split(',').filter(Boolean))].sort()
  const wanted = [...new Set(expected)].sort()
  const found = members.length > 0 ? `${group}: ${members.join(', ')}` : `${group} has no members`
  return members.join(',') === wanted.join(',') ? pass(found) : fail(found)
}

async function checkProcess(name: string, probe: HostProbe): Promise<CheckResult> {
  if ((await probe.runningNames()).has(commName(name))) return pass(`${name} is running`)
  if (!probe.isRoot && (await otherProcessesHidden(probe.procRoot))) {
    return { status: 'unknown', why: `${probe.procRoot} hides other users' processes (hidepid): run as root (sudo hv security audit)` }
  }
  return fail(`no process named ${name} is running`)
}

async function checkLibvirtdConfig(key: string, expected: string, probe: HostProbe): Promise<CheckResult> {
  const { path } = await probe.libvirtdConfig()
  let settings: Map<string, string>
  try {
    settings = await readLibvirtdConfig(path)
  } catch (error) {
    return probe.unreadable(path, error) ?? fail(`${path} does not exist`)
  }
  const value = settings.get(key)
  if (value === undefined) return fail(`${key} is not set in ${path} (libvirtd's built-in default applies)`)
  const found = `${key} = ${value} (${path})`
  return sameLibvirtValue(value, expected) ? pass(found) : fail(found)
}

export async function runCheck(check: Check, probe: HostProbe): Promise<CheckResult> {
  switch (check.kind) {
    case 'file-exists': {
      const exists = await fileExists(check.path, probe)
      if (typeof exists !== 'boolean') return exists
      return exists ? pass(`${check.path} exists`) : fail(`${check.path} does not exist`)
    }
    case 'file-absent': {
      const exists = await fileExists(check.path, probe)
      if (typeof exists !== 'boolean') return exists
      return exists ? fail(`${check.path} exists`) : pass(`${check.path} does not exist`)
    }
    case 'file-sha256': {
      const text = await readFile(check.path).catch((error: unknown) => probe.unreadable(check.path, error) ?? fail(`${check.path} does not exist`))
      if (!Buffer.isBuffer(text)) return text
      const digest = createHash('sha256').update(text).digest('hex')
      return digest === check.sha256.toLowerCase() ? pass(`sha256 ${digest}`) : fail(`sha256 ${digest}`)
    }
    case 'file-contains': {
      const text = await readText(check.path, probe)
      if (typeof text !== 'string') return text
      return text.includes(check.text) ? pass(`${check.path} contains the text`) : fail(`${check.path} does not contain the text`)
    }
    case 'sysctl':
      return checkSysctl(check.key, check.value, probe)
    case 'sshd':
      return checkSshd(check.key, check.value, probe)
    case 'group-members':
      return checkGroupMembers(check.group, check.members)
    case 'process':
      return checkProcess(check.name, probe)
    case 'libvirtd-config':
      return checkLibvirtdConfig(check.key, check.value, probe)
  }
}

/** What a check expects, in words: `kernel.kptr_restrict = 2`. */
export function describeExpectation(check: Check): string {
  switch (check.kind) {
    case 'file-exists':
      return `${check.path} exists`
    case 'file-absent':
      return `${check.path} does not exist`
    case 'file-sha256':
      return `${check.path} has sha256 ${check.sha256.toLowerCase()}`
    case 'file-contains':
      return `${check.path} contains ${JSON.stringify(check.text)}`
    case 'sysctl':
      return `${check.key} = ${check.value}`
    case 'sshd':
      return `sshd ${check.key} ${check.value}`
    case 'group-members':
      return `${check.group}: ${check.members.length > 0 ? check.members.join(', ') : 'no members'}`
    case 'process':
      return `a process named ${check.name} is running`
    case 'libvirtd-config':
      return `libvirtd ${check.key} = ${check.value}`
  }
}

export async function checkGuarantee(guarantee: Guarantee, probe: HostProbe): Promise<GuaranteeResult> {
  let result: CheckResult
  try {
    result = await runCheck(guarantee.check, probe)
  } catch (error) {
    result = { status: 'unknown', why: (error as Error).message }
  }
  return { id: guarantee.id, description: guarantee.description, check: guarantee.check, ...result }
}

export interface AuditOutcome {
  results: GuaranteeResult[]
  summary: AuditSummary
}

export async function auditGuarantees(report: SecurityReport, probe = new HostProbe()): Promise<AuditOutcome> {
  const results = await Promise.all(report.guarantees.map((guarantee) => checkGuarantee(guarantee, probe)))
  const count = (status: CheckOutcome): number => results.filter((result) => result.status === status).length
  return { results, summary: { pass: count('pass'), fail: count('fail'), unknown: count('unknown') } }
}
