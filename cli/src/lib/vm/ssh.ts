/**
 * `hv vm ssh`: OpenSSH to the address and user the guest reported, verifying the host key
 * it reported (a known_hosts file of one line), never trusting on first use.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { run } from '../exec.js'
import { readReadiness } from './readiness.js'

const ALL_EXIT_CODES = Array.from({ length: 255 }, (_, index) => index + 1)

/** Runs ssh in this terminal; resolves with the remote command's exit status. */
export async function sshToVm(uri: string, name: string, command: string[], options: { identity?: string } = {}): Promise<number> {
  const ready = await readReadiness(uri, name)
  if (!ready) {
    throw new HvError('VM_NOT_READY', `${name} has not reported its address and SSH host key`, {
      exitCode: ExitCode.VM_NOT_RUNNING,
      suggestions: [`hv vm create ${name} --image ... --wait cloud-init   # the guest reports when cloud-init is done`, `hv vm console ${name}`],
    })
  }
  const dir = await mkdtemp(join(tmpdir(), 'hv-ssh-'))
  try {
    const knownHosts = join(dir, 'known_hosts')
    await writeFile(knownHosts, `${ready.address} ${ready.hostKey}\n`, { mode: 0o600 })
    const args = [
      '-o', `UserKnownHostsFile=${knownHosts}`,
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'HostKeyAlgorithms=ssh-ed25519',
      ...(options.identity ? ['-i', options.identity] : []),
      '-l', ready.user,
      ready.address,
      ...(command.length > 0 ? ['--', ...command] : []),
    ]
    const { exitCode } = await run('ssh', args, { terminal: true, allowedExitCodes: ALL_EXIT_CODES })
    return exitCode
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
