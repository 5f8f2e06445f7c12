import { describe, expect, it } from 'vitest'
import { FeaturesReport } from '../../../src/lib/features/schema.js'
import { describeZodIssues } from '../../../src/lib/errors/zod-issues.js'
import { resolveReport } from '../../helpers/host.js'

/** The report of the real modules/features/resolve.nix, evaluated by nix-instantiate. */
describe('the features.json schema', async () => {
  const defaults = await resolveReport()
  const busy = await resolveReport(
    '{ enabled = { gpuPassthrough = true; iommu = true; publicBridge = true; }; acknowledgedRisks = [ "gpuPassthrough" ]; phase = "hardened"; riskTolerance = "low"; }',
  )

  it('accepts what resolve.nix writes, with no host choices and with many', () => {
    expect(FeaturesReport.safeParse(defaults).success).toBe(true)
    const parsed = FeaturesReport.parse(busy)
    expect(parsed.phase).toBe('hardened')
    expect(parsed.features.gpuPassthrough).toMatchObject({ enabled: true, aboveTolerance: true, acknowledged: true })
    expect(parsed.summary.refused).toEqual(['publicBridge'])
  })

  const issues = (data: unknown): string[] => {
    const parsed = FeaturesReport.safeParse(data)
    if (parsed.success) throw new Error('expected the report to be refused')
    return describeZodIssues(parsed.error)
  }
  const copy = (): Record<string, any> => structuredClone(defaults) as Record<string, any>

  it('refuses a field it does not know, naming it (strict)', () => {
    const report = copy()
    report.features.tpm.colour = 'blue'
    expect(issues(report)).toEqual(['features.tpm: Unrecognized key: "colour"'])
  })

  it('refuses another schema version and an unknown risk level', () => {
    const report = copy()
    report.schemaVersion = 2
    report.features.uefi.risk = 'extreme'
    expect(issues(report)).toEqual([
      'schemaVersion: Invalid input: expected 1',
      'features.uefi.risk: Invalid option: expected one of "minimal"|"low"|"moderate"|"high"|"critical"',
    ])
  })

  it('refuses broken cross-references: a misfiled feature, an unknown category, an unknown dependency', () => {
    const report = copy()
    report.features.tpm.name = 'swtpm'
    report.features.iommu.category = 'storage'
    report.features.secureBoot.dependencies = ['uefi', 'shim']
    expect(issues(report)).toEqual([
      'features.iommu.category: "storage" is not one of the categories',
      'features.secureBoot.dependencies.1: names "shim", which is not a feature',
      'features.tpm.name: is "swtpm", but the feature is filed under "tpm"',
    ])
  })
})
