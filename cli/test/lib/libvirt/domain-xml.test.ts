import { execFile } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { XMLParser } from 'fast-xml-parser'
import { describe, expect, it } from 'vitest'
import { type KernelBootDomain, kernelBootDomainXml } from '../../../src/lib/libvirt/domain-xml.js'
import { CLI_ROOT } from '../../helpers/project.js'

const execFileAsync = promisify(execFile)

const tiny: KernelBootDomain = {
  name: 'tiny-1',
  memoryMiB: 256,
  vcpus: 1,
  accel: 'tcg',
  kernel: '/var/cache/hyper-nixos/guests/tiny/k/vmlinux',
  initrd: '/var/cache/hyper-nixos/guests/tiny/k/initrd.img',
  cmdline: 'console=ttyS0 quiet',
  network: 'default',
  metadata: { owner: 'ana', createdAt: '2026-11-23T12:00:00.000Z', image: 'hv-test-guest:tiny:k' },
}

/** Validates with libvirt's own RelaxNG schemas (virt-xml-validate, rc 0 = valid). */
async function validateWithLibvirtSchemas(xml: string): Promise<void> {
  const file = join(await mkdtemp(join(tmpdir(), 'hv-xml-')), 'domain.xml')
  await writeFile(file, xml)
  await execFileAsync('virt-xml-validate', [file, 'domain'])
}

describe('kernel-boot domain XML', () => {
  it('matches the committed golden file', async () => {
    const golden = await readFile(join(CLI_ROOT, 'test', 'fixtures', 'golden', 'tiny-domain.xml'), 'utf8')
    expect(kernelBootDomainXml(tiny)).toBe(golden)
  })

  it("is valid against libvirt's schemas, with and without a network, for TCG and KVM", async () => {
    await validateWithLibvirtSchemas(kernelBootDomainXml(tiny))
    await validateWithLibvirtSchemas(kernelBootDomainXml({ ...tiny, network: undefined, accel: 'kvm', initrd: undefined, cmdline: '' }))
  })

  it('attaches disks as virtio vda, vdb... and CD-ROMs as read-only SATA sda..., schema-valid', async () => {
    const xml = kernelBootDomainXml({
      ...tiny,
      disks: [
        { path: '/var/lib/hypervisor/images/web.qcow2', format: 'qcow2' },
        { path: '/var/lib/hypervisor/images/web-seed.iso', format: 'raw', device: 'cdrom' },
        { path: '/var/lib/hypervisor/images/data.raw', format: 'raw' },
      ],
    })
    await validateWithLibvirtSchemas(xml)
    const disks = new XMLParser({ ignoreAttributes: false }).parse(xml).domain.devices.disk
    expect(disks.map((disk: Record<string, Record<string, string>>) => [disk.target?.['@_dev'], disk.target?.['@_bus']])).toEqual([
      ['vda', 'virtio'],
      ['sda', 'sata'],
      ['vdb', 'virtio'],
    ])
    expect(disks[1]).toHaveProperty('readonly')
  })

  it('escapes hostile values by construction: they come back as the same text, not as markup', async () => {
    const hostile = `quiet" ></cmdline><devices><disk type='file'/></devices><cmdline>&amp; 'x'`
    const xml = kernelBootDomainXml({ ...tiny, cmdline: hostile, metadata: { ...tiny.metadata, image: '<evil/>&' } })
    await validateWithLibvirtSchemas(xml)
    const parsed = new XMLParser({ ignoreAttributes: false, processEntities: true, htmlEntities: false }).parse(xml)
    expect(parsed.domain.os.cmdline).toBe(hostile)
    expect(parsed.domain.metadata['hv:instance']['hv:image']).toBe('<evil/>&')
    expect(parsed.domain.devices.disk).toBeUndefined()
  })

  it('uses domain type qemu (TCG) or kvm, and ACPI so a guest can power off', () => {
    expect(kernelBootDomainXml(tiny)).toMatch(/^<domain type="qemu">/)
    expect(kernelBootDomainXml({ ...tiny, accel: 'kvm' })).toMatch(/^<domain type="kvm">/)
    expect(kernelBootDomainXml(tiny)).toContain('<acpi/>')
  })

  it('refuses bad names, relative paths and absurd sizes before any XML exists', () => {
    expect(() => kernelBootDomainXml({ ...tiny, name: 'web; rm -rf /' })).toThrow(/name/)
    expect(() => kernelBootDomainXml({ ...tiny, name: '-web' })).toThrow(/starting with a letter or digit/)
    expect(() => kernelBootDomainXml({ ...tiny, kernel: 'vmlinux' })).toThrow(/absolute path/)
    expect(() => kernelBootDomainXml({ ...tiny, kernel: '/boot/../etc/shadow' })).toThrow(/\.\./)
    expect(() => kernelBootDomainXml({ ...tiny, memoryMiB: 1 })).toThrow(/memoryMiB/)
  })
})
