import { Args, Flags } from '@oclif/core'
import { revertSnapshot, snapshotName } from '../../../lib/vm/snapshots.js'
import { existingVmName } from '../../../lib/vm/vm-name.js'
import { VmCommand } from '../../../vm-command.js'

export default class VmSnapshotRevert extends VmCommand {
  static override summary = 'return a VM to a snapshot (what changed since is lost)'
  static override examples = ['<%= config.bin %> <%= command.id %> web before-upgrade']
  static override args = {
    vm: Args.string({ description: 'the VM', required: true }),
    name: Args.string({ description: 'the snapshot', required: true }),
  }
  static override flags = { yes: Flags.boolean({ description: 'do not ask (only beginners are asked)', default: false }) }

  async run(): Promise<Awaited<ReturnType<typeof revertSnapshot>>> {
    const { args, flags } = await this.parse(VmSnapshotRevert)
    const target = await this.target(flags.connect)
    const vm = existingVmName(args.vm)
    const name = snapshotName(args.name)
    await this.confirmRisky(`Revert ${vm} to ${name}? Changes since then are lost.`, flags.yes)
    const result = await revertSnapshot(target.uri, vm, name)
    this.log(`${this.theme.symbols.ok} ${vm} reverted to ${name} (${result.state})`)
    return result
  }
}
