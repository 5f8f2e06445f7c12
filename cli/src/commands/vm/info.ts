import { Args } from '@oclif/core'
import { formatMiB } from '../../lib/text/size.js'
import { type VmDetails, vmDetails } from '../../lib/vm/inventory.js'
import { vmNotFound } from '../../lib/vm/lifecycle.js'
import { existingVmName } from '../../lib/vm/vm-name.js'
import { VmCommand } from '../../vm-command.js'

export default class VmInfo extends VmCommand {
  static override summary = 'show a VM: state, hardware, disks, network, owner, snapshots'
  static override examples = ['<%= config.bin %> <%= command.id %> web', '<%= config.bin %> <%= command.id %> web --json']
  static override args = { name: Args.string({ description: 'the VM', required: true }) }

  async run(): Promise<VmDetails> {
    const { args, flags } = await this.parse(VmInfo)
    const target = await this.target(flags.connect)
    const name = existingVmName(args.name)
    const vm = await vmDetails(target.uri, name)
    if (!vm) throw vmNotFound(name)
    const d = vm.description
    this.log(`${this.outputTheme.strong(vm.name)}  ${vm.state}${vm.autostart ? ', starts with the host' : ''}`)
    this.log(`  hardware: ${vm.vcpus} vCPU, ${formatMiB(vm.memoryMiB)}, ${d.type === 'kvm' ? 'KVM' : 'TCG'}, ${d.firmware.toUpperCase()}${d.secureBoot ? ' Secure Boot' : ''}${d.tpm ? ', TPM 2.0' : ''}`)
    for (const disk of d.disks) {
      const source = disk.source.kind === 'volume' ? `${disk.source.pool}/${disk.source.volume}` : disk.source.kind === 'file' ? disk.source.path : '(empty)'
      this.log(`  ${disk.device} ${disk.target}: ${source}${disk.format ? ` (${disk.format})` : ''}`)
    }
    for (const nic of d.interfaces) this.log(`  network: ${nic.network ?? nic.bridge ?? '?'}${nic.mac ? ` (${nic.mac})` : ''}`)
    if (vm.ips.length > 0) this.log(`  addresses: ${vm.ips.join(', ')}`)
    this.log(d.hv ? `  created by ${d.hv.owner} with hv at ${d.hv.createdAt}${d.hv.image ? ` from ${d.hv.image}` : ''}` : '  not created by hv')
    this.log(`  snapshots: ${vm.snapshots.length > 0 ? vm.snapshots.join(', ') : 'none'}`)
    return vm
  }
}
