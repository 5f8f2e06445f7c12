import { PhaseChangeCommand, type PhaseChangeResult } from '../../phase-change-command.js'

export default class SecuritySetup extends PhaseChangeCommand {
  static override summary = 'move the host back to the permissive setup phase'
  static override description = `Says exactly what to change to go back to the setup phase, for maintenance or installation: hypervisor.security.phase = "setup"; and the rebuild command. The setup phase is permissive (SSH passwords accepted, operators' libvirt access root-equivalent): harden again when done. A host already in the setup phase is left as it is.

With --apply, when hv.json names the host's managed settings file and flake (hypervisor.cli.managedSettingsFile and rebuildFlake), hv shows the commands, asks (--yes answers), writes "phase": "setup" into the file keeping its other keys, and runs nixos-rebuild switch. Each sudo is announced with its reason first. HV_NIXOS_REBUILD names another nixos-rebuild program.`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --apply']
  static override flags = PhaseChangeCommand.flags
  protected readonly target = 'setup' as const

  async run(): Promise<PhaseChangeResult> {
    const { flags } = await this.parse(SecuritySetup)
    return this.changePhase(flags)
  }
}
