import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeHost } from '../../helpers/host.js'
import { runHv } from '../../helpers/project.js'

const ACKNOWLEDGED = '{ enabled = { remoteManagement = true; sshManagement = true; }; acknowledgedRisks = [ "remoteManagement" ]; phase = "setup"; }'

describe('hv security status', () => {
  it('shows the phase, the risk summary and the risky features with their acknowledgement', async () => {
    const host = await makeHost({ resolveArgs: ACKNOWLEDGED })
    const { stdout, stderr, exitCode } = await runHv(['security', 'status'], { env: host.env })
    expect(stderr).toBe('')
    expect(exitCode).toBe(0)
    expect(stdout).toBe(
      [
        `Phase: setup (${host.root}/phase; .phase-setup)`,
        'Risk tolerance: moderate; highest enabled risk: high',
        'Enabled features: 5; by risk: minimal 1, low 2, moderate 1, high 1, critical 0',
        'Risky features enabled (moderate and above):',
        '  remoteManagement  high      acknowledged',
        '  sshManagement     moderate  within the tolerance',
        '',
      ].join('\n'),
    )
  })

  it('--json: the typed status', async () => {
    const host = await makeHost({ resolveArgs: ACKNOWLEDGED })
    const { stdout } = await runHv(['security', 'status', '--json'], { env: host.env })
    expect(JSON.parse(stdout)).toMatchObject({
      root: host.root,
      phase: 'setup',
      markers: ['setup'],
      problems: [],
      features: {
        riskTolerance: 'moderate',
        risky: [
          { name: 'remoteManagement', risk: 'high', standing: 'acknowledged', refusedInPhase: false },
          { name: 'sshManagement', risk: 'moderate', standing: 'within-tolerance', refusedInPhase: false },
        ],
      },
    })
  })

  it('says loudly when the phase file and the marker disagree, and exits 43', async () => {
    const host = await makeHost({ resolveArgs: '{ phase = "hardened"; }', markers: ['setup'] })
    const { stdout, stderr, exitCode } = await runHv(['security', 'status'], { env: host.env })
    expect(exitCode).toBe(43)
    expect(stdout).toContain(`Phase: hardened (${host.root}/phase; .phase-setup)\n`)
    expect(stdout).toContain(`\n[fail] ${host.root}/phase says hardened, but the marker is .phase-setup\n`)
    expect(stderr).toBe(
      `Error (SECURITY_STATE_INCONSISTENT): this host's security state cannot be trusted: ${host.root}/phase says hardened, but the marker is .phase-setup\n` +
        'Try this:\n  - sudo nixos-rebuild switch   # regenerates /etc/hypervisor from the configuration\n  - if it persists, something edits /etc/hypervisor: hv security audit\n',
    )
  })

  it('says so when the phase file is missing; --json carries the status in data', async () => {
    const host = await makeHost({ phase: null, markers: ['setup'] })
    const { stdout, exitCode } = await runHv(['security', 'status', '--json'], { env: host.env })
    expect(exitCode).toBe(43)
    const envelope = JSON.parse(stdout)
    expect(envelope).toMatchObject({ status: 43, code: 'SECURITY_STATE_INCONSISTENT', data: { markers: ['setup'], problems: [`${host.root}/phase is missing`] } })
    expect(envelope.message).toBe(`this host's security state cannot be trusted: ${host.root}/phase is missing`)
  })

  it('refuses clearly on a machine that is not a Hyper-NixOS host (exit 2)', async () => {
    const absent = join(await mkdtemp(join(tmpdir(), 'hv-')), 'hypervisor')
    const { stderr, exitCode } = await runHv(['security', 'status'], { env: { HYPERVISOR_ROOT: absent } })
    expect(exitCode).toBe(2)
    expect(stderr).toMatch(new RegExp(`^Error \\(NOT_A_HOST\\): this is not a Hyper-NixOS host: ${absent} does not exist\\nTry this:\\n  - on NixOS: import the Hyper-NixOS module`))
  })
})
