import { z } from 'zod'
import { SecurityPhase } from '../config/schemas.js'

/** Risk levels, lowest first (modules/features/feature-categories.nix: riskLevels). */
export const RiskLevel = z.enum(['minimal', 'low', 'moderate', 'high', 'critical'])
export type RiskLevel = z.infer<typeof RiskLevel>

export const FeatureName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'must be a feature name such as gpuPassthrough')

/** One entry of the resolved registry: the registry's data plus what this host made of it. */
export const Feature = z
  .object({
    name: FeatureName,
    category: z.string().min(1),
    description: z.string(),
    risk: RiskLevel,
    impacts: z.array(z.string()),
    mitigations: z.array(z.string()),
    requirements: z.array(z.string()),
    dependencies: z.array(FeatureName),
    conflicts: z.array(FeatureName),
    /** The NixOS options the feature sets (hosts built before the registry listed them have none). */
    configures: z.array(z.string()).default([]),
    default: z.boolean(),
    enabled: z.boolean(),
    aboveTolerance: z.boolean(),
    acknowledged: z.boolean(),
    refusedInPhase: z.boolean(),
  })
  .strict()
export type Feature = z.infer<typeof Feature>

const names = z.array(FeatureName)

/**
 * The resolved feature registry: /etc/hypervisor/features.json on a host, or the `report`
 * of modules/features/resolve.nix in a checkout. Cross-references are checked too: every
 * feature is filed under its own name, in a known category, and names only known features.
 */
export const FeaturesReport = z
  .object({
    schemaVersion: z.literal(1),
    phase: SecurityPhase,
    riskTolerance: RiskLevel,
    acknowledgedRisks: names,
    highestEnabledRisk: RiskLevel.nullable(),
    riskLevels: z.array(RiskLevel).refine((levels) => levels.join() === RiskLevel.options.join(), {
      message: `must be ${RiskLevel.options.join(', ')}, in that order`,
    }),
    categories: z.record(z.string().min(1), z.string()),
    features: z.record(FeatureName, Feature),
    summary: z
      .object({
        enabled: names,
        byRisk: z.object({ minimal: names, low: names, moderate: names, high: names, critical: names }).strict(),
        acknowledged: names,
        unacknowledged: names,
        refused: names,
      })
      .strict(),
  })
  .strict()
  .superRefine((report, context) => {
    const known = new Set(Object.keys(report.features))
    const unknownName = (name: string, path: (string | number)[]): void => {
      if (!known.has(name)) context.addIssue({ code: 'custom', path, message: `names "${name}", which is not a feature` })
    }
    for (const [key, feature] of Object.entries(report.features)) {
      if (feature.name !== key) {
        context.addIssue({ code: 'custom', path: ['features', key, 'name'], message: `is "${feature.name}", but the feature is filed under "${key}"` })
      }
      if (!(feature.category in report.categories)) {
        context.addIssue({ code: 'custom', path: ['features', key, 'category'], message: `"${feature.category}" is not one of the categories` })
      }
      feature.dependencies.forEach((name, index) => unknownName(name, ['features', key, 'dependencies', index]))
      feature.conflicts.forEach((name, index) => unknownName(name, ['features', key, 'conflicts', index]))
    }
    report.summary.enabled.forEach((name, index) => unknownName(name, ['summary', 'enabled', index]))
  })
export type FeaturesReport = z.infer<typeof FeaturesReport>
