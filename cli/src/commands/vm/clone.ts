import { userInfo } from 'node:os'
import { Args, Flags } from '@oclif/core'
import { type CloneResult, cloneVm } from '../../lib/vm/clone.js'
import { existingVmName } from '../../lib/vm/vm-name.js'
import { VmCommand } from '../../vm-command.js'

export default class VmClone extends VmCommand {
  static override summary = 'clone a shut-off VM: linked (copy-on-write, instant) or --full'
  static override description = `Linked (default): the source's disk becomes a frozen base that the source and the clone each overlay, so the clone is instant and neither VM sees the other's later writes. --full copies every disk. The clone gets new MAC addresses and a fresh UUID.`
  static override examples = ['<%= config.bin %> <%= command.id %> web web-2', '<%= config.bin %> <%= command.id %> web web-backup --full']
  static override args = {
    source: Args.string({ description: 'the VM to clone (shut off)', required: true }),
    name: Args.string({ description: 'the new VM', required: true }),
  }
  static override flags = { full: Flags.boolean({ description: 'copy the disks instead of sharing them copy-on-write', default: false }) }

  async run(): Promise<CloneResult> {
    const { args, flags } = await this.parse(VmClone)
    const target = await this.target(flags.connect)
    const result = await cloneVm(target.uri, existingVmName(args.source), args.name, { full: flags.full, owner: userInfo().username })
    this.log(`${this.theme.symbols.ok} ${result.name} cloned from ${result.source} (${result.mode})`)
    return result
  }
}
