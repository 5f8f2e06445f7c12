/**
 * Several virsh commands in one virsh process: a listing of N domains costs a constant
 * number of processes, not N. virsh parses its command string itself (not a shell):
 * every argument is escaped for that parser, and outputs are told apart by a separator
 * line (`echo`) that no command prints.
 */
import { randomBytes } from 'node:crypto'
import { libvirtError, virsh } from './virsh.js'

/** One argument for virsh's own command parser: a backslash makes any character literal. */
export function virshArgument(value: string): string {
  if (value.includes('\n')) throw new Error('a virsh argument cannot contain a newline')
  return value.replace(/[^A-Za-z0-9_./:=+-]/g, (character) => `\\${character}`)
}

/**
 * Runs `commands` (each an argv) in one virsh process and returns each one's stdout, in
 * order. A command that fails yields '' (its error goes to stderr; virsh goes on with the
 * next command), so one vanished domain does not spoil a listing.
 */
export async function virshBatch(uri: string, commands: readonly (readonly string[])[]): Promise<string[]> {
  if (commands.length === 0) return []
  const separator = `hv-batch-${randomBytes(8).toString('hex')}`
  const script = commands.map((argv) => argv.map(virshArgument).join(' ')).join(` ; echo ${separator} ; `)
  const { stdout, stderr, exitCode } = await virsh(uri, [script], { allowedExitCodes: [1] })
  const outputs = `${stdout}\n`.split(`${separator}\n`).map((output) => output.trim())
  // virsh could not connect (then it ran no command), or stopped before the end.
  if (outputs.length !== commands.length || (exitCode !== 0 && /failed to connect to the hypervisor/i.test(stderr))) {
    throw libvirtError(uri, stderr || `virsh ran ${outputs.length} of ${commands.length} commands`)
  }
  return outputs
}
