import { Args } from '@oclif/core'
import { ExitCode } from '../../lib/errors/exit-codes.js'
import { HvError } from '../../lib/errors/hv-error.js'
import { vmDetails } from '../../lib/vm/inventory.js'
import { vmNotFound } from '../../lib/vm/lifecycle.js'
import { readReadiness } from '../../lib/vm/readiness.js'
import { existingVmName } from '../../lib/vm/vm-name.js'
import { VmCommand } from '../../vm-command.js'

export default class VmIp extends VmCommand {
  static override summary = 'print a VM\'s IP address (as the guest reported it, else from DHCP leases)'
  static override examples = ['<%= config.bin %> <%= command.id %> web', 'ssh user@$(<%= config.bin %> <%= command.id %> web)']
  static override args = { name: Args.string({ description: 'the VM', required: true }) }

  async run(): Promise<{ name: string; address: string; source: 'phone-home' | 'dhcp-lease' }> {
    const { args, flags } = await this.parse(VmIp)
    const target = await this.target(flags.connect)
    const name = existingVmName(args.name)
    const vm = await vmDetails(target.uri, name)
    if (!vm) throw vmNotFound(name)
    const ready = vm.state === 'running' ? await readReadiness(target.uri, name) : undefined
    const address = ready?.address ?? vm.ips[0]
    if (!address) {
      throw new HvError('NO_ADDRESS', `${name} has no known address (${vm.state})`, { exitCode: ExitCode.VM_NOT_RUNNING, suggestions: [`hv vm start ${name}`, `hv vm console ${name}`] })
    }
    this.log(address)
    return { name, address, source: ready ? 'phone-home' : 'dhcp-lease' }
  }
}
