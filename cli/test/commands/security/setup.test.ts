import { describe, expect, it } from 'vitest'
import { makeHost } from '../../helpers/host.js'
import { isRoot, runHv } from '../../helpers/project.js'

describe('hv security setup', () => {
  it('prints the option and the rebuild command to go back to the setup phase, with a warning', async () => {
    const host = await makeHost({ resolveArgs: '{ phase = "hardened"; }', hvJson: { rebuildFlake: '/etc/nixos#hv1' } })
    const { stdout, exitCode } = await runHv(['security', 'setup'], { env: host.env })
    expect(exitCode).toBe(0)
    expect(stdout).toBe(
      [
        'Preflight:',
        '  [ok] the phase files agree: hardened',
        '',
        'To put this host back in the setup phase, set in its NixOS configuration:',
        '  hypervisor.security.phase = "setup";',
        'then rebuild and switch:',
        `  ${isRoot() ? '' : 'sudo '}nixos-rebuild switch --flake /etc/nixos#hv1`,
        "[warn] The setup phase is permissive: SSH passwords are accepted and operators' libvirt access is root-equivalent. Harden again when done (hv security harden).",
        '',
      ].join('\n'),
    )
  })

  it('is a success with a note when the host is in the setup phase already', async () => {
    const host = await makeHost()
    const { stdout, exitCode } = await runHv(['security', 'setup'], { env: host.env })
    expect(exitCode).toBe(0)
    expect(stdout).toBe('[ok] This host is already in the setup phase: nothing to do.\n')
  })
})
