import { HvCommand } from '../../base-command.js'
import { ExitCode } from '../../lib/errors/exit-codes.js'
import { HvError } from '../../lib/errors/hv-error.js'
import { describeRiskCounts } from '../../lib/features/registry.js'
import { PHASE_REPAIR, requireHost } from '../../lib/security/host.js'
import { type SecurityStatus, securityStatus } from '../../lib/security/status.js'
import { renderTable } from '../../lib/text/table.js'

export default class SecurityStatusCommand extends HvCommand {
  static override summary = "show the host's security phase and the risk of its enabled features"
  static override description = `Shows the phase the host is in (setup or hardened), read from /etc/hypervisor/phase and cross-checked with its marker file (.phase-setup or .phase-hardened), the risk tolerance, how many enabled features carry each risk level, and every enabled feature of moderate risk or above with whether its risk is acknowledged.

The phase files and features.json are generated from the same configuration: when they disagree or are missing, hv says so and exits with an error (${ExitCode.SECURITY_CHECK_FAILED}). HYPERVISOR_ROOT relocates /etc/hypervisor.`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<SecurityStatus> {
    await this.parse(SecurityStatusCommand)
    const root = await requireHost()
    const status = await securityStatus(root)
    const theme = this.outputTheme
    const markers = status.markers.map((marker) => `.phase-${marker}`).join(' and ') || 'no marker'
    this.log(`Phase: ${status.phase ?? 'unknown'} (${root}/phase; ${markers})`)
    if (status.features) {
      const features = status.features
      this.log(`Risk tolerance: ${features.riskTolerance}; highest enabled risk: ${features.highestEnabledRisk ?? 'none'}`)
      this.log(`Enabled features: ${features.enabled.length}; by risk: ${describeRiskCounts(features.byRisk)}`)
      if (features.risky.length === 0) {
        this.log('Risky features enabled (moderate and above): none')
      } else {
        this.log('Risky features enabled (moderate and above):')
        const standing = { acknowledged: 'acknowledged', unacknowledged: theme.error('NOT acknowledged'), 'within-tolerance': 'within the tolerance' }
        const rows = features.risky.map((feature) => [
          `  ${feature.name}`,
          theme.risk(feature.risk),
          standing[feature.standing] + (feature.refusedInPhase ? theme.error(`; refused in the ${status.phase} phase`) : ''),
        ])
        for (const line of renderTable(rows)) this.log(line)
      }
    }
    if (status.problems.length > 0) {
      this.log('')
      for (const problem of status.problems) this.log(theme.error(`${theme.symbols.fail} ${problem}`))
      throw new HvError('SECURITY_STATE_INCONSISTENT', `this host's security state cannot be trusted: ${status.problems.join('; ')}`, {
        exitCode: ExitCode.SECURITY_CHECK_FAILED,
        suggestions: PHASE_REPAIR,
        data: status,
      })
    }
    return status
  }
}
