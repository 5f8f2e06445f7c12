import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeHost, resolveReport } from '../../helpers/host.js'
import { PROJECT_ROOT, runHv } from '../../helpers/project.js'

/** The cells of a table row (columns are two or more spaces apart). */
const cells = (line: string): string[] => line.split(/ {2,}/)

describe('hv features list', async () => {
  // A host with a high-risk feature acknowledged, as resolve.nix reports it.
  const host = await makeHost({
    resolveArgs: '{ enabled = { remoteManagement = true; sshManagement = true; tpm = true; }; acknowledgedRisks = [ "remoteManagement" ]; phase = "setup"; }',
  })
  const enabled = host.features!.summary.enabled

  it("shows the host's features as a table, then its phase, tolerance and risk summary", async () => {
    const { stdout, stderr, exitCode } = await runHv(['features', 'list', '--enabled'], { env: host.env })
    expect(exitCode).toBe(0)
    expect(stderr).toBe('')
    const lines = stdout.trimEnd().split('\n')
    expect(cells(lines[0]!)).toEqual(['NAME', 'CATEGORY', 'RISK', 'ENABLED', 'DESCRIPTION'])
    const rows = lines.slice(1, 1 + enabled.length)
    expect(rows.map((row) => cells(row).slice(0, 4))).toEqual([
      ['natNetwork', 'networking', 'low', 'yes'],
      ['remoteManagement', 'networking', 'high', 'yes'],
      ['sshManagement', 'networking', 'moderate', 'yes'],
      ['guestAgent', 'virtualization', 'low', 'yes'],
      ['tpm', 'virtualization', 'low', 'yes'],
      ['uefi', 'virtualization', 'minimal', 'yes'],
    ])
    // Columns line up: every row's RISK starts where the header's does.
    const riskColumn = lines[0]!.indexOf('RISK')
    for (const row of rows) expect(row.slice(riskColumn)).toMatch(/^(minimal|low|moderate|high|critical) /)
    expect(cells(rows[1]!)[4]).toMatch(/^libvirt over TLS on TCP 16514/)
    expect(lines.slice(1 + enabled.length)).toEqual([
      '',
      `Source: this host (${join(host.root, 'features.json')})`,
      'Phase: setup; risk tolerance: moderate; highest enabled risk: high',
      `Enabled: 6 of ${Object.keys(host.features!.features).length}; by risk: minimal 1, low 3, moderate 1, high 1, critical 0`,
      'Acknowledged risks: remoteManagement',
    ])
  })

  it('filters by category', async () => {
    const { stdout } = await runHv(['features', 'list', '--category', 'security'], { env: host.env })
    const names = stdout.split('\n\n')[0]!.split('\n').slice(1).map((row) => cells(row)[0])
    const expected = Object.values(host.features!.features).filter((feature) => feature.category === 'security').map((feature) => feature.name).sort()
    expect(names).toEqual(expected)
  })

  it('refuses an unknown category with exit 4', async () => {
    const { stderr, exitCode } = await runHv(['features', 'list', '--category', 'storage'], { env: host.env })
    expect(exitCode).toBe(4)
    expect(stderr).toBe('Error (INVALID_ARGUMENT): there is no feature category "storage": the categories are networking, security, virtualization\nTry this:\n  - hv features list\n')
  })

  it('--json: the features, the source and the summary', async () => {
    const { stdout, exitCode } = await runHv(['features', 'list', '--enabled', '--json'], { env: host.env })
    expect(exitCode).toBe(0)
    const result = JSON.parse(stdout)
    expect(result).toMatchObject({
      source: 'host',
      from: join(host.root, 'features.json'),
      phase: 'setup',
      riskTolerance: 'moderate',
      highestEnabledRisk: 'high',
      summary: host.features!.summary,
    })
    expect(result.features.map((feature: { name: string }) => feature.name).sort()).toEqual([...enabled].sort())
    expect(result.features[1]).toEqual({ ...host.features!.features.remoteManagement, configures: expect.any(Array) })
  })

  it('shows risk as a coloured icon on a terminal (FORCE_COLOR), as words otherwise', async () => {
    const { stdout } = await runHv(['features', 'list', '--enabled'], { env: { ...host.env, NO_COLOR: '', FORCE_COLOR: '1' } })
    expect(stdout).toContain('\u001B[31m◆ high\u001B[39m')
    expect(stdout).toContain('\u001B[33m▲ moderate\u001B[39m')
  })

  it('without a host, lists the registry defaults of this checkout (nix-instantiate)', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'hv-nohost-'))
    const { stdout, exitCode } = await runHv(['features', 'list', '--json'], { env: { HYPERVISOR_ROOT: empty } })
    expect(exitCode).toBe(0)
    const result = JSON.parse(stdout)
    expect(result.source).toBe('checkout')
    expect(result.from).toBe(join(PROJECT_ROOT, 'modules', 'features', 'resolve.nix'))
    expect(result.summary).toEqual((await resolveReport()).summary)
    const human = await runHv(['features', 'list'], { env: { HYPERVISOR_ROOT: empty } })
    expect(human.stdout).toContain(`\nSource: registry defaults, not a host (${result.from})\n`)
  })

  it('without a host and without nix-instantiate, says neither was found (exit 2)', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'hv-nohost-'))
    const { stdout, exitCode } = await runHv(['features', 'list', '--json'], { env: { HYPERVISOR_ROOT: empty, PATH: '/nonexistent' } })
    expect(exitCode).toBe(2)
    expect(JSON.parse(stdout)).toEqual({
      status: 2,
      code: 'FEATURES_UNAVAILABLE',
      message: `no feature registry to read: ${join(empty, 'features.json')} does not exist (this is not a Hyper-NixOS host), and nix-instantiate, needed to read the registry of the checkout ${PROJECT_ROOT}, is not installed`,
      suggestions: [
        'on a Hyper-NixOS host: set hypervisor.enable = true; and rebuild (it writes /etc/hypervisor/features.json)',
        'in a checkout: install Nix (nix-instantiate) and run hv from the checkout, or set HV_PROJECT_ROOT to it',
        'HYPERVISOR_ROOT=<dir> reads another host directory',
      ],
    })
  })
})
