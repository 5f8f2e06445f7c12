import { Args, Flags } from '@oclif/core'
import { type StopResult, stopVm } from '../../lib/vm/lifecycle.js'
import { existingVmName } from '../../lib/vm/vm-name.js'
import { VmCommand } from '../../vm-command.js'

export const stopFlags = {
  timeout: Flags.integer({ description: 'seconds to wait for the guest to shut down', default: 120, min: 1 }),
  force: Flags.boolean({ description: 'destroy the VM if it has not shut down within the timeout', default: false }),
}

export default class VmStop extends VmCommand {
  static override summary = 'shut a VM down gracefully (ACPI), waiting for libvirt to report it stopped'
  static override description = `Asks the guest to shut down (the ACPI power button) and waits for libvirt's "Stopped" event. A guest that has not stopped within --timeout is left running (exit 35) unless --force, which then destroys it. A VM that is already off is not an error.`
  static override examples = ['<%= config.bin %> <%= command.id %> web', '<%= config.bin %> <%= command.id %> web --timeout 30 --force']
  static override args = { name: Args.string({ description: 'the VM', required: true }) }
  static override flags = stopFlags

  async run(): Promise<StopResult> {
    const { args, flags } = await this.parse(VmStop)
    const target = await this.target(flags.connect)
    const name = existingVmName(args.name)
    await this.note(`asking ${name} to shut down (up to ${flags.timeout} s)`)
    const result = await stopVm(target.uri, name, { timeoutMs: flags.timeout * 1000, force: flags.force })
    const how = { shutdown: `shut down in ${result.seconds} s`, destroyed: `did not shut down in time: destroyed`, 'already-off': 'was already off' }
    this.log(`${this.theme.symbols.ok} ${name} ${how[result.how]}`)
    return result
  }
}
