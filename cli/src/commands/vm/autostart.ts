import { Args } from '@oclif/core'
import { setAutostart } from '../../lib/vm/lifecycle.js'
import { existingVmName } from '../../lib/vm/vm-name.js'
import { VmCommand } from '../../vm-command.js'

export default class VmAutostart extends VmCommand {
  static override summary = 'start a VM with the host (on) or not (off)'
  static override examples = ['<%= config.bin %> <%= command.id %> web on', '<%= config.bin %> <%= command.id %> web off']
  static override args = {
    name: Args.string({ description: 'the VM', required: true }),
    setting: Args.string({ description: 'on or off', required: true, options: ['on', 'off'] }),
  }

  async run(): Promise<Awaited<ReturnType<typeof setAutostart>>> {
    const { args, flags } = await this.parse(VmAutostart)
    const target = await this.target(flags.connect)
    const result = await setAutostart(target.uri, existingVmName(args.name), args.setting === 'on')
    this.log(`${this.theme.symbols.ok} ${result.name} ${result.autostart ? 'starts' : 'no longer starts'} with the host`)
    return result
  }
}
