import { describe, expect, it } from 'vitest'
import {
  dependenciesOf,
  disablePlan,
  enablePlan,
  filterFeatures,
  findFeature,
  shortDescription,
} from '../../../src/lib/features/registry.js'
import { FeaturesReport } from '../../../src/lib/features/schema.js'
import { resolveReport } from '../../helpers/host.js'

const report = async (args?: string): Promise<FeaturesReport> => FeaturesReport.parse(await resolveReport(args))

describe('finding features', async () => {
  const defaults = await report()

  it('finds a feature by its exact name', () => {
    expect(findFeature(defaults, 'gpuPassthrough').category).toBe('virtualization')
  })

  it('refuses an unknown name with FEATURE_UNKNOWN (exit 4) and the names that contain or resemble it', () => {
    expect(() => findFeature(defaults, 'gpu')).toThrow(expect.objectContaining({
      code: 'FEATURE_UNKNOWN',
      exitCode: 4,
      message: 'there is no feature "gpu"',
      suggestions: ['hv features show gpuPassthrough', 'hv features list'],
    }))
    expect(() => findFeature(defaults, 'GPUPassthrough')).toThrow(expect.objectContaining({ suggestions: ['hv features show gpuPassthrough', 'hv features list'] }))
    expect(() => findFeature(defaults, 'tmp')).toThrow(expect.objectContaining({ suggestions: ['hv features show tpm', 'hv features list'] }))
  })

  it('lists every name when nothing is close', () => {
    const names = Object.keys(defaults.features).sort()
    expect(() => findFeature(defaults, 'quantumEntanglement')).toThrow(expect.objectContaining({
      suggestions: [`one of: ${names.join(', ')}`, 'hv features list'],
    }))
  })

  it('filters by category and by enabled, sorted by category then name', () => {
    expect(filterFeatures(defaults, { enabledOnly: true }).map((feature) => feature.name)).toEqual(defaults.summary.enabled.slice().sort((a, b) =>
      defaults.features[a]!.category.localeCompare(defaults.features[b]!.category) || a.localeCompare(b)))
    expect(new Set(filterFeatures(defaults, { category: 'security' }).map((feature) => feature.category))).toEqual(new Set(['security']))
  })

  it('refuses an unknown category, naming the known ones', () => {
    expect(() => filterFeatures(defaults, { category: 'netwrking' })).toThrow(expect.objectContaining({
      code: 'INVALID_ARGUMENT',
      exitCode: 4,
      message: 'there is no feature category "netwrking": the categories are networking, security, virtualization',
      suggestions: ['hv features list --category networking', 'hv features list'],
    }))
  })
})

describe('the lines that enable or disable a feature', () => {
  it('enable its dependencies first and acknowledge a risk above the tolerance', async () => {
    const defaults = await report()
    expect(enablePlan(defaults, findFeature(defaults, 'gpuPassthrough'))).toEqual({
      lines: [
        'hypervisor.features.iommu.enable = true;',
        'hypervisor.features.gpuPassthrough.enable = true;',
        'hypervisor.security.acknowledgedRisks = [ "gpuPassthrough" ];',
      ],
      notes: [],
    })
    expect(enablePlan(defaults, findFeature(defaults, 'tpm'))).toEqual({ lines: ['hypervisor.features.tpm.enable = true;'], notes: [] })
  })

  it('need no acknowledgement within the tolerance, and say how list options merge', async () => {
    const tolerant = await report('{ riskTolerance = "high"; }')
    expect(enablePlan(tolerant, findFeature(tolerant, 'gpuPassthrough')).lines).toEqual([
      'hypervisor.features.iommu.enable = true;',
      'hypervisor.features.gpuPassthrough.enable = true;',
    ])
    const acknowledged = await report('{ enabled = { remoteManagement = true; }; acknowledgedRisks = [ "remoteManagement" ]; }')
    expect(enablePlan(acknowledged, findFeature(acknowledged, 'gpuPassthrough')).notes).toEqual([
      'acknowledgedRisks is a list: add gpuPassthrough to the risks already acknowledged (remoteManagement).',
    ])
    expect(enablePlan(acknowledged, findFeature(acknowledged, 'remoteManagement')).lines).toEqual(['hypervisor.features.remoteManagement.enable = true;'])
  })

  it('turn off an enabled conflicting feature, and say that critical features are refused when hardened', async () => {
    const hardened = await report('{ enabled = { kernelHardening = true; }; phase = "hardened"; }')
    expect(enablePlan(hardened, findFeature(hardened, 'publicBridge'))).toEqual({
      lines: [
        'hypervisor.features.kernelHardening.enable = false;',
        'hypervisor.features.publicBridge.enable = true;',
        'hypervisor.security.acknowledgedRisks = [ "publicBridge" ];',
      ],
      notes: [
        'publicBridge conflicts with kernelHardening, which is enabled: turned off above.',
        'publicBridge has critical risk: it is refused in the hardened phase, even when acknowledged.',
        'This host is in the hardened phase: go back to the setup phase first (hv security setup).',
      ],
    })
  })

  it('disable the enabled features that need it first', async () => {
    const secure = await report('{ enabled = { secureBoot = true; }; }')
    expect(dependenciesOf(secure, 'secureBoot')).toEqual(['uefi'])
    expect(disablePlan(secure, findFeature(secure, 'uefi'))).toEqual({
      lines: ['hypervisor.features.secureBoot.enable = false;', 'hypervisor.features.uefi.enable = false;'],
      notes: ['secureBoot needs uefi: turned off above.'],
    })
  })
})

describe('shortDescription', () => {
  it('keeps the first sentence, cut at a word', () => {
    expect(shortDescription('Short. And more.')).toBe('Short.')
    expect(shortDescription('Bind the listed PCI devices (GPUs and their audio functions) to vfio-pci at boot.')).toBe(
      'Bind the listed PCI devices (GPUs and their audio...',
    )
  })
})
