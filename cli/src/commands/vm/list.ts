import { Flags } from '@oclif/core'
import { userInfo } from 'node:os'
import { formatMiB } from '../../lib/text/size.js'
import { renderTable } from '../../lib/text/table.js'
import { listVms, type VmSummary } from '../../lib/vm/inventory.js'
import { VmCommand } from '../../vm-command.js'

export interface VmListResult {
  uri: string
  vms: VmSummary[]
}

export default class VmList extends VmCommand {
  static override summary = 'list VMs with their state, size, autostart, owner and addresses'
  static override description = `Lists every VM of the libvirt connection, including those other tools created (their owner is empty). Reads everything in two virsh processes however many VMs there are. Addresses come from the NAT network's DHCP leases.`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --mine --json']
  static override flags = {
    mine: Flags.boolean({ description: 'only the VMs you created with hv', default: false }),
  }

  async run(): Promise<VmListResult> {
    const { flags } = await this.parse(VmList)
    const target = await this.target(flags.connect)
    const vms = await listVms(target.uri, flags.mine ? { owner: userInfo().username } : {})
    if (vms.length === 0) {
      this.log(flags.mine ? 'You have no VMs here. Create one: hv vm create NAME --image FILE' : 'No VMs. Create one: hv vm create NAME --image FILE')
    } else {
      const rows = vms.map((vm) => [vm.name, vm.state, String(vm.vcpus), formatMiB(vm.memoryMiB), vm.autostart ? 'yes' : 'no', vm.owner ?? '-', vm.ips.join(', ') || '-'])
      for (const line of renderTable([['NAME', 'STATE', 'VCPUS', 'MEMORY', 'AUTOSTART', 'OWNER', 'IP'], ...rows])) this.log(line)
    }
    return { uri: target.uri, vms }
  }
}
