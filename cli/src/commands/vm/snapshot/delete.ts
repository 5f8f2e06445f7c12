import { Args } from '@oclif/core'
import { deleteSnapshot, snapshotName } from '../../../lib/vm/snapshots.js'
import { existingVmName } from '../../../lib/vm/vm-name.js'
import { VmCommand } from '../../../vm-command.js'

export default class VmSnapshotDelete extends VmCommand {
  static override summary = 'delete a snapshot (the VM stays as it is)'
  static override examples = ['<%= config.bin %> <%= command.id %> web before-upgrade']
  static override args = {
    vm: Args.string({ description: 'the VM', required: true }),
    name: Args.string({ description: 'the snapshot', required: true }),
  }

  async run(): Promise<Awaited<ReturnType<typeof deleteSnapshot>>> {
    const { args, flags } = await this.parse(VmSnapshotDelete)
    const target = await this.target(flags.connect)
    const result = await deleteSnapshot(target.uri, existingVmName(args.vm), snapshotName(args.name))
    this.log(`${this.theme.symbols.ok} snapshot ${result.snapshot} of ${result.vm} deleted`)
    return result
  }
}
