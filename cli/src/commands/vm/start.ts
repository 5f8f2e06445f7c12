import { Args, Flags } from '@oclif/core'
import { startWithConsole } from '../../lib/vm/console.js'
import { type StartResult, startVm } from '../../lib/vm/lifecycle.js'
import { existingVmName } from '../../lib/vm/vm-name.js'
import { VmCommand } from '../../vm-command.js'

export default class VmStart extends VmCommand {
  static override summary = 'start a VM (a running VM is left as it is)'
  static override examples = ['<%= config.bin %> <%= command.id %> web', '<%= config.bin %> <%= command.id %> web --console']
  static override args = { name: Args.string({ description: 'the VM', required: true }) }
  static override flags = {
    console: Flags.boolean({ description: 'attach to the serial console from the first byte of the boot (leave with Ctrl+])', default: false }),
  }

  async run(): Promise<StartResult> {
    const { args, flags } = await this.parse(VmStart)
    const target = await this.target(flags.connect)
    const name = existingVmName(args.name)
    if (flags.console && !this.jsonEnabled()) {
      await startWithConsole(target.uri, name, (text) => this.logToStderr(this.theme.muted(text)))
      return { name, state: 'running', started: true }
    }
    const result = await startVm(target.uri, name)
    this.log(result.note ?? `${this.theme.symbols.ok} ${result.name} started`)
    return result
  }
}
