import { describe, expect, it } from 'vitest'
import { libvirtError, listDomains, virsh } from '../../../src/lib/libvirt/virsh.js'

// libvirt's test driver: a real libvirt, with a fresh in-memory host per connection.
const TEST_URI = 'test:///default'

describe('virsh against libvirt (test driver)', () => {
  it('lists all domains with their states in one call', async () => {
    expect(await listDomains(TEST_URI)).toEqual([{ name: 'test', state: 'running' }])
  })

  it('maps a missing domain to VM_NOT_FOUND (exit 21) pointing at hv vm list', async () => {
    await expect(virsh(TEST_URI, ['dominfo', 'no-such-vm'])).rejects.toMatchObject({
      code: 'VM_NOT_FOUND',
      exitCode: 21,
      suggestions: ['hv vm list   # the VMs you can see'],
    })
  })

  it('maps an unreachable daemon to LIBVIRT_UNAVAILABLE (exit 32)', async () => {
    await expect(virsh('qemu+unix:///system?socket=/nonexistent/libvirt-sock', ['list'])).rejects.toMatchObject({
      code: 'LIBVIRT_UNAVAILABLE',
      exitCode: 32,
    })
  })
})

describe('libvirt error mapping', () => {
  it("maps polkit's refusal to PERMISSION_DENIED with how to get access", () => {
    const error = libvirtError(
      'qemu:///system',
      "error: failed to connect to the hypervisor\nerror: authentication unavailable: no polkit agent available to authenticate action 'org.libvirt.unix.manage'",
    )
    expect(error).toMatchObject({ code: 'LIBVIRT_PERMISSION_DENIED', exitCode: 3 })
    expect(error.suggestions[0]).toMatch(/hypervisor-operators/)
  })

  it('maps the rest to LIBVIRT_ERROR (exit 33) with libvirt own words', () => {
    expect(libvirtError('qemu:///system', 'error: internal error: something odd')).toMatchObject({
      code: 'LIBVIRT_ERROR',
      exitCode: 33,
      message: 'internal error: something odd',
    })
  })
})
