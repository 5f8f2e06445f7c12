import { Args } from '@oclif/core'
import { renderTable } from '../../../lib/text/table.js'
import { listSnapshots, type Snapshot } from '../../../lib/vm/snapshots.js'
import { existingVmName } from '../../../lib/vm/vm-name.js'
import { VmCommand } from '../../../vm-command.js'

export default class VmSnapshotList extends VmCommand {
  static override summary = 'list a VM\'s snapshots'
  static override examples = ['<%= config.bin %> <%= command.id %> web', '<%= config.bin %> <%= command.id %> web --json']
  static override args = { vm: Args.string({ description: 'the VM', required: true }) }

  async run(): Promise<{ vm: string; snapshots: Snapshot[] }> {
    const { args, flags } = await this.parse(VmSnapshotList)
    const target = await this.target(flags.connect)
    const vm = existingVmName(args.vm)
    const snapshots = await listSnapshots(target.uri, vm)
    if (snapshots.length === 0) this.log(`${vm} has no snapshots. Take one: hv vm snapshot create ${vm} NAME`)
    else for (const line of renderTable([['NAME', 'TAKEN', 'STATE', 'CURRENT'], ...snapshots.map((s) => [s.name, s.createdAt, s.state, s.current ? '*' : ''])])) this.log(line)
    return { vm, snapshots }
  }
}
