import { basename } from 'node:path'
import { Flags } from '@oclif/core'
import { HvCommand } from './base-command.js'
import type { SecurityPhase } from './lib/config/schemas.js'
import { ExitCode } from './lib/errors/exit-codes.js'
import { HvError } from './lib/errors/hv-error.js'
import { type ApplyResult, executeApply, type PhasePlan, planPhaseChange, prepareApply, showCommand } from './lib/security/phase-change.js'
import { confirm, promptContext } from './lib/prompt.js'

export interface PhaseChangeResult extends Omit<PhasePlan, 'root' | 'hostConfigPath'> {
  applied: ApplyResult | undefined
}

/**
 * `hv security harden` and `hv security setup`: the same preflight, instructions and
 * --apply, towards one phase or the other.
 */
export abstract class PhaseChangeCommand extends HvCommand {
  static override flags = {
    apply: Flags.boolean({
      description: "change the phase in the host's managed settings file (hv.json: managedSettingsFile) and run nixos-rebuild switch (hv.json: rebuildFlake), through sudo unless root",
      default: false,
    }),
    yes: Flags.boolean({ description: 'with --apply: do it without asking', default: false }),
  }

  protected abstract readonly target: SecurityPhase

  protected async changePhase(flags: { apply: boolean; yes: boolean }): Promise<PhaseChangeResult> {
    const plan = await planPhaseChange(this.target)
    const { root: _root, hostConfigPath: _hostConfigPath, ...visible } = plan
    const theme = this.outputTheme
    if (plan.alreadyInPhase) {
      this.log(`${theme.symbols.ok} This host is already in the ${this.target} phase: nothing to do.`)
      return { ...visible, applied: undefined }
    }
    this.log('Preflight:')
    for (const check of plan.checks) this.log(`  ${theme.symbols.ok} ${check.message}`)
    this.log('')
    this.log(`To ${this.target === 'hardened' ? 'harden this host' : 'put this host back in the setup phase'}, set in its NixOS configuration:`)
    this.log(`  ${theme.command(plan.option)}`)
    this.log('then rebuild and switch:')
    this.log(`  ${theme.command(plan.rebuildCommand)}`)
    if (this.target === 'setup') {
      this.log(theme.warning(`${theme.symbols.warn} The setup phase is permissive: SSH passwords are accepted and operators' libvirt access is root-equivalent. Harden again when done (hv security harden).`))
    }
    if (!flags.apply) {
      if (plan.managedSettingsFile && plan.rebuildFlake) this.log(theme.muted(`Or let hv do both: hv ${this.id?.replaceAll(':', ' ')} --apply`))
      return { ...visible, applied: undefined }
    }

    const prepared = await prepareApply(plan)
    try {
      this.log('')
      this.log('hv will run:')
      prepared.steps.forEach((step, index) => {
        this.log(`  ${index + 1}. ${step.title}${step.sudoReason ? ' (sudo: needs root)' : ''}`)
        this.log(`     ${theme.command(showCommand(step.argv))}`)
      })
      const confirmed = await confirm(promptContext(this.jsonEnabled()), `Switch this host to the ${this.target} phase now?`, {
        answeredBy: '--yes',
        answered: flags.yes,
      })
      if (!confirmed) throw new HvError('CANCELLED', 'cancelled: nothing was changed', { exitCode: ExitCode.CANCELLED })
    } catch (error) {
      await prepared.cleanup()
      throw error
    }
    const applied = await executeApply(plan, prepared, (message) => this.announce(message))
    if (applied.phaseAfter === this.target) {
      this.log(`${theme.symbols.ok} This host is now in the ${this.target} phase.`)
    } else {
      this.log(
        theme.warning(
          `${theme.symbols.warn} The rebuild finished, but ${plan.root}/phase says ${applied.phaseAfter ?? 'nothing'}: does the configuration read the phase from ${prepared.settingsFile}? (hypervisor.security.phase = (lib.importJSON ./${basename(prepared.settingsFile)}).phase;)`,
        ),
      )
    }
    return { ...visible, applied }
  }
}
