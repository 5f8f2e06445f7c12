import { PhaseChangeCommand, type PhaseChangeResult } from '../../phase-change-command.js'

export default class SecurityHarden extends PhaseChangeCommand {
  static override summary = 'move the host to the hardened phase, after checking nobody gets locked out'
  static override description = `Checks that the host can be hardened, then says exactly what to change: hypervisor.security.phase = "hardened"; and the rebuild command.

Refused when an administrator would be locked out (the hardened phase allows SSH keys only, and no member of wheel has a key, in the configuration or in /etc/ssh/authorized_keys.d and ~/.ssh/authorized_keys), or when a critical feature is enabled (refused in the hardened phase). A host already hardened is left as it is.

With --apply, when hv.json names the host's managed settings file and flake (hypervisor.cli.managedSettingsFile and rebuildFlake), hv shows the commands, asks (--yes answers), writes "phase": "hardened" into the file keeping its other keys, and runs nixos-rebuild switch. Each sudo is announced with its reason first. HV_NIXOS_REBUILD names another nixos-rebuild program.`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --apply', '<%= config.bin %> <%= command.id %> --apply --yes --json']
  static override flags = PhaseChangeCommand.flags
  protected readonly target = 'hardened' as const

  async run(): Promise<PhaseChangeResult> {
    const { flags } = await this.parse(SecurityHarden)
    return this.changePhase(flags)
  }
}
