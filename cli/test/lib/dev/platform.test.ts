import { describe, expect, it } from 'vitest'
import { classifyPlatform, parseOsRelease } from '../../../src/lib/dev/platform.js'
import { setupSteps } from '../../../src/lib/dev/setup.js'

describe('platform detection', () => {
  it('parses os-release, quoted or not', () => {
    expect(parseOsRelease('NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n# comment\n')).toEqual({
      NAME: 'Debian GNU/Linux',
      ID: 'debian',
      VERSION_ID: '12',
    })
  })

  it('knows Debian, its derivatives, NixOS and the rest', () => {
    expect(classifyPlatform({ ID: 'debian' })).toBe('debian')
    expect(classifyPlatform({ ID: 'ubuntu', ID_LIKE: 'debian' })).toBe('debian')
    expect(classifyPlatform({ ID: 'linuxmint', ID_LIKE: 'ubuntu debian' })).toBe('debian')
    expect(classifyPlatform({ ID: 'nixos' })).toBe('nixos')
    expect(classifyPlatform({ ID: 'fedora' })).toBe('other')
  })
})

describe('setup steps', () => {
  it('run in dependency order, each through a script, and the cloud guest only when asked', () => {
    const ids = setupSteps({ operator: 'ana', cloudGuest: true }).map((step) => step.id)
    expect(ids).toEqual(['packages', 'cli', 'link', 'services', 'polkit', 'pool', 'operator', 'tiny-guest', 'cloud-guest'])
    expect(setupSteps({ operator: 'ana', cloudGuest: false }).map((step) => step.id)).not.toContain('cloud-guest')
    const operator = setupSteps({ operator: 'ana', cloudGuest: false }).find((step) => step.id === 'operator')
    expect(operator?.script).toEqual(['scripts/dev/create-operator.sh', 'ana'])
  })
})
