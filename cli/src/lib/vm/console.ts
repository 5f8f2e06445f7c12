/** `hv vm console`: virsh's serial console, in the user's terminal. */
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { run } from '../exec.js'
import { domainState } from './lifecycle.js'

export const CONSOLE_ESCAPE_HINT = 'Connected to the serial console. Leave with Ctrl+] (the VM keeps running).'

/**
 * Starts a shut-off VM with its console attached from the first byte (virsh start --console),
 * or attaches to a running one.
 */
export async function startWithConsole(uri: string, name: string, hint: (text: string) => void): Promise<void> {
  const state = await domainState(uri, name)
  if (state === 'running') return attachConsole(uri, name, hint)
  requireTerminal(uri, name)
  hint(CONSOLE_ESCAPE_HINT)
  await run('virsh', ['-c', uri, 'start', name, '--console'], { terminal: true })
}

function requireTerminal(uri: string, name: string): void {
  if (!process.stdin.isTTY) {
    throw new HvError('NOT_A_TERMINAL', 'the console needs a terminal', {
      exitCode: ExitCode.INVALID_ARGUMENT,
      suggestions: [`virsh -c ${uri} console ${name}   # from a terminal`],
    })
  }
}

export async function attachConsole(uri: string, name: string, hint: (text: string) => void): Promise<void> {
  const state = await domainState(uri, name)
  if (state !== 'running') {
    throw new HvError('VM_NOT_RUNNING', `${name} is ${state}: start it to use its console`, {
      exitCode: ExitCode.VM_NOT_RUNNING,
      suggestions: [`hv vm start ${name}`],
    })
  }
  requireTerminal(uri, name)
  hint(CONSOLE_ESCAPE_HINT)
  await run('virsh', ['-c', uri, 'console', name], { terminal: true })
}
