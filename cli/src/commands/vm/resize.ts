import { Args, Flags } from '@oclif/core'
import { parseSize } from '../../lib/text/size.js'
import { type ResizeResult, resizeVm } from '../../lib/vm/resize.js'
import { existingVmName } from '../../lib/vm/vm-name.js'
import { VmCommand } from '../../vm-command.js'

export default class VmResize extends VmCommand {
  static override summary = 'change a VM\'s memory, vCPUs or disk size'
  static override description = 'Memory and vCPUs change in the VM\'s definition: a running VM gets them at its next start. The disk only grows; a running VM sees it at once (the guest still has to grow its partition and file system).'
  static override examples = ['<%= config.bin %> <%= command.id %> web --memory 4G --vcpus 4', '<%= config.bin %> <%= command.id %> web --disk-size 40G']
  static override args = { name: Args.string({ description: 'the VM', required: true }) }
  static override flags = {
    memory: Flags.string({ description: 'memory: 512M, 4G (a plain number is MiB)' }),
    vcpus: Flags.integer({ description: 'virtual CPUs', min: 1, max: 512 }),
    'disk-size': Flags.string({ description: 'new size of the VM\'s disk: 40G (a plain number is GiB)' }),
  }

  async run(): Promise<ResizeResult> {
    const { args, flags } = await this.parse(VmResize)
    const target = await this.target(flags.connect)
    const memoryMiB = flags.memory === undefined ? undefined : Math.round(parseSize(flags.memory, 'M', '--memory') / 1024 / 1024)
    const result = await resizeVm(target.uri, existingVmName(args.name), {
      memoryMiB,
      vcpus: flags.vcpus,
      diskSizeBytes: flags['disk-size'] === undefined ? undefined : parseSize(flags['disk-size'], 'G', '--disk-size'),
    })
    this.log(`${this.theme.symbols.ok} ${result.name}: ${result.vcpus} vCPU, ${result.memoryMiB} MiB${result.diskSizeBytes ? `, disk ${result.diskSizeBytes} bytes` : ''}`)
    if (result.pendingRestart) this.log('  memory and vCPU changes apply when it next starts')
    return result
  }
}
