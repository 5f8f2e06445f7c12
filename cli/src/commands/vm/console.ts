import { Args } from '@oclif/core'
import { attachConsole } from '../../lib/vm/console.js'
import { existingVmName } from '../../lib/vm/vm-name.js'
import { VmCommand } from '../../vm-command.js'

export default class VmConsole extends VmCommand {
  static override summary = 'attach to a VM\'s serial console (leave with Ctrl+])'
  static override examples = ['<%= config.bin %> <%= command.id %> web']
  static override args = { name: Args.string({ description: 'the VM', required: true }) }
  static override enableJsonFlag = false

  async run(): Promise<void> {
    const { args, flags } = await this.parse(VmConsole)
    const target = await this.target(flags.connect)
    await attachConsole(target.uri, existingVmName(args.name), (text) => this.logToStderr(this.theme.muted(text)))
  }
}
