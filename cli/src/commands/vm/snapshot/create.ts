import { Args, Flags } from '@oclif/core'
import { createSnapshot, type Snapshot, snapshotName } from '../../../lib/vm/snapshots.js'
import { existingVmName } from '../../../lib/vm/vm-name.js'
import { VmCommand } from '../../../vm-command.js'

export default class VmSnapshotCreate extends VmCommand {
  static override summary = 'take a snapshot of a VM (with its memory when it runs)'
  static override examples = ['<%= config.bin %> <%= command.id %> web before-upgrade', '<%= config.bin %> <%= command.id %> web before-upgrade --description "kernel 6.1"']
  static override args = {
    vm: Args.string({ description: 'the VM', required: true }),
    name: Args.string({ description: 'the snapshot (letters, digits, dots, dashes, underscores)', required: true }),
  }
  static override flags = { description: Flags.string({ description: 'a note kept with the snapshot', default: '' }) }

  async run(): Promise<Snapshot> {
    const { args, flags } = await this.parse(VmSnapshotCreate)
    const target = await this.target(flags.connect)
    const snapshot = await createSnapshot(target.uri, existingVmName(args.vm), snapshotName(args.name), flags.description)
    this.log(`${this.theme.symbols.ok} snapshot ${snapshot.name} of ${args.vm} taken (${snapshot.state})`)
    return snapshot
  }
}
