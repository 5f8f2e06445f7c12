import { execFile } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { XMLParser } from 'fast-xml-parser'
import { describe, expect, it } from 'vitest'
import { describeZodIssues } from '../../../src/lib/errors/zod-issues.js'
import {
  DomainSpec,
  type DomainSpecInput,
  domainXml,
  HV_METADATA_NAMESPACE,
  type KernelBootDomain,
  kernelBootDomainXml,
  parseDomainXml,
} from '../../../src/lib/libvirt/domain-xml.js'
import { expectGolden } from '../../helpers/nix.js'
import { CLI_ROOT } from '../../helpers/project.js'

const execFileAsync = promisify(execFile)

/** Validates with libvirt's own RelaxNG schemas (the real virt-xml-validate; rc 0 = valid). */
async function validateWithLibvirtSchemas(xml: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'hv-xml-')), 'domain.xml')
  await writeFile(file, xml)
  const { stdout, stderr } = await execFileAsync('virt-xml-validate', [file, 'domain'])
  return stdout + stderr
}

/**
 * Runs virsh commands in ONE process on libvirt's test driver (test:///default keeps its
 * state only as long as the process lives) and returns each <domain> document it printed.
 */
async function testDriver(commands: string): Promise<string[]> {
  const { stdout } = await execFileAsync('virsh', ['-c', 'test:///default', commands])
  const documents: string[] = []
  for (let start = stdout.indexOf('<domain'); start >= 0; start = stdout.indexOf('<domain', start + 1)) {
    const end = stdout.indexOf('</domain>', start)
    documents.push(stdout.slice(start, end + '</domain>'.length))
  }
  return documents
}

async function tempFile(name: string, text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'hv-domain-')), name)
  await writeFile(file, text)
  return file
}

/** The field-by-field messages a user sees for an invalid spec (what `hv` prints). */
function problems(spec: unknown): string[] {
  const result = DomainSpec.safeParse(spec)
  return result.success ? [] : describeZodIssues(result.error)
}

const createdAt = '2026-11-23T12:00:00.000Z'

/** Kernel boot from a volume-backed root disk on the NAT network (how the cloud guest runs). */
const kernelVolume: DomainSpecInput = {
  name: 'web-1',
  memoryMiB: 1024,
  vcpus: 2,
  accel: 'tcg',
  firmware: 'bios',
  boot: {
    kind: 'kernel',
    kernel: '/var/cache/hyper-nixos/guests/cloud/k/vmlinuz',
    initrd: '/var/cache/hyper-nixos/guests/cloud/k/initrd.img',
    cmdline: 'console=ttyS0 root=/dev/vda rw',
  },
  disks: [{ source: { kind: 'volume', pool: 'hypervisor', volume: 'web-1-root.qcow2' }, format: 'qcow2', device: 'disk' }],
  network: 'default',
  metadata: {
    owner: 'ana',
    createdAt,
    image: 'debian-12-cloud',
    volumes: [{ pool: 'hypervisor', volume: 'web-1-root.qcow2' }],
    seed: { pool: 'hypervisor', volume: 'web-1-seed.iso' },
  },
}

/** A Windows-style guest: UEFI with secure boot, TPM 2.0, guest agent, installing from a CD-ROM. */
const uefiSecure: DomainSpecInput = {
  name: 'win-11',
  uuid: '4b1d5a6e-8f0c-4e3a-9d2b-7c6f1e0a5b3d',
  memoryMiB: 4096,
  vcpus: 4,
  accel: 'kvm',
  firmware: 'uefi',
  secureBoot: true,
  tpm: true,
  guestAgent: true,
  boot: { kind: 'cdrom' },
  disks: [
    { source: { kind: 'volume', pool: 'hypervisor', volume: 'win-11-root.qcow2' }, format: 'qcow2', device: 'disk' },
    { source: { kind: 'volume', pool: 'isos', volume: 'Win11_24H2.iso' }, format: 'raw', device: 'cdrom' },
  ],
  network: 'default',
  mac: '52:54:00:3a:7f:01',
  metadata: { owner: 'ana', createdAt, image: 'Win11_24H2.iso', volumes: [{ pool: 'hypervisor', volume: 'win-11-root.qcow2' }] },
}

/** A BIOS guest booting its own disk, with the serial console kept in a log file. */
const biosSerialLog: DomainSpecInput = {
  name: 'legacy.db',
  memoryMiB: 512,
  vcpus: 1,
  accel: 'tcg',
  firmware: 'bios',
  boot: { kind: 'disk' },
  disks: [
    { source: { kind: 'file', path: '/var/lib/hypervisor/images/legacy.raw' }, format: 'raw', device: 'disk' },
    { source: { kind: 'file', path: '/var/lib/hypervisor/images/tools.iso' }, format: 'raw', device: 'cdrom' },
    { source: { kind: 'file', path: '/var/lib/hypervisor/images/data.qcow2' }, format: 'qcow2', device: 'disk' },
  ],
  serialLog: '/var/log/hypervisor/legacy.db-serial.log',
  metadata: { owner: 'bob', createdAt, volumes: [] },
}

const goldenCases: [string, DomainSpecInput][] = [
  ['domain-kernel-volume.xml', kernelVolume],
  ['domain-uefi-secureboot.xml', uefiSecure],
  ['domain-bios-serial-log.xml', biosSerialLog],
]

const xmlReader = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false })

describe('domainXml', () => {
  it.each(goldenCases)('%s: equals the golden file and is valid for libvirt', async (golden, spec) => {
    const xml = domainXml(spec)
    expect(xml).toBe(await expectGolden(golden, xml))
    expect(await validateWithLibvirtSchemas(xml)).toContain('validates')
  })

  it('boots a kernel with its initrd and command line, from a pool volume, on a virtio NIC', () => {
    const domain = xmlReader.parse(domainXml(kernelVolume)).domain
    expect(domain['@_type']).toBe('qemu')
    expect(domain.os).toEqual({
      type: { '@_arch': 'x86_64', '@_machine': 'q35', '#text': 'hvm' },
      kernel: '/var/cache/hyper-nixos/guests/cloud/k/vmlinuz',
      initrd: '/var/cache/hyper-nixos/guests/cloud/k/initrd.img',
      cmdline: 'console=ttyS0 root=/dev/vda rw',
    })
    expect(domain.devices.disk).toEqual({
      '@_type': 'volume',
      '@_device': 'disk',
      driver: { '@_name': 'qemu', '@_type': 'qcow2' },
      source: { '@_pool': 'hypervisor', '@_volume': 'web-1-root.qcow2' },
      target: { '@_dev': 'vda', '@_bus': 'virtio' },
    })
    expect(domain.devices.interface).toEqual({ '@_type': 'network', source: { '@_network': 'default' }, model: { '@_type': 'virtio' } })
    expect(domain.on_poweroff).toBe('destroy')
    expect(domain.on_reboot).toBe('restart')
    expect(domain.on_crash).toBe('destroy')
    expect(domain.features).toEqual({ acpi: '' })
  })

  it('asks libvirt for secure-boot UEFI with SMM, a TPM 2.0 emulator and the guest agent channel', () => {
    const domain = xmlReader.parse(domainXml(uefiSecure)).domain
    expect(domain['@_type']).toBe('kvm')
    expect(domain.uuid).toBe('4b1d5a6e-8f0c-4e3a-9d2b-7c6f1e0a5b3d')
    expect(domain.os['@_firmware']).toBe('efi')
    expect(domain.os.loader).toEqual({ '@_secure': 'yes' })
    expect(domain.os.boot).toEqual([{ '@_dev': 'cdrom' }, { '@_dev': 'hd' }])
    expect(domain.features).toEqual({ acpi: '', smm: { '@_state': 'on' } })
    expect(domain.devices.tpm).toEqual({ '@_model': 'tpm-crb', backend: { '@_type': 'emulator', '@_version': '2.0' } })
    expect(domain.devices.channel).toEqual({ '@_type': 'unix', target: { '@_type': 'virtio', '@_name': 'org.qemu.guest_agent.0' } })
    expect(domain.devices.interface.mac).toEqual({ '@_address': '52:54:00:3a:7f:01' })
    expect(domain.devices.disk[1]).toMatchObject({
      '@_device': 'cdrom',
      source: { '@_pool': 'isos', '@_volume': 'Win11_24H2.iso' },
      target: { '@_dev': 'sda', '@_bus': 'sata' },
      readonly: '',
    })
  })

  it('UEFI without secure boot names no loader and no SMM; BIOS names no firmware', () => {
    const uefi = xmlReader.parse(domainXml({ ...uefiSecure, secureBoot: false })).domain
    expect(uefi.os['@_firmware']).toBe('efi')
    expect(uefi.os.loader).toBeUndefined()
    expect(uefi.features).toEqual({ acpi: '' })
    expect(xmlReader.parse(domainXml(biosSerialLog)).domain.os['@_firmware']).toBeUndefined()
  })

  it('boots BIOS guests from the disk first, numbers disks vda, vdb and CD-ROMs sda, and logs the serial console', () => {
    const domain = xmlReader.parse(domainXml(biosSerialLog)).domain
    expect(domain.os.boot).toEqual([{ '@_dev': 'hd' }, { '@_dev': 'cdrom' }])
    expect(domain.devices.disk.map((disk: Record<string, Record<string, string>>) => [disk.source?.['@_file'], disk.target?.['@_dev']])).toEqual([
      ['/var/lib/hypervisor/images/legacy.raw', 'vda'],
      ['/var/lib/hypervisor/images/tools.iso', 'sda'],
      ['/var/lib/hypervisor/images/data.qcow2', 'vdb'],
    ])
    expect(domain.devices.serial).toEqual({
      '@_type': 'pty',
      log: { '@_file': '/var/log/hypervisor/legacy.db-serial.log', '@_append': 'on' },
      target: { '@_port': '0' },
    })
    expect(domain.devices.console).toEqual({ '@_type': 'pty', target: { '@_type': 'serial', '@_port': '0' } })
    expect(domain.devices.interface).toBeUndefined()
  })

  it('writes hv metadata in its namespace: owner, creation time, image, volumes, seed', () => {
    const instance = xmlReader.parse(domainXml(kernelVolume)).domain.metadata['hv:instance']
    expect(instance).toEqual({
      '@_xmlns:hv': HV_METADATA_NAMESPACE,
      'hv:owner': 'ana',
      'hv:created': createdAt,
      'hv:image': 'debian-12-cloud',
      'hv:volume': { '@_pool': 'hypervisor', '@_name': 'web-1-root.qcow2' },
      'hv:seed': { '@_pool': 'hypervisor', '@_name': 'web-1-seed.iso' },
    })
  })

  it('refuses combinations that cannot boot, with a message naming the field', () => {
    expect(problems({ ...biosSerialLog, secureBoot: true })).toEqual([
      "secureBoot: secure boot needs UEFI firmware: set firmware to 'uefi', or secureBoot to false",
    ])
    expect(problems({ ...biosSerialLog, mac: '52:54:00:00:00:01' })).toEqual(['mac: a MAC address needs a network to attach the NIC to'])
    expect(problems({ ...biosSerialLog, boot: { kind: 'cdrom' }, disks: [] })).toEqual([
      "boot: booting from a CD-ROM needs a disk with device 'cdrom'",
    ])
    expect(problems({ ...biosSerialLog, disks: biosSerialLog.disks?.filter((disk) => disk.device === 'cdrom') })).toEqual([
      "boot: booting from a disk needs a disk with device 'disk'",
    ])
    expect(problems({ ...kernelVolume, boot: { kind: 'kernel', kernel: '/boot/vmlinuz' } })).toEqual([
      'boot.cmdline: Invalid input: expected string, received undefined',
    ])
    expect(problems({ ...kernelVolume, boot: { kind: 'network' } })[0]).toMatch(/^boot\.kind: /)
    expect(problems({ ...kernelVolume, disks: Array(17).fill(kernelVolume.disks?.[0]) })[0]).toMatch(/^disks: Too big: expected array to have <=16 items/)
    expect(problems({ ...kernelVolume, cpuModel: 'host' })).toEqual(['(top level): Unrecognized key: "cpuModel"'])
    expect(() => domainXml({ ...biosSerialLog, secureBoot: true })).toThrow(/secure boot needs UEFI firmware/)
  })
})

describe('kernelBootDomainXml (hv dev demo and the cloud guest test)', () => {
  const tiny: KernelBootDomain = {
    name: 'tiny-1',
    memoryMiB: 256,
    vcpus: 1,
    accel: 'tcg',
    kernel: '/var/cache/hyper-nixos/guests/tiny/k/vmlinux',
    initrd: '/var/cache/hyper-nixos/guests/tiny/k/initrd.img',
    cmdline: 'console=ttyS0 quiet',
    network: 'default',
    metadata: { owner: 'ana', createdAt, image: 'hv-test-guest:tiny:k' },
  }

  it('still writes the committed tiny-guest domain, valid for libvirt with and without a network', async () => {
    const golden = await readFile(join(CLI_ROOT, 'test', 'fixtures', 'golden', 'tiny-domain.xml'), 'utf8')
    expect(kernelBootDomainXml(tiny)).toBe(golden)
    expect(await validateWithLibvirtSchemas(kernelBootDomainXml(tiny))).toContain('validates')
    const bare = kernelBootDomainXml({ ...tiny, network: undefined, accel: 'kvm', initrd: undefined, cmdline: '' })
    expect(await validateWithLibvirtSchemas(bare)).toContain('validates')
    expect(bare).toMatch(/^<domain type="kvm">/)
    expect(bare).not.toContain('<interface')
  })

  it('attaches file disks as virtio vda, vdb... and CD-ROMs as read-only SATA sda...', async () => {
    const xml = kernelBootDomainXml({
      ...tiny,
      disks: [
        { path: '/var/lib/hypervisor/images/web.qcow2', format: 'qcow2' },
        { path: '/var/lib/hypervisor/images/web-seed.iso', format: 'raw', device: 'cdrom' },
        { path: '/var/lib/hypervisor/images/data.raw', format: 'raw' },
      ],
    })
    expect(await validateWithLibvirtSchemas(xml)).toContain('validates')
    expect(parseDomainXml(xml).disks).toEqual([
      { device: 'disk', target: 'vda', format: 'qcow2', source: { kind: 'file', path: '/var/lib/hypervisor/images/web.qcow2' } },
      { device: 'cdrom', target: 'sda', format: 'raw', source: { kind: 'file', path: '/var/lib/hypervisor/images/web-seed.iso' } },
      { device: 'disk', target: 'vdb', format: 'raw', source: { kind: 'file', path: '/var/lib/hypervisor/images/data.raw' } },
    ])
  })

  it('refuses bad names, relative paths and absurd sizes before any XML exists', () => {
    expect(() => kernelBootDomainXml({ ...tiny, name: 'web; rm -rf /' })).toThrow(/name/)
    expect(() => kernelBootDomainXml({ ...tiny, name: '-web' })).toThrow(/starting with a letter or digit/)
    expect(() => kernelBootDomainXml({ ...tiny, kernel: 'vmlinux' })).toThrow(/absolute path/)
    expect(() => kernelBootDomainXml({ ...tiny, kernel: '/boot/../etc/shadow' })).toThrow(/\.\./)
    expect(() => kernelBootDomainXml({ ...tiny, memoryMiB: 1 })).toThrow(/memoryMiB/)
  })
})

describe('parseDomainXml', () => {
  it.each(goldenCases)('%s: reads back what domainXml wrote', (_golden, input) => {
    const spec = DomainSpec.parse(input)
    const description = parseDomainXml(domainXml(spec))
    expect(description.name).toBe(spec.name)
    expect(description.uuid).toBe(spec.uuid)
    expect(description.type).toBe(spec.accel === 'kvm' ? 'kvm' : 'qemu')
    expect(description.memoryMiB).toBe(spec.memoryMiB)
    expect(description.vcpus).toBe(spec.vcpus)
    expect(description.firmware).toBe(spec.firmware)
    expect(description.secureBoot).toBe(spec.secureBoot)
    expect(description.tpm).toBe(spec.tpm)
    expect(description.guestAgent).toBe(spec.guestAgent)
    expect(description.disks.map(({ source, format, device }) => ({ source, format, device }))).toEqual(
      spec.disks.map(({ source, format, device }) => ({ source: { ...source }, format, device })),
    )
    expect(description.interfaces).toEqual(spec.network ? [{ network: spec.network, ...(spec.mac ? { mac: spec.mac } : {}) }] : [])
    const boot = spec.boot
    expect(description.kernel).toEqual(
      boot.kind === 'kernel' ? { kernel: boot.kernel, ...(boot.initrd ? { initrd: boot.initrd } : {}), ...(boot.cmdline ? { cmdline: boot.cmdline } : {}) } : undefined,
    )
    expect(description.hv).toEqual(spec.metadata)
  })

  it('reads what libvirt itself writes back (dumpxml): KiB memory, its quoting, hv metadata', async () => {
    const spec = {
      ...kernelVolume,
      metadata: { ...kernelVolume.metadata, owner: `</hv:owner><evil/>"'&amp;`, image: `]]><![CDATA[x]]> & <hv:seed pool='p' name='v'/>` },
    }
    const file = await tempFile('domain.xml', domainXml(spec))
    const [dumped] = await testDriver(`define ${file}; dumpxml web-1`)
    expect(dumped).toContain("<memory unit='KiB'>1048576</memory>")
    const description = parseDomainXml(dumped ?? '')
    expect(description).toMatchObject({ name: 'web-1', type: 'qemu', memoryMiB: 1024, vcpus: 2, firmware: 'bios', tpm: false })
    expect(description.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(description.hv).toEqual(spec.metadata)
    expect(description.disks).toEqual([
      { device: 'disk', target: 'vda', format: 'qcow2', source: { kind: 'volume', pool: 'hypervisor', volume: 'web-1-root.qcow2' } },
    ])
  })

  it('finds hv metadata by namespace URI under whatever prefix libvirt gave it', async () => {
    const file = await tempFile('domain.xml', domainXml(uefiSecure))
    const replacement = `<instance><owner>bob</owner><created>${createdAt}</created><volume pool='hypervisor' name='other.qcow2'/></instance>`
    const [dumped] = await testDriver(`define ${file}; metadata win-11 --uri ${HV_METADATA_NAMESPACE} --key vm --set "${replacement}"; dumpxml win-11`)
    expect(dumped).toContain(`<vm:instance xmlns:vm="${HV_METADATA_NAMESPACE}">`)
    const description = parseDomainXml(dumped ?? '')
    expect(description.hv).toEqual({ owner: 'bob', createdAt, volumes: [{ pool: 'hypervisor', volume: 'other.qcow2' }] })
    expect(description).toMatchObject({ firmware: 'uefi', secureBoot: true, tpm: true, guestAgent: true })
    expect(description.interfaces).toEqual([{ mac: '52:54:00:3a:7f:01', network: 'default' }])
  })

  it("reads the test driver's stock domain: no hv metadata, BIOS, its disk and NIC", async () => {
    const [dumped] = await testDriver('dumpxml test')
    expect(parseDomainXml(dumped ?? '')).toEqual({
      name: 'test',
      uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f',
      type: 'test',
      memoryMiB: 8192,
      vcpus: 2,
      firmware: 'bios',
      secureBoot: false,
      tpm: false,
      guestAgent: false,
      disks: [{ device: 'disk', target: 'vda', source: { kind: 'file', path: '/guest/diskimage1' } }],
      interfaces: [{ mac: 'aa:bb:cc:dd:ee:ff', network: 'default' }],
    })
  })

  it('reads a virt-manager domain: OVMF pflash loader, GiB memory, bridge NIC, block disk, empty CD-ROM, agent channel', () => {
    const description = parseDomainXml(`<?xml version="1.0" encoding="UTF-8"?>
<!-- written by virt-manager -->
<domain type="kvm" xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0">
  <name>fedora40</name>
  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
      <libosinfo:os id="http://fedoraproject.org/fedora/40"/>
    </libosinfo:libosinfo>
  </metadata>
  <memory unit="GiB">2</memory>
  <vcpu placement="static" current="2">4</vcpu>
  <os>
    <type arch="x86_64" machine="pc-q35-8.2">hvm</type>
    <loader readonly="yes" secure="yes" type="pflash">/usr/share/OVMF/OVMF_CODE_4M.ms.fd</loader>
    <nvram>/var/lib/libvirt/qemu/nvram/fedora40_VARS.fd</nvram>
  </os>
  <devices>
    <disk type="block" device="disk">
      <driver name="qemu" type="raw"/>
      <source dev="/dev/vg0/fedora40"/>
      <target dev="vda" bus="virtio"/>
    </disk>
    <disk type="file" device="cdrom">
      <target dev="sda" bus="sata"/>
      <readonly/>
    </disk>
    <interface type="bridge">
      <mac address="52:54:00:aa:bb:cc"/>
      <source bridge="br0"/>
    </interface>
    <channel type="unix">
      <source mode="bind"/>
      <target type="virtio" name="org.qemu.guest_agent.0"/>
    </channel>
    <channel type="spicevmc">
      <target type="virtio" name="com.redhat.spice.0"/>
    </channel>
    <tpm model="tpm-tis"><backend type="passthrough"/></tpm>
  </devices>
</domain>`)
    expect(description).toEqual({
      name: 'fedora40',
      type: 'kvm',
      memoryMiB: 2048,
      vcpus: 4,
      firmware: 'uefi',
      secureBoot: true,
      tpm: true,
      guestAgent: true,
      disks: [
        { device: 'disk', target: 'vda', format: 'raw', source: { kind: 'none' } },
        { device: 'cdrom', target: 'sda', source: { kind: 'none' } },
      ],
      interfaces: [{ mac: '52:54:00:aa:bb:cc', bridge: 'br0' }],
    })
  })

  it.each([
    ['1073741824', 'bytes', 1024],
    ['1073741824', 'b', 1024],
    ['1048576', undefined, 1024],
    ['1048576', 'k', 1024],
    ['1048576', 'KiB', 1024],
    ['1024000', 'KB', (1024000 * 1000) / 1024 ** 2],
    ['512', 'M', 512],
    ['1000', 'MB', (1000 * 1000 ** 2) / 1024 ** 2],
    ['3', 'G', 3072],
    ['1', 'TiB', 1024 * 1024],
  ])('converts <memory unit=%s %s> to MiB', (value, unit, mebibytes) => {
    const memory = unit === undefined ? `<memory>${value}</memory>` : `<memory unit="${unit}">${value}</memory>`
    expect(parseDomainXml(`<domain type="qemu"><name>m</name>${memory}<os><type>hvm</type></os></domain>`).memoryMiB).toBe(mebibytes)
  })

  it('matches the namespace, not the prefix: a default namespace counts, a look-alike prefix does not', () => {
    const withMetadata = (metadata: string) =>
      parseDomainXml(`<domain type="qemu"><name>n</name><metadata>${metadata}</metadata><memory>65536</memory></domain>`).hv
    expect(withMetadata(`<instance xmlns="${HV_METADATA_NAMESPACE}"><owner>ana</owner><created>${createdAt}</created></instance>`)).toEqual({
      owner: 'ana',
      createdAt,
      volumes: [],
    })
    expect(
      parseDomainXml(
        `<domain type="qemu" xmlns:x="${HV_METADATA_NAMESPACE}"><name>n</name><metadata><x:instance><x:owner>ana</x:owner><x:created>${createdAt}</x:created><x:seed pool="p" name="s.iso"/></x:instance></metadata><memory>65536</memory></domain>`,
      ).hv,
    ).toEqual({ owner: 'ana', createdAt, volumes: [], seed: { pool: 'p', volume: 's.iso' } })
    expect(withMetadata(`<hv:instance xmlns:hv="urn:someone-else:1"><hv:owner>mallory</hv:owner></hv:instance>`)).toBeUndefined()
    expect(withMetadata(`<instance><owner>mallory</owner></instance>`)).toBeUndefined()
  })

  it('refuses what is not a domain, and hv metadata that would make delete remove the wrong thing', () => {
    expect(() => parseDomainXml(' \n')).toThrow(/^cannot read the domain XML: it is empty$/)
    expect(() => parseDomainXml('<!-- nothing -->')).toThrow('cannot read the domain XML: not well-formed XML (line 1: Start tag expected.)')
    expect(() => parseDomainXml('<domain><name>x</domain>')).toThrow(/^cannot read the domain XML: not well-formed XML \(line 1, column 16: /)
    expect(() => parseDomainXml("<network><name>default</name></network>")).toThrow(
      'cannot read the domain XML: the root element is <network>, not <domain>',
    )
    expect(() => parseDomainXml('<domain type="qemu"><name>n</name></domain>')).toThrow('cannot read the XML of domain "n": it has no <memory>')
    expect(() => parseDomainXml('<domain type="qemu"><name>n</name><memory unit="lots">1</memory></domain>')).toThrow(
      'cannot read the XML of domain "n": <memory> is not a size: "1" "lots"',
    )
    const hostileVolume = `<hv:instance xmlns:hv="${HV_METADATA_NAMESPACE}"><hv:owner>ana</hv:owner><hv:created>${createdAt}</hv:created><hv:volume pool="default" name="../../etc/passwd"/></hv:instance>`
    expect(() => parseDomainXml(`<domain type="qemu"><name>n</name><metadata>${hostileVolume}</metadata><memory>65536</memory></domain>`)).toThrow(
      /^cannot read the XML of domain "n": hv\.volumes\.0\.volume: must be 1-128 letters, digits, dots, dashes or underscores/,
    )
  })
})

describe('hostile values', () => {
  const nameMessage = 'name: must be 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit'
  it.each([
    ['markup', 'web<1>'],
    ['an ampersand', 'a&b'],
    ['quotes', `a"b'c`],
    ['a CDATA end', 'a]]>b'],
    ['a newline', 'web\n1'],
    ['shell metacharacters', 'web; rm -rf /'],
    ['a command substitution', '$(reboot)'],
    ['a path', '../etc/passwd'],
    ['a Cyrillic look-alike', 'wеb-1'],
    ['a zero-width space', 'web\u200b1'],
    ['nothing', ''],
    ['64 characters', 'a'.repeat(64)],
  ])('a VM name with %s is refused', (_what, name) => {
    expect(problems({ ...kernelVolume, name })).toEqual([nameMessage])
  })

  const volumeMessage = 'must be 1-128 letters, digits, dots, dashes or underscores, starting with a letter or digit (no slashes, no leading dot)'
  it.each([['a/b'], ['../root.qcow2'], ['.hidden'], ['..'], ['root\n.qcow2'], ['rооt.qcow2'], ['x'.repeat(129)], ['a b']])(
    'a volume named %j is refused, in disks and in metadata',
    (volume) => {
      expect(problems({ ...kernelVolume, disks: [{ source: { kind: 'volume', pool: 'hypervisor', volume }, format: 'qcow2', device: 'disk' }] })).toEqual([
        `disks.0.source.volume: ${volumeMessage}`,
      ])
      expect(problems({ ...kernelVolume, metadata: { ...kernelVolume.metadata, seed: { pool: 'hypervisor', volume } } })).toEqual([
        `metadata.seed.volume: ${volumeMessage}`,
      ])
    },
  )

  it.each([
    ['relative', 'images/a.qcow2', ['must be an absolute path']],
    ['climbing out', '/var/lib/hypervisor/../../etc/shadow', ['must not contain ".."']],
    ['a newline', '/var/lib/a\n.qcow2', ['must not contain control characters such as newlines']],
    ['a NUL', '/var/lib/a\0.qcow2', ['must be an absolute path', 'must not contain control characters such as newlines']],
    ['a full-width solidus', '／etc/shadow', ['must be an absolute path']],
  ])('a path that is %s is refused wherever a path goes', (_what, path, messages) => {
    expect(problems({ ...biosSerialLog, serialLog: path })).toEqual(messages.map((message) => `serialLog: ${message}`))
    expect(problems({ ...kernelVolume, boot: { kind: 'kernel', kernel: path, cmdline: '' } })).toEqual(messages.map((message) => `boot.kernel: ${message}`))
    expect(problems({ ...biosSerialLog, disks: [{ source: { kind: 'file', path }, format: 'raw', device: 'disk' }] })).toEqual(
      messages.map((message) => `disks.0.source.path: ${message}`),
    )
  })

  it.each([
    ['memoryMiB', 0, 'Too small: expected number to be >=16'],
    ['memoryMiB', 4 * 1024 * 1024 + 1, 'Too big: expected number to be <=4194304'],
    ['memoryMiB', 1.5, 'Invalid input: expected int, received number'],
    ['memoryMiB', Number.NaN, 'Invalid input: expected number, received NaN'],
    ['memoryMiB', Number.POSITIVE_INFINITY, 'Invalid input: expected number, received Infinity'],
    ['memoryMiB', '1024', 'Invalid input: expected number, received string'],
    ['vcpus', 0, 'Too small: expected number to be >=1'],
    ['vcpus', 513, 'Too big: expected number to be <=512'],
    ['vcpus', -1, 'Too small: expected number to be >=1'],
  ])('%s = %s is refused', (field, value, message) => {
    expect(problems({ ...kernelVolume, [field]: value })).toEqual([`${field}: ${message}`])
  })

  it('refuses networks, pools and MACs that are not plain names or libvirt-style addresses', () => {
    expect(problems({ ...kernelVolume, network: "default' type='bridge" })).toEqual([
      'network: must be 1-64 letters, digits, dots, dashes or underscores',
    ])
    expect(problems({ ...kernelVolume, disks: [{ source: { kind: 'volume', pool: '../pool', volume: 'a' }, format: 'raw', device: 'disk' }] })).toEqual([
      'disks.0.source.pool: must be 1-64 letters, digits, dots, dashes or underscores',
    ])
    for (const mac of ['52:54:00:AB:CD:EF', '52-54-00-ab-cd-ef', 'ff:ff:ff:ff:ff:ff', '52:54:00:ab:cd:ef\n']) {
      expect(problems({ ...kernelVolume, mac })).toEqual(['mac: must be a MAC address 52:54:00:xx:xx:xx in lower-case hex'])
    }
    expect(problems({ ...kernelVolume, uuid: "4b1d5a6e'/><evil/>" })).toEqual(['uuid: must be a UUID such as 4b1d5a6e-8f0c-4e3a-9d2b-7c6f1e0a5b3d'])
  })

  it('refuses free text XML cannot carry unchanged, and text that is too long', () => {
    const metadata = kernelVolume.metadata
    expect(problems({ ...kernelVolume, metadata: { ...metadata, owner: 'ana\nroot' } })).toEqual([
      'metadata.owner: must be a single line without control characters',
    ])
    expect(problems({ ...kernelVolume, metadata: { ...metadata, owner: '' } })).toEqual(['metadata.owner: Too small: expected string to have >=1 characters'])
    expect(problems({ ...kernelVolume, metadata: { ...metadata, owner: 'a'.repeat(65) } })).toEqual([
      'metadata.owner: Too big: expected string to have <=64 characters',
    ])
    expect(problems({ ...kernelVolume, metadata: { ...metadata, image: 'x'.repeat(257) } })).toEqual([
      'metadata.image: Too big: expected string to have <=256 characters',
    ])
    expect(problems({ ...kernelVolume, metadata: { ...metadata, createdAt: 'yesterday' } })).toEqual(['metadata.createdAt: Invalid ISO datetime'])
    expect(problems({ ...kernelVolume, boot: { kind: 'kernel', kernel: '/k', cmdline: 'quiet\r\ninit=/bin/sh' } })).toEqual([
      'boot.cmdline: must be a single line without control characters',
    ])
    expect(problems({ ...kernelVolume, boot: { kind: 'kernel', kernel: '/k', cmdline: 'x'.repeat(4097) } })).toEqual([
      'boot.cmdline: Too big: expected string to have <=4096 characters',
    ])
  })

  it('escapes markup in every text and attribute: the XML stays valid and reads back the same', async () => {
    const owner = '</hv:owner><evil/>'
    const image = `]]><!-- &amp; "quoted" 'single' <![CDATA[ x ]]>`
    const cmdline = `quiet" ></cmdline><devices><disk type='file'/></devices><cmdline>&amp; $(reboot) \`id\``
    const path = `/var/lib/hypervisor/images/a"b'c<d>&e ]]> $(x).qcow2`
    const spec: DomainSpecInput = {
      ...biosSerialLog,
      boot: { kind: 'kernel', kernel: path, cmdline },
      disks: [{ source: { kind: 'file', path }, format: 'qcow2', device: 'disk' }],
      serialLog: path,
      metadata: { owner, createdAt, image, volumes: [] },
    }
    const xml = domainXml(spec)
    expect(await validateWithLibvirtSchemas(xml)).toContain('validates')
    expect(xml).not.toContain('<evil/>')
    expect(xml).toContain('<hv:owner>&lt;/hv:owner&gt;&lt;evil/&gt;</hv:owner>')
    const description = parseDomainXml(xml)
    expect(description.hv).toEqual({ owner, createdAt, image, volumes: [] })
    expect(description.kernel).toEqual({ kernel: path, cmdline })
    expect(description.disks).toEqual([{ device: 'disk', target: 'vda', format: 'qcow2', source: { kind: 'file', path } }])
  })
})
