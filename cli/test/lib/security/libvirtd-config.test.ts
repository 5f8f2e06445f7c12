import { describe, expect, it } from 'vitest'
import { configArgument, locateLibvirtdConfig, parseLibvirtConf, sameLibvirtValue } from '../../../src/lib/security/libvirtd-config.js'
import { listProcesses, processUid } from '../../../src/lib/security/proc.js'

describe('libvirt configuration files', () => {
  it('reads numbers, strings and lists spanning lines; comments and commented-out settings do not count', () => {
    const text = [
      '# access_drivers = [ "nope" ]',
      'unix_sock_group = "libvirt"   # the group',
      'auth_unix_rw = "polkit"',
      'log_level = 3',
      'access_drivers = [',
      '  "polkit",   # a comment inside',
      '  "x#y"',
      ']',
      'log_level = 1',
    ].join('\n')
    expect(Object.fromEntries(parseLibvirtConf(text))).toEqual({
      unix_sock_group: '"libvirt"',
      auth_unix_rw: '"polkit"',
      log_level: '3',
      access_drivers: '[ "polkit", "x#y" ]',
    })
  })

  it('compares values ignoring whitespace and the quote style', () => {
    expect(sameLibvirtValue('[ "polkit" ]', '["polkit"]')).toBe(true)
    expect(sameLibvirtValue("'libvirt'", '"libvirt"')).toBe(true)
    expect(sameLibvirtValue('"libvirt"', 'libvirt')).toBe(true)
    expect(sameLibvirtValue('[ "polkit" ]', '[ "polkit", "nop" ]')).toBe(false)
  })

  it("finds libvirtd's --config argument in its argv", () => {
    expect(configArgument(['libvirtd', '--config', '/nix/store/x-libvirtd.conf', '--timeout', '120'])).toBe('/nix/store/x-libvirtd.conf')
    expect(configArgument(['libvirtd', '--config=/etc/a.conf'])).toBe('/etc/a.conf')
    expect(configArgument(['libvirtd', '-f', '/etc/b.conf'])).toBe('/etc/b.conf')
    expect(configArgument(['libvirtd', '-d'])).toBeUndefined()
  })
})

const systemDaemons: number[] = []
for (const info of (await listProcesses()).filter((process) => process.comm === 'libvirtd')) {
  if ((await processUid(info.pid).catch(() => undefined)) === 0) systemDaemons.push(info.pid)
}
if (systemDaemons.length === 0) console.warn('[skip] finding the running libvirtd: no libvirtd runs as root here (hv dev setup starts one)')

describe('the running libvirtd', () => {
  it.skipIf(systemDaemons.length === 0)('is found in /proc, with the file it reads', async () => {
    const location = await locateLibvirtdConfig('/proc', '/etc/libvirt/libvirtd.conf')
    expect(systemDaemons).toContain(location.pid)
    expect(location.path).toMatch(/^\//)
  })
})
