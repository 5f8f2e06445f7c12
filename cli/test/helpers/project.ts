import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

export const CLI_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const PROJECT_ROOT = resolve(CLI_ROOT, '..')
export const CLI_BIN = join(CLI_ROOT, 'bin', 'run.js')
export const OPERATOR = process.env.HV_OPERATOR || 'hv-operator'

const execFileAsync = promisify(execFile)

export interface CliRun {
  stdout: string
  stderr: string
  exitCode: number
}

export interface CliOptions {
  env?: Record<string, string | undefined>
  /** Run as this Unix user (through runuser; the test process must be root). */
  user?: string
  timeoutMs?: number
}

/** Runs the built `hv` exactly as a user would, optionally as another Unix user. */
export async function runHv(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const env = { ...process.env, NO_COLOR: '1', ...options.env }
  const [program, argv] = options.user
    ? ['runuser', ['-u', options.user, '--', 'env', ...envAssignments(options.env), process.execPath, CLI_BIN, ...args]]
    : [process.execPath, [CLI_BIN, ...args]]
  try {
    const { stdout, stderr } = await execFileAsync(program, argv as string[], { env, timeout: options.timeoutMs ?? 60_000 })
    return { stdout, stderr, exitCode: 0 }
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number }
    return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', exitCode: typeof failed.code === 'number' ? failed.code : -1 }
  }
}

/** runuser starts a clean environment: pass the variables a test sets explicitly. */
function envAssignments(env: Record<string, string | undefined> = {}): string[] {
  const base = { NO_COLOR: '1', HOME: undefined, ...env }
  return Object.entries(base)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${value}`)
}

export function isRoot(): boolean {
  return process.getuid?.() === 0
}

export async function userExists(user: string): Promise<boolean> {
  try {
    await execFileAsync('id', [user])
    return true
  } catch {
    return false
  }
}

/**
 * Why the integration tests cannot run here, or undefined when they can. They
 * need root (to act as the operator through runuser), the operator account and
 * the tiny guest from `hv dev setup`, and a libvirtd answering on qemu:///system.
 */
export async function integrationBlocker(): Promise<string | undefined> {
  if (!isRoot()) return 'integration tests run as root (they switch to the operator with runuser): run tests/run_all_tests.sh as root'
  if (!(await userExists(OPERATOR))) return `no operator account ${OPERATOR}: run hv dev setup first`
  const guestCache = process.env.HV_GUEST_CACHE || '/var/cache/hyper-nixos/guests'
  if (!existsSync(join(guestCache, 'tiny', 'current', 'manifest.json'))) return 'the tiny guest is not built: run hv dev setup first'
  try {
    await execFileAsync('virsh', ['-c', 'qemu:///system', 'uri'])
  } catch {
    return 'no libvirtd answers on qemu:///system: run hv dev setup first'
  }
  return undefined
}
