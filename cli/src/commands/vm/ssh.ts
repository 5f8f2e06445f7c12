import { Args, Flags } from '@oclif/core'
import { sshToVm } from '../../lib/vm/ssh.js'
import { existingVmName } from '../../lib/vm/vm-name.js'
import { VmCommand } from '../../vm-command.js'

export default class VmSsh extends VmCommand {
  static override summary = 'log in to a VM with OpenSSH, verifying the host key the guest reported'
  static override description = 'Uses the address, user and SSH host key the guest reported when cloud-init finished (hv vm create --wait cloud-init). The exit status is the remote command\'s.'
  static override examples = ['<%= config.bin %> <%= command.id %> web', '<%= config.bin %> <%= command.id %> web -- cat /etc/hostname']
  static override args = { name: Args.string({ description: 'the VM', required: true }) }
  static override strict = false
  static override enableJsonFlag = false
  static override flags = { identity: Flags.string({ char: 'i', description: 'the private key to log in with (default: ssh\'s own choice)' }) }

  async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(VmSsh)
    const target = await this.target(flags.connect)
    const command = (argv as string[]).slice(1)
    const status = await sshToVm(target.uri, existingVmName(args.name), command, { identity: flags.identity })
    if (status !== 0) this.exit(status)
  }
}
