import { Flags } from '@oclif/core'
import { HvCommand } from '../../base-command.js'
import { findProjectRoot } from '../../lib/dev/project-root.js'
import { runSetup, type SetupResult } from '../../lib/dev/setup.js'

export default class DevSetup extends HvCommand {
  static override summary = 'prepare this machine for Hyper-NixOS development'
  static override description = `Installs the Debian/Ubuntu packages the project needs, installs npm dependencies and builds hv, links it as /usr/local/bin/hv, starts libvirtd (by hand when there is no systemd, so that polkit decides who may connect), installs the Hyper-NixOS polkit rules (setup phase), creates an unprivileged operator account in hypervisor-operators, and builds the test guests into a cache outside the repository.

It is a system operation: it needs root and says so. It is idempotent: re-running it changes only what is missing or out of date. On NixOS it tells you to use nix develop instead.`
  static override examples = [
    'sudo <%= config.bin %> <%= command.id %>',
    'sudo <%= config.bin %> <%= command.id %> --no-cloud-guest',
    'sudo <%= config.bin %> <%= command.id %> --operator alice --json',
  ]
  static override flags = {
    operator: Flags.string({
      description: 'the unprivileged account that runs tests and demos',
      default: 'hv-operator',
    }),
    'cloud-guest': Flags.boolean({
      description: 'also build the cloud-init test guest (debootstrap, a few minutes the first time)',
      default: true,
      allowNo: true,
    }),
  }

  async run(): Promise<SetupResult> {
    const { flags } = await this.parse(DevSetup)
    const projectRoot = await findProjectRoot()
    this.verbose(`checkout: ${projectRoot}`)
    const result = await runSetup({
      projectRoot,
      operator: flags.operator,
      cloudGuest: flags['cloud-guest'],
      showProgress: !this.jsonEnabled(),
      onStep: async (step) => {
        await this.note(this.theme.strong(`==> ${step.title}`))
        await this.note(this.theme.muted(`    ${step.why}`))
      },
    })
    await this.note(`${this.theme.symbols.ok} dev machine ready: operator ${result.operator}, tiny guest in ${result.guests.tiny ?? '-'}`)
    return result
  }
}
