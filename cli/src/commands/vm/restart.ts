import { Args } from '@oclif/core'
import { restartVm } from '../../lib/vm/lifecycle.js'
import { existingVmName } from '../../lib/vm/vm-name.js'
import { VmCommand } from '../../vm-command.js'
import { stopFlags } from './stop.js'

export default class VmRestart extends VmCommand {
  static override summary = 'shut a VM down gracefully and start it again'
  static override examples = ['<%= config.bin %> <%= command.id %> web', '<%= config.bin %> <%= command.id %> web --timeout 30 --force']
  static override args = { name: Args.string({ description: 'the VM', required: true }) }
  static override flags = stopFlags

  async run(): Promise<Awaited<ReturnType<typeof restartVm>>> {
    const { args, flags } = await this.parse(VmRestart)
    const target = await this.target(flags.connect)
    const result = await restartVm(target.uri, existingVmName(args.name), { timeoutMs: flags.timeout * 1000, force: flags.force })
    this.log(`${this.theme.symbols.ok} ${result.name} restarted`)
    return result
  }
}
