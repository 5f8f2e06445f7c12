import { Args } from '@oclif/core'
import { HvCommand } from '../../base-command.js'
import { type ChangePlan, disablePlan, enablePlan, findFeature, riskRank } from '../../lib/features/registry.js'
import type { Feature, FeaturesReport, RiskLevel } from '../../lib/features/schema.js'
import { type FeaturesSource, loadFeatures } from '../../lib/features/source.js'

export interface FeaturesShowResult {
  source: FeaturesSource
  from: string
  phase: FeaturesReport['phase']
  riskTolerance: RiskLevel
  feature: Feature
  toEnable: ChangePlan
  toDisable: ChangePlan
}

export default class FeaturesShow extends HvCommand {
  static override summary = 'show what a feature does, the risk it carries and how to enable it'
  static override description = `Shows one feature of the registry: its description, category and risk; its impacts and their mitigations; what it requires, depends on and conflicts with; whether it is enabled; and the exact lines of NixOS configuration that enable it (its dependencies too, and the acknowledgement of a risk above the host's tolerance). Critical features are refused in the hardened phase.

Reads the same registry as hv features list.`
  static override examples = ['<%= config.bin %> <%= command.id %> gpuPassthrough', '<%= config.bin %> <%= command.id %> remoteManagement --json']
  static override args = {
    name: Args.string({ description: 'the feature, as hv features list names it (e.g. gpuPassthrough)', required: true }),
  }

  async run(): Promise<FeaturesShowResult> {
    const { args } = await this.parse(FeaturesShow)
    const { source, from, report } = await loadFeatures()
    this.verbose(`features: ${source === 'host' ? from : `registry defaults evaluated from ${from}`}`)
    const feature = findFeature(report, args.name)
    const toEnable = enablePlan(report, feature)
    const toDisable = disablePlan(report, feature)
    const theme = this.outputTheme
    const yesNo = (value: boolean): string => (value ? 'yes' : 'no')
    const list = (title: string, items: readonly string[]): void => {
      this.log(`${title}:${items.length === 0 ? ' none' : ''}`)
      for (const item of items) this.log(`  - ${item}`)
    }

    this.log(`${theme.strong(feature.name)} (${feature.category})`)
    this.log(feature.description)
    this.log('')
    const above = riskRank(feature.risk) > riskRank(report.riskTolerance)
    const tolerance = above
      ? `above the risk tolerance (${report.riskTolerance}): ${feature.acknowledged ? 'acknowledged' : 'must be acknowledged'}`
      : `within the risk tolerance (${report.riskTolerance})`
    this.log(`Risk: ${theme.risk(feature.risk)}, ${tolerance}`)
    if (feature.risk === 'critical') this.log(theme.warning(`${theme.symbols.warn} refused in the hardened phase, even when acknowledged`))
    this.log(`Enabled: ${yesNo(feature.enabled)} (default: ${yesNo(feature.default)})${source === 'checkout' ? '; registry defaults, not a host' : ''}`)
    this.log('')
    list('Impacts', feature.impacts)
    list('Mitigations', feature.mitigations)
    list('Requirements', feature.requirements)
    this.log(`Depends on: ${feature.dependencies.join(', ') || 'none'}`)
    this.log(`Conflicts with: ${feature.conflicts.join(', ') || 'none'}`)
    if (feature.configures.length > 0) list('NixOS options it sets', feature.configures)
    this.log('')
    const plan = feature.enabled ? toDisable : toEnable
    this.log(feature.enabled ? 'To disable, in the host configuration:' : 'To enable, in the host configuration:')
    for (const line of plan.lines) this.log(`  ${theme.command(line)}`)
    for (const note of plan.notes) this.log(theme.muted(`  (${note})`))
    this.log('then rebuild: sudo nixos-rebuild switch')
    return { source, from, phase: report.phase, riskTolerance: report.riskTolerance, feature, toEnable, toDisable }
  }
}
