import { HvCommand } from './base-command.js'
import { type VmTarget, vmTarget } from './lib/vm/target.js'

/** The base of `hv vm` commands: where they work, with a warning when that is probably not what the user meant. */
export abstract class VmCommand extends HvCommand {
  protected async target(connectFlag: string | undefined): Promise<VmTarget> {
    const target = await vmTarget(await this.connection(connectFlag))
    if (target.sessionWarning) this.logToStderr(this.theme.warning(target.sessionWarning))
    return target
  }
}
