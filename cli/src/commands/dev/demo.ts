import { Flags } from '@oclif/core'
import { HvCommand } from '../../base-command.js'
import { type DemoResult, runTinyDemo } from '../../lib/dev/demo.js'
import { DomainName } from '../../lib/libvirt/names.js'

export default class DevDemo extends HvCommand {
  static override summary = 'boot the tiny test guest through libvirt as yourself'
  static override description = `Defines and starts the tiny test guest built by hv dev setup on the system libvirtd, as the calling user (no sudo: polkit decides), waits for its ready marker on the serial console, and lists the domains you can see. Run it as the operator account:

  runuser -u hv-operator -- hv dev demo

An existing demo domain of the same name is replaced (beginners are asked first; --yes answers). The guest keeps running; it powers off cleanly on an ACPI shutdown (virsh shutdown NAME).`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --name tiny-2 --no-network --json',
  ]
  static override flags = {
    name: Flags.string({ description: 'name of the demo domain', default: 'hv-demo-tiny' }),
    accel: Flags.string({ description: 'acceleration: tcg works everywhere, kvm needs a working /dev/kvm', options: ['tcg', 'kvm'], default: 'tcg' }),
    network: Flags.string({ description: 'libvirt network to attach the guest to', default: 'default' }),
    'no-network': Flags.boolean({ description: 'boot without a network interface', default: false }),
    'memory-mib': Flags.integer({ description: 'guest memory in MiB', default: 256, min: 64 }),
    timeout: Flags.integer({ description: 'seconds to wait for the ready marker', default: 120, min: 1 }),
    yes: Flags.boolean({ description: 'replace an existing demo domain without asking (only beginners are asked)', default: false }),
  }

  async run(): Promise<DemoResult> {
    const { flags } = await this.parse(DevDemo)
    const name = DomainName.parse(flags.name)
    const connection = await this.connection(flags.connect)
    // The demo is about the system daemon, whatever libvirt's per-user default is.
    const uri = connection.uri ?? 'qemu:///system'
    if (connection.uri === undefined) this.verbose(`libvirt: using ${uri}: the demo boots on the system daemon`)
    await this.explain('The guest is a Debian kernel and a busybox initramfs; it prints a marker on its serial console when ready.')
    const result = await runTinyDemo({
      uri,
      name,
      accel: flags.accel === 'kvm' ? 'kvm' : 'tcg',
      network: flags['no-network'] ? undefined : flags.network,
      memoryMiB: flags['memory-mib'],
      timeoutMs: flags.timeout * 1000,
      confirmReplace: (existing, state) => this.confirmRisky(`Destroy and replace the existing domain ${existing} (${state})?`, flags.yes),
      onProgress: (message) => this.note(message),
    })
    this.log(`${this.theme.symbols.ok} ${result.domain} booted in ${result.bootSeconds} s (${result.readyMarker} seen)`)
    for (const line of result.console) this.log(this.theme.muted(`  console: ${line}`))
    this.log('')
    const width = Math.max(4, ...result.domains.map((domain) => domain.name.length))
    this.log(`${'NAME'.padEnd(width)}  STATE`)
    for (const domain of result.domains) this.log(`${domain.name.padEnd(width)}  ${domain.state}`)
    return result
  }
}
