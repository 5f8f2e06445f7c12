import { describe, expect, it } from 'vitest'
import { makeHost } from '../../helpers/host.js'
import { runHv } from '../../helpers/project.js'

describe('hv features show', async () => {
  const host = await makeHost({ resolveArgs: '{ enabled = { kernelHardening = true; }; }' })

  it('shows a high-risk feature and the exact lines that enable it, its dependency and the acknowledgement', async () => {
    const { stdout, exitCode } = await runHv(['features', 'show', 'gpuPassthrough'], { env: host.env })
    expect(exitCode).toBe(0)
    const feature = host.features!.features.gpuPassthrough!
    expect(stdout.startsWith(`gpuPassthrough (virtualization)\n${feature.description}\n\nRisk: high, above the risk tolerance (moderate): must be acknowledged\nEnabled: no (default: no)\n`)).toBe(true)
    expect(stdout).toContain('\nDepends on: iommu\nConflicts with: none\n')
    expect(stdout).toMatch(/\nImpacts:\n {2}- The guest drives a physical device directly/)
    expect(stdout).toMatch(/\nMitigations:\n {2}- Pass through only devices in IOMMU groups of their own/)
    expect(stdout.endsWith(
      [
        'To enable, in the host configuration:',
        '  hypervisor.features.iommu.enable = true;',
        '  hypervisor.features.gpuPassthrough.enable = true;',
        '  hypervisor.security.acknowledgedRisks = [ "gpuPassthrough" ];',
        'then rebuild: sudo nixos-rebuild switch',
        '',
      ].join('\n'),
    )).toBe(true)
  })

  it('says a critical feature is refused in the hardened phase, and turns off what it conflicts with', async () => {
    const { stdout } = await runHv(['features', 'show', 'publicBridge'], { env: host.env })
    expect(stdout).toContain('\nRisk: critical, above the risk tolerance (moderate): must be acknowledged\n[warn] refused in the hardened phase, even when acknowledged\n')
    expect(stdout).toContain(
      [
        'To enable, in the host configuration:',
        '  hypervisor.features.kernelHardening.enable = false;',
        '  hypervisor.features.publicBridge.enable = true;',
        '  hypervisor.security.acknowledgedRisks = [ "publicBridge" ];',
        '  (publicBridge conflicts with kernelHardening, which is enabled: turned off above.)',
        '  (publicBridge has critical risk: it is refused in the hardened phase, even when acknowledged.)',
      ].join('\n'),
    )
  })

  it('shows how to disable an enabled feature', async () => {
    const { stdout } = await runHv(['features', 'show', 'kernelHardening'], { env: host.env })
    expect(stdout).toContain('\nEnabled: yes (default: no)\n')
    expect(stdout).toContain('\nTo disable, in the host configuration:\n  hypervisor.features.kernelHardening.enable = false;\n')
  })

  it('--json: the feature and both plans', async () => {
    const { stdout, exitCode } = await runHv(['features', 'show', 'secureBoot', '--json'], { env: host.env })
    expect(exitCode).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({
      source: 'host',
      feature: { name: 'secureBoot', risk: 'low', dependencies: ['uefi'], enabled: false },
      toEnable: { lines: ['hypervisor.features.uefi.enable = true;', 'hypervisor.features.secureBoot.enable = true;'], notes: [] },
      toDisable: { lines: ['hypervisor.features.secureBoot.enable = false;'], notes: [] },
    })
  })

  it('refuses an unknown feature with FEATURE_UNKNOWN, exit 4, and the close matches', async () => {
    const human = await runHv(['features', 'show', 'gpu'], { env: host.env })
    expect(human.exitCode).toBe(4)
    expect(human.stderr).toBe('Error (FEATURE_UNKNOWN): there is no feature "gpu"\nTry this:\n  - hv features show gpuPassthrough\n  - hv features list\n')
    const json = await runHv(['features', 'show', 'usbPasthrough', '--json'], { env: host.env })
    expect(JSON.parse(json.stdout)).toEqual({
      status: 4,
      code: 'FEATURE_UNKNOWN',
      message: 'there is no feature "usbPasthrough"',
      suggestions: ['hv features show usbPassthrough', 'hv features show gpuPassthrough', 'hv features list'],
    })
  })

  it('needs a name', async () => {
    const { stderr, exitCode } = await runHv(['features', 'show'], { env: host.env })
    expect(exitCode).toBe(4)
    expect(stderr).toMatch(/^Error \(INVALID_ARGUMENT\): Missing 1 required arg:\nname/)
  })
})
