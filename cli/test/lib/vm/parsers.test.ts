import { describe, expect, it } from 'vitest'
import { lifecycleOf, parseEventLine } from '../../../src/lib/libvirt/events.js'
import { virshArgument } from '../../../src/lib/libvirt/virsh-batch.js'
import { parseVolumeList, parseVolumeXml } from '../../../src/lib/libvirt/volumes.js'
import { parseSize } from '../../../src/lib/text/size.js'
import { parseDomifaddr, parseDomstats, parseDomstatsStates, parseMetadataOwner } from '../../../src/lib/vm/inventory.js'
import { parseSnapshotList, snapshotName } from '../../../src/lib/vm/snapshots.js'
import { existingVmName, newVmName } from '../../../src/lib/vm/vm-name.js'

describe('libvirt events', () => {
  it('parses virsh event --timestamp lines into typed events', () => {
    expect(parseEventLine("2026-11-25 21:24:26.344+0000: event 'lifecycle' for domain 'web-1': Stopped Shutdown")).toEqual({
      time: '2026-11-25 21:24:26.344+0000',
      kind: 'lifecycle',
      domain: 'web-1',
      state: 'Stopped',
      reason: 'Shutdown',
      detail: 'Stopped Shutdown',
    })
    expect(parseEventLine("2026-11-25 21:24:26.344+0000: event 'reboot' for domain 'db'")).toMatchObject({ kind: 'reboot', domain: 'db', state: undefined })
    expect(parseEventLine("event 'lifecycle' for domain 'it's': Started Booted")).toMatchObject({ domain: "it's", state: 'Started' })
    expect(parseEventLine('event loop timed out')).toBeUndefined()
    expect(parseEventLine('')).toBeUndefined()
  })

  it('matches a lifecycle state of one domain only', () => {
    const stopped = parseEventLine("event 'lifecycle' for domain 'a': Stopped Destroyed")!
    expect(lifecycleOf('a', 'Stopped')(stopped)).toBe(true)
    expect(lifecycleOf('b', 'Stopped')(stopped)).toBe(false)
    expect(lifecycleOf('a', 'Started')(stopped)).toBe(false)
  })
})

describe('virsh batches', () => {
  it('escapes every argument for virsh\'s own parser, so no value can start another command', () => {
    expect(virshArgument('web-1')).toBe('web-1')
    expect(virshArgument("a b;c'd\"e\\f$(g)")).toBe("a\\ b\\;c\\'d\\\"e\\\\f\\$\\(g\\)")
    expect(() => virshArgument('a\nb')).toThrow(/newline/)
  })
})

describe('virsh output', () => {
  it('reads domain states from domstats', () => {
    const states = parseDomstatsStates("Domain: 'a'\n  state.state=1\n  state.reason=1\n\nDomain: 'b c'\n  state.state=5\n  state.reason=0\n")
    expect([...states]).toEqual([
      ['a', 'running'],
      ['b c', 'shut off'],
    ])
  })

  it('reads sizes from domstats (memory in KiB) and the owner from hv\'s metadata element', () => {
    const stats = parseDomstats("Domain: 'p1'\n  state.state=5\n  state.reason=0\n  balloon.current=204800\n  balloon.maximum=204800\n  vcpu.current=2\n  vcpu.maximum=4\n")
    expect(stats.get('p1')).toEqual({ state: 'shut off', memoryMiB: 200, vcpus: 2 })
    expect(parseMetadataOwner('<instance>\n  <owner>ana</owner>\n  <created>2026-11-25T21:51:53.078Z</created>\n</instance>\n')).toBe('ana')
    expect(parseMetadataOwner('<instance><owner>&lt;b&gt;</owner></instance>')).toBe('<b>')
    expect(parseMetadataOwner('')).toBeUndefined()
    expect(parseMetadataOwner('<other><owner>x</owner></other>')).toBeUndefined()
    expect(parseMetadataOwner('<instance><owner>' + 'x'.repeat(65) + '</owner></instance>')).toBeUndefined()
  })

  it('reads addresses from domifaddr', () => {
    const table = ' Name       MAC address          Protocol     Address\n-------------------------------------------------------------------------------\n vnet0      52:54:00:e7:8a:01    ipv4         192.168.122.162/24\n -          -                    ipv6         fd00::5/64\n'
    expect(parseDomifaddr(table)).toEqual(['192.168.122.162', 'fd00::5'])
    expect(parseDomifaddr('')).toEqual([])
  })

  it('reads snapshots, volumes and volume XML', () => {
    expect(parseSnapshotList(' Name         Creation Time               State\n----------------------------------------------------\n first-boot   2026-11-25 21:31:38 +0000   shutoff\n')).toEqual([
      { name: 'first-boot', createdAt: '2026-11-25 21:31:38 +0000', state: 'shutoff' },
    ])
    expect(parseVolumeList(' Name            Path\n------------------\n web-root.qcow2   /var/lib/hypervisor/images/web-root.qcow2\n my disk.img   /srv/my disk.img\n')).toEqual(['web-root.qcow2', 'my disk.img'])
    const xml = `<volume type='file'><name>b.qcow2</name><capacity unit='bytes'>67108864</capacity><target><path>/p/b.qcow2</path><format type='qcow2'/></target><backingStore><path>/p/a.qcow2</path><format type='qcow2'/></backingStore></volume>`
    expect(parseVolumeXml({ pool: 'p', volume: 'b.qcow2' }, xml)).toEqual({ pool: 'p', volume: 'b.qcow2', path: '/p/b.qcow2', format: 'qcow2', capacityBytes: 67108864, backingPath: '/p/a.qcow2' })
  })
})

describe('names and sizes', () => {
  it('accepts documented VM names and refuses the rest with exit 4', () => {
    for (const name of ['web', 'web-1', 'db.prod', 'build_42', 'A', 'x'.repeat(63)]) expect(newVmName(name)).toBe(name)
    for (const name of ['', '-web', '.web', 'a b', 'a/b', '../x', '<x>', 'wеb', 'x'.repeat(64), 'a;b', '$(x)']) {
      expect(() => newVmName(name), name).toThrow(expect.objectContaining({ code: 'INVALID_NAME', exitCode: 4 }))
    }
  })

  it('manages existing VMs with names other tools allowed, but no control characters or slashes', () => {
    expect(existingVmName('Windows 11 (test)')).toBe('Windows 11 (test)')
    expect(() => existingVmName('a\nb')).toThrow(/control characters/)
    expect(() => existingVmName('a/b')).toThrow(/"\/"/)
    expect(() => snapshotName('../x')).toThrow(/invalid snapshot name/)
  })

  it('parses sizes in binary units, a plain number in the default unit', () => {
    expect(parseSize('512M', 'M', '--memory')).toBe(512 * 1024 ** 2)
    expect(parseSize('2G', 'M', '--memory')).toBe(2 * 1024 ** 3)
    expect(parseSize('1.5GiB', 'G', '--disk-size')).toBe(1.5 * 1024 ** 3)
    expect(parseSize('20', 'G', '--disk-size')).toBe(20 * 1024 ** 3)
    expect(parseSize('256', 'M', '--memory')).toBe(256 * 1024 ** 2)
    for (const bad of ['', '-1', '0', 'lots', '1e9', '10X', '999999999999T']) {
      expect(() => parseSize(bad, 'G', '--disk-size'), bad).toThrow(expect.objectContaining({ exitCode: 4 }))
    }
  })
})
