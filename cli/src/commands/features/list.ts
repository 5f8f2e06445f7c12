import { Flags } from '@oclif/core'
import { HvCommand } from '../../base-command.js'
import { describeRiskCounts, filterFeatures, shortDescription } from '../../lib/features/registry.js'
import type { Feature, FeaturesReport, RiskLevel } from '../../lib/features/schema.js'
import { type FeaturesSource, loadFeatures } from '../../lib/features/source.js'
import { renderTable } from '../../lib/text/table.js'

export interface FeaturesListResult {
  source: FeaturesSource
  from: string
  phase: FeaturesReport['phase']
  riskTolerance: RiskLevel
  highestEnabledRisk: RiskLevel | null
  features: Feature[]
  summary: FeaturesReport['summary']
}

export default class FeaturesList extends HvCommand {
  static override summary = 'list the features of the registry, their risk and whether they are enabled'
  static override description = `Lists every optional capability of a Hyper-NixOS host with its category, its risk level (minimal, low, moderate, high, critical) and whether it is enabled, then the host's phase, risk tolerance and a risk summary.

On a host it reads /etc/hypervisor/features.json (HYPERVISOR_ROOT relocates the directory). Elsewhere, inside a Hyper-NixOS checkout, it evaluates the registry's defaults with nix-instantiate: what a new host would get. --json says which source was used.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --category networking',
    '<%= config.bin %> <%= command.id %> --enabled --json',
  ]
  static override flags = {
    category: Flags.string({ description: 'only this category: virtualization, networking or security', helpValue: '<category>' }),
    enabled: Flags.boolean({ description: 'only the features that are enabled', default: false }),
  }

  async run(): Promise<FeaturesListResult> {
    const { flags } = await this.parse(FeaturesList)
    const { source, from, report } = await loadFeatures()
    this.verbose(`features: ${source === 'host' ? from : `registry defaults evaluated from ${from}`}`)
    const features = filterFeatures(report, { category: flags.category, enabledOnly: flags.enabled })
    const theme = this.outputTheme
    if (features.length === 0) {
      this.log('No features match.')
    } else {
      const rows = features.map((feature) => [
        feature.name,
        feature.category,
        theme.risk(feature.risk),
        feature.enabled ? theme.success('yes') : 'no',
        shortDescription(feature.description),
      ])
      for (const line of renderTable([['NAME', 'CATEGORY', 'RISK', 'ENABLED', 'DESCRIPTION'], ...rows])) this.log(line)
    }
    this.log('')
    const total = Object.keys(report.features).length
    const where = source === 'host' ? `this host (${from})` : `registry defaults, not a host (${from})`
    this.log(`Source: ${where}`)
    this.log(`Phase: ${report.phase}; risk tolerance: ${report.riskTolerance}; highest enabled risk: ${report.highestEnabledRisk ?? 'none'}`)
    this.log(`Enabled: ${report.summary.enabled.length} of ${total}; by risk: ${describeRiskCounts(report.summary.byRisk)}`)
    if (report.summary.acknowledged.length > 0) this.log(`Acknowledged risks: ${report.summary.acknowledged.join(', ')}`)
    if (report.summary.unacknowledged.length > 0) {
      this.log(theme.error(`${theme.symbols.fail} Above the risk tolerance and not acknowledged: ${report.summary.unacknowledged.join(', ')}`))
    }
    if (report.summary.refused.length > 0) {
      this.log(theme.error(`${theme.symbols.fail} Refused in the ${report.phase} phase: ${report.summary.refused.join(', ')}`))
    }
    return {
      source,
      from,
      phase: report.phase,
      riskTolerance: report.riskTolerance,
      highestEnabledRisk: report.highestEnabledRisk,
      features,
      summary: report.summary,
    }
  }
}
