import { Args } from '@oclif/core'
import { killVm } from '../../lib/vm/lifecycle.js'
import { existingVmName } from '../../lib/vm/vm-name.js'
import { VmCommand } from '../../vm-command.js'

export default class VmKill extends VmCommand {
  static override summary = 'stop a VM at once, like pulling its power plug (virsh destroy)'
  static override examples = ['<%= config.bin %> <%= command.id %> web']
  static override args = { name: Args.string({ description: 'the VM', required: true }) }

  async run(): Promise<Awaited<ReturnType<typeof killVm>>> {
    const { args, flags } = await this.parse(VmKill)
    const target = await this.target(flags.connect)
    const result = await killVm(target.uri, existingVmName(args.name))
    this.log(result.killed ? `${this.theme.symbols.ok} ${result.name} killed` : `${result.name} was already off`)
    return result
  }
}
