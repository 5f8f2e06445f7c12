import { Args, Flags } from '@oclif/core'
import { type DeleteResult, deleteVm } from '../../lib/vm/delete.js'
import { existingVmName } from '../../lib/vm/vm-name.js'
import { VmCommand } from '../../vm-command.js'

export default class VmDelete extends VmCommand {
  static override summary = 'delete a VM with its NVRAM, TPM state and the volumes hv created for it'
  static override description = `Removes the VM's definition, snapshots metadata, UEFI variables and TPM state, and the volumes hv created for it (listed in its metadata). Volumes hv did not create, shared image bases, and a linked clone's base still used by another VM stay. A running VM is refused (exit 23) unless --force.`
  static override examples = ['<%= config.bin %> <%= command.id %> web', '<%= config.bin %> <%= command.id %> web --force --keep-disks']
  static override args = { name: Args.string({ description: 'the VM', required: true }) }
  static override flags = {
    force: Flags.boolean({ description: 'destroy the VM first if it is running', default: false }),
    'keep-disks': Flags.boolean({ description: 'leave its volumes in the pool', default: false }),
    yes: Flags.boolean({ description: 'do not ask (only beginners are asked)', default: false }),
  }

  async run(): Promise<DeleteResult> {
    const { args, flags } = await this.parse(VmDelete)
    const target = await this.target(flags.connect)
    const name = existingVmName(args.name)
    await this.confirmRisky(`Delete ${name}${flags['keep-disks'] ? '' : ' and its disks'}?`, flags.yes)
    const result = await deleteVm(target.uri, name, { force: flags.force, keepDisks: flags['keep-disks'] })
    this.log(`${this.theme.symbols.ok} ${name} deleted${result.removedVolumes.length > 0 ? `, with ${result.removedVolumes.map((v) => v.volume).join(', ')}` : ''}`)
    for (const kept of result.keptVolumes) this.log(`  kept ${kept.pool}/${kept.volume}: ${kept.why}`)
    return result
  }
}
