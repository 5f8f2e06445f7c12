import { Args, Flags } from '@oclif/core'
import { type WaitFor, type WaitResult, waitForVm } from '../../lib/vm/wait.js'
import { existingVmName } from '../../lib/vm/vm-name.js'
import { VmCommand } from '../../vm-command.js'

export default class VmWait extends VmCommand {
  static override summary = 'wait until a VM has an address, answers on SSH, reported cloud-init done, or shut down'
  static override description = `ip: its DHCP lease (watched with inotify on libvirt's lease file) or the address it reported; ssh: that, and port 22 accepting connections; cloud-init: the guest's phone-home report (received by hv vm create --wait cloud-init, or here: a VM created without --wait reports to the URL its seed names, and cloud-init retries for about two minutes); shutdown: libvirt's Stopped event.`
  static override examples = ['<%= config.bin %> <%= command.id %> web --for ip', '<%= config.bin %> <%= command.id %> web --for cloud-init --timeout 900', '<%= config.bin %> <%= command.id %> web --for shutdown --timeout 300']
  static override args = { name: Args.string({ description: 'the VM', required: true }) }
  static override flags = {
    for: Flags.string({ description: 'what to wait for', options: ['ip', 'ssh', 'cloud-init', 'shutdown'], required: true }),
    timeout: Flags.integer({ description: 'seconds to wait', default: 600, min: 1 }),
  }

  async run(): Promise<WaitResult> {
    const { args, flags } = await this.parse(VmWait)
    const target = await this.target(flags.connect)
    const result = await waitForVm(target.uri, existingVmName(args.name), flags.for as WaitFor, flags.timeout * 1000, {
      // Under --json an event line on stderr (stdout keeps the result), as hv image pull's progress.
      onListening: async (url) => (this.jsonEnabled() ? process.stderr.write(`${JSON.stringify({ event: 'listening', url })}\n`) : this.note(`listening for ${args.name}'s cloud-init report at ${url}`)),
    })
    this.log(`${this.theme.symbols.ok} ${result.name}: ${result.for}${result.address ? ` at ${result.address}` : ''} after ${result.seconds} s`)
    return result
  }
}
