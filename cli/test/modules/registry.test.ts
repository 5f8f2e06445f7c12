import { describe, expect, it } from 'vitest'
import { nixEval } from '../helpers/nix.js'

/**
 * The feature registry and its policy (modules/features/resolve.nix) are pure Nix:
 * these tests run them with the real nix-instantiate, no nixpkgs needed.
 */

interface RegistryFeature {
  category: string
  description: string
  risk: string
  impacts: string[]
  mitigations: string[]
  requirements: string[]
  dependencies: string[]
  conflicts: string[]
  default: boolean
}
interface Registry {
  riskLevels: string[]
  categories: Record<string, string>
  features: Record<string, RegistryFeature>
}
interface Resolution {
  violations: string[]
  warnings: string[]
  report: {
    features: Record<string, RegistryFeature & { enabled: boolean; aboveTolerance: boolean; acknowledged: boolean; refusedInPhase: boolean }>
    summary: { enabled: string[]; unacknowledged: string[]; acknowledged: string[]; refused: string[]; byRisk: Record<string, string[]> }
    highestEnabledRisk: string | null
  }
}

const REQUIRED_FEATURES = {
  virtualization: ['uefi', 'tpm', 'secureBoot', 'nestedVirtualization', 'iommu', 'gpuPassthrough', 'usbPassthrough', 'sharedFolders', 'hugepages', 'guestAgent'],
  networking: ['natNetwork', 'bridgedNetworking', 'publicBridge', 'remoteManagement', 'sshManagement'],
  security: ['auditLogging', 'kernelHardening', 'serialConsoleLogging'],
}

function resolve(args: string): Promise<Resolution> {
  return nixEval<Resolution>(`let r = import ./modules/features/resolve.nix ${args}; in { inherit (r) violations warnings report; }`)
}

describe('the feature registry (plain data)', async () => {
  const registry = await nixEval<Registry>('import ./modules/features/feature-categories.nix')

  it('declares every required feature in its category', () => {
    for (const [category, names] of Object.entries(REQUIRED_FEATURES)) {
      for (const name of names) expect(registry.features[name]?.category, name).toBe(category)
    }
  })

  it('gives every feature a known risk, impacts, mitigations, and real dependencies and conflicts', () => {
    const names = Object.keys(registry.features)
    for (const [name, feature] of Object.entries(registry.features)) {
      expect(registry.riskLevels, name).toContain(feature.risk)
      expect(Object.keys(registry.categories), name).toContain(feature.category)
      expect(feature.description.length, name).toBeGreaterThan(20)
      expect(feature.impacts.length, name).toBeGreaterThan(0)
      expect(feature.mitigations.length, name).toBeGreaterThan(0)
      for (const other of [...feature.dependencies, ...feature.conflicts]) expect(names, `${name} -> ${other}`).toContain(other)
    }
  })

  it('rates the unfiltered public bridge critical and network-exposed management high or more', () => {
    expect(registry.features.publicBridge?.risk).toBe('critical')
    expect(registry.features.remoteManagement?.risk).toBe('high')
    expect(registry.features.gpuPassthrough?.risk).toBe('high')
  })
})

describe('the policy (resolve.nix)', () => {
  it('with registry defaults: no violations, and the default features on', async () => {
    const { violations, warnings, report } = await resolve('{ }')
    expect(violations).toEqual([])
    expect(warnings).toEqual([])
    expect(report.summary.enabled).toEqual(['guestAgent', 'natNetwork', 'uefi'])
    expect(report.highestEnabledRisk).toBe('low')
  })

  it('names the option to set when a dependency is missing', async () => {
    const { violations } = await resolve('{ enabled.secureBoot = true; enabled.uefi = false; }')
    expect(violations).toEqual([
      'Hyper-NixOS: feature "secureBoot" depends on "uefi", which is not enabled. Set hypervisor.features.uefi.enable = true; or turn secureBoot off (hypervisor.features.secureBoot.enable = false;).',
    ])
  })

  it('names both features of a conflict, once', async () => {
    const { violations } = await resolve('{ enabled = { kernelHardening = true; publicBridge = true; }; acknowledgedRisks = [ "publicBridge" ]; }')
    expect(violations).toEqual([
      'Hyper-NixOS: features "kernelHardening" and "publicBridge" conflict and cannot both be enabled. Turn one off: hypervisor.features.kernelHardening.enable = false; or hypervisor.features.publicBridge.enable = false;',
    ])
  })

  it('refuses an unacknowledged risk above the tolerance with its impacts, mitigations and how to acknowledge', async () => {
    const { violations } = await resolve('{ enabled.remoteManagement = true; }')
    expect(violations).toEqual([
      [
        'Hyper-NixOS: feature "remoteManagement" has high risk, above this host\'s risk tolerance (moderate), and is not acknowledged.',
        'Impacts:',
        '  - libvirtd listens on the network: a read-write libvirt connection is root-equivalent on the host.',
        '  - Anyone holding a client certificate signed by the configured CA can manage every VM.',
        '  - The firewall opens TCP 16514.',
        'Mitigations:',
        '  - Client certificates are verified against `hypervisor.features.remoteManagement.caFile`; issue them sparingly and revoke by rotating the CA.',
        '  - Prefer `sshManagement`, which needs no listening libvirt port.',
        'To accept the risk, add it to the acknowledged risks:',
        '  hypervisor.security.acknowledgedRisks = [ "remoteManagement" ];',
        'or turn it off: hypervisor.features.remoteManagement.enable = false;',
      ].join('\n'),
    ])
  })

  it('accepts an acknowledged risk, and a lower tolerance makes moderate features need acknowledgement', async () => {
    expect((await resolve('{ enabled.remoteManagement = true; acknowledgedRisks = [ "remoteManagement" ]; }')).violations).toEqual([])
    const strict = await resolve('{ enabled.sshManagement = true; riskTolerance = "low"; }')
    expect(strict.violations).toHaveLength(1)
    expect(strict.violations[0]).toMatch(/^Hyper-NixOS: feature "sshManagement" has moderate risk, above this host's risk tolerance \(low\)/)
    expect(strict.report.summary.unacknowledged).toEqual(['sshManagement'])
  })

  it('refuses critical features in the hardened phase even when acknowledged', async () => {
    const { violations, report } = await resolve('{ enabled.publicBridge = true; acknowledgedRisks = [ "publicBridge" ]; phase = "hardened"; }')
    expect(violations).toEqual([
      'Hyper-NixOS: feature "publicBridge" has critical risk and is refused in the hardened phase, even when acknowledged. Turn it off (hypervisor.features.publicBridge.enable = false;) or go back to the setup phase (hypervisor.security.phase = "setup";).',
    ])
    expect(report.features.publicBridge?.refusedInPhase).toBe(true)
    expect(report.summary.refused).toEqual(['publicBridge'])
  })

  it('warns about every enabled feature of moderate risk or more, with its impacts', async () => {
    const { warnings } = await resolve('{ enabled = { sshManagement = true; iommu = true; remoteManagement = true; }; acknowledgedRisks = [ "remoteManagement" ]; }')
    expect(warnings).toEqual([
      expect.stringMatching(/^Hyper-NixOS: feature "remoteManagement" \(high risk\) is enabled\. Impacts: libvirtd listens on the network/),
      expect.stringMatching(/^Hyper-NixOS: feature "sshManagement" \(moderate risk\) is enabled\. Impacts: sshd listens on port 22/),
    ])
  })

  it('reports each feature resolved, and the host summary', async () => {
    const { report } = await resolve('{ enabled.remoteManagement = true; acknowledgedRisks = [ "remoteManagement" ]; }')
    expect(report.features.remoteManagement).toMatchObject({ enabled: true, aboveTolerance: true, acknowledged: true, refusedInPhase: false, risk: 'high' })
    expect(report.summary.acknowledged).toEqual(['remoteManagement'])
    expect(report.summary.byRisk.high).toEqual(['remoteManagement'])
    expect(report.highestEnabledRisk).toBe('high')
  })
})
