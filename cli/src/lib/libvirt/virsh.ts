/**
 * virsh through the one exec module (libvirt has no maintained Node binding),
 * with libvirt's error messages turned into hv's typed errors.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ExitCode, type ExitCodeValue } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { CommandFailedError, type RunOptions, type RunResult, run } from '../exec.js'

interface ErrorRule {
  pattern: RegExp
  code: string
  exitCode: ExitCodeValue
  suggestions: (uri: string) => string[]
}

const ERROR_RULES: ErrorRule[] = [
  {
    pattern: /no polkit agent available|authentication unavailable|access denied|Permission denied/i,
    code: 'LIBVIRT_PERMISSION_DENIED',
    exitCode: ExitCode.PERMISSION_DENIED,
    suggestions: (uri) => [
      `you may not manage VMs on ${uri}: ask an administrator to add you to hypervisor.operators (the hypervisor-operators group)`,
      'then log in again so the new group applies',
    ],
  },
  {
    pattern: /failed to connect to the hypervisor|Failed to connect socket|No such file or directory.*libvirt-sock/i,
    code: 'LIBVIRT_UNAVAILABLE',
    exitCode: ExitCode.LIBVIRT_UNAVAILABLE,
    suggestions: () => ['is libvirtd running? on a dev machine: sudo hv dev setup'],
  },
  {
    pattern: /Domain not found|failed to get domain/i,
    code: 'VM_NOT_FOUND',
    exitCode: ExitCode.VM_NOT_FOUND,
    suggestions: () => ['hv vm list   # the VMs you can see'],
  },
  {
    pattern: /already exists/i,
    code: 'VM_EXISTS',
    exitCode: ExitCode.VM_EXISTS,
    suggestions: () => ['choose another name, or delete the existing VM first'],
  },
  {
    pattern: /domain is not running/i,
    code: 'VM_NOT_RUNNING',
    exitCode: ExitCode.VM_NOT_RUNNING,
    suggestions: () => ['start it first'],
  },
  {
    pattern: /domain is already (running|active)/i,
    code: 'VM_RUNNING',
    exitCode: ExitCode.VM_RUNNING,
    suggestions: () => ['stop it first'],
  },
]

export function libvirtError(uri: string, stderr: string, cause?: unknown): HvError {
  const message = stderr.replace(/^error:\s*/gm, '').trim().split('\n').join('; ') || 'libvirt failed'
  for (const rule of ERROR_RULES) {
    if (rule.pattern.test(stderr)) {
      return new HvError(rule.code, message, { exitCode: rule.exitCode, suggestions: rule.suggestions(uri), cause })
    }
  }
  return new HvError('LIBVIRT_ERROR', message, { exitCode: ExitCode.LIBVIRT_ERROR, cause })
}

/** Runs `virsh -c URI ARGS...`; libvirt failures become typed errors. */
export async function virsh(uri: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  try {
    return await run('virsh', ['-c', uri, ...args], options)
  } catch (error) {
    if (error instanceof CommandFailedError) throw libvirtError(uri, error.stderr, error)
    throw error
  }
}

export interface DomainSummary {
  name: string
  state: string
}

/** All domains with their states in one virsh call (`list --all`), whatever their number. */
export async function listDomains(uri: string): Promise<DomainSummary[]> {
  const { stdout } = await virsh(uri, ['list', '--all'])
  return stdout
    .split('\n')
    .slice(2)
    .map((line) => /^\s*(\S+)\s+(\S+)\s+(.+?)\s*$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ name: match[2] ?? '', state: match[3] ?? '' }))
}

/**
 * `virsh define --validate` on a document: libvirt checks it against its schemas
 * before accepting it. virsh reads a file path (it cannot open a pipe as
 * /dev/stdin), so the XML goes through a private temporary file.
 */
export async function defineDomain(uri: string, xml: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hv-define-'))
  try {
    const file = join(dir, 'domain.xml')
    await writeFile(file, xml, { mode: 0o600 })
    await virsh(uri, ['define', '--validate', file])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
