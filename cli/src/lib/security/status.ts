/** `hv security status`: the phase as the host records it, and the risk it carries. */
import type { SecurityPhase } from '../config/schemas.js'
import { riskRank } from '../features/registry.js'
import type { FeaturesReport, RiskLevel } from '../features/schema.js'
import { readHostFeatures } from '../features/source.js'
import { readPhaseState } from './host.js'

/** `acknowledged`/`unacknowledged`: above the tolerance; `within-tolerance`: at or below it. */
export type RiskStanding = 'acknowledged' | 'unacknowledged' | 'within-tolerance'

export interface RiskyFeature {
  name: string
  risk: RiskLevel
  standing: RiskStanding
  refusedInPhase: boolean
}

export interface SecurityStatus {
  root: string
  phase: SecurityPhase | undefined
  markers: SecurityPhase[]
  /** Everything that makes the state unreliable; empty on a healthy host. */
  problems: string[]
  features:
    | {
        from: string
        riskTolerance: RiskLevel
        highestEnabledRisk: RiskLevel | null
        enabled: string[]
        byRisk: FeaturesReport['summary']['byRisk']
        /** Enabled features of moderate risk and above, highest first. */
        risky: RiskyFeature[]
      }
    | undefined
}

export async function securityStatus(root: string): Promise<SecurityStatus> {
  const phaseState = await readPhaseState(root)
  const problems = [...phaseState.problems]
  const loaded = await readHostFeatures(root)
  if (loaded === undefined) {
    problems.push(`${root}/features.json is missing`)
    return { root, phase: phaseState.phase, markers: phaseState.markers, problems, features: undefined }
  }
  const { report, from } = loaded
  if (phaseState.phase !== undefined && report.phase !== phaseState.phase) {
    problems.push(`${from} was generated for the ${report.phase} phase, but ${root}/phase says ${phaseState.phase}`)
  }
  const risky = Object.values(report.features)
    .filter((feature) => feature.enabled && riskRank(feature.risk) >= riskRank('moderate'))
    .sort((a, b) => riskRank(b.risk) - riskRank(a.risk) || a.name.localeCompare(b.name))
    .map((feature) => ({
      name: feature.name,
      risk: feature.risk,
      standing: (feature.aboveTolerance ? (feature.acknowledged ? 'acknowledged' : 'unacknowledged') : 'within-tolerance') as RiskStanding,
      refusedInPhase: feature.refusedInPhase,
    }))
  for (const feature of risky) {
    if (feature.standing === 'unacknowledged') problems.push(`${feature.name} (${feature.risk} risk) is above the risk tolerance (${report.riskTolerance}) and not acknowledged`)
    if (feature.refusedInPhase) problems.push(`${feature.name} (${feature.risk} risk) is enabled, but the ${report.phase} phase refuses it`)
  }
  return {
    root,
    phase: phaseState.phase,
    markers: phaseState.markers,
    problems,
    features: {
      from,
      riskTolerance: report.riskTolerance,
      highestEnabledRisk: report.highestEnabledRisk,
      enabled: report.summary.enabled,
      byRisk: report.summary.byRisk,
      risky,
    },
  }
}
