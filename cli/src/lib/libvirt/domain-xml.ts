/**
 * A typed model of the libvirt domains hv writes, serialised by an XML library
 * (every value escaped by construction, never a string template). The tests
 * validate every generated document against libvirt's own RelaxNG schemas.
 */
import { XMLBuilder } from 'fast-xml-parser'
import { z } from 'zod'
import { LibvirtObjectName } from '../config/schemas.js'
import { AbsolutePath, DomainName } from './names.js'

/** hv's metadata namespace inside <metadata>: who made the VM, when, from what. */
export const HV_METADATA_NAMESPACE = 'urn:hyper-nixos:hv:1'

export const Acceleration = z.enum(['kvm', 'tcg'])
export type Acceleration = z.infer<typeof Acceleration>

/** A file-backed disk: virtio for disks (vda, vdb, ...), SATA for CD-ROMs (sda, sdb, ...). */
export const DiskSpec = z
  .object({
    path: AbsolutePath,
    format: z.enum(['qcow2', 'raw']),
    device: z.enum(['disk', 'cdrom']).default('disk'),
  })
  .strict()
export type DiskSpec = z.input<typeof DiskSpec>

export const KernelBootDomain = z
  .object({
    name: DomainName,
    memoryMiB: z.number().int().min(16).max(4 * 1024 * 1024),
    vcpus: z.number().int().min(1).max(512),
    accel: Acceleration,
    kernel: AbsolutePath,
    initrd: AbsolutePath.optional(),
    cmdline: z.string().max(4096).default(''),
    /** A libvirt network to attach one virtio NIC to; none when undefined. */
    network: LibvirtObjectName.optional(),
    disks: z.array(DiskSpec).max(16).default([]),
    metadata: z
      .object({
        owner: z.string().min(1).max(64),
        createdAt: z.iso.datetime(),
        image: z.string().max(256),
      })
      .strict(),
  })
  .strict()
export type KernelBootDomain = z.input<typeof KernelBootDomain>

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true, // <acpi/> rather than <acpi></acpi>,
  processEntities: true,
})

function diskElements(disks: z.output<typeof DiskSpec>[]): Record<string, unknown>[] {
  let virtio = 0
  let sata = 0
  return disks.map((disk) => {
    const cdrom = disk.device === 'cdrom'
    const target = cdrom ? `sd${String.fromCharCode(97 + sata++)}` : `vd${String.fromCharCode(97 + virtio++)}`
    return {
      '@_type': 'file',
      '@_device': disk.device,
      driver: { '@_name': 'qemu', '@_type': disk.format },
      source: { '@_file': disk.path },
      target: { '@_dev': target, '@_bus': cdrom ? 'sata' : 'virtio' },
      ...(cdrom ? { readonly: '' } : {}),
    }
  })
}

/** The domain XML for a guest booted from a kernel (and initrd) with a serial console. */
export function kernelBootDomainXml(input: KernelBootDomain): string {
  const spec = KernelBootDomain.parse(input)
  const devices: Record<string, unknown> = {
    ...(spec.disks.length > 0 ? { disk: diskElements(spec.disks) } : {}),
    serial: { '@_type': 'pty', target: { '@_port': '0' } },
    console: { '@_type': 'pty', target: { '@_type': 'serial', '@_port': '0' } },
  }
  if (spec.network) {
    devices.interface = { '@_type': 'network', source: { '@_network': spec.network }, model: { '@_type': 'virtio' } }
  }
  const domain = {
    domain: {
      // libvirt calls TCG "qemu".
      '@_type': spec.accel === 'kvm' ? 'kvm' : 'qemu',
      name: spec.name,
      metadata: {
        'hv:instance': {
          '@_xmlns:hv': HV_METADATA_NAMESPACE,
          'hv:owner': spec.metadata.owner,
          'hv:created': spec.metadata.createdAt,
          'hv:image': spec.metadata.image,
        },
      },
      memory: { '@_unit': 'MiB', '#text': String(spec.memoryMiB) },
      vcpu: String(spec.vcpus),
      os: {
        type: { '@_arch': 'x86_64', '@_machine': 'q35', '#text': 'hvm' },
        kernel: spec.kernel,
        ...(spec.initrd ? { initrd: spec.initrd } : {}),
        ...(spec.cmdline ? { cmdline: spec.cmdline } : {}),
      },
      // Without ACPI a guest's poweroff does not end the domain, and shutdown cannot be graceful.
      features: { acpi: '' },
      on_poweroff: 'destroy',
      on_reboot: 'restart',
      on_crash: 'destroy',
      devices,
    },
  }
  return builder.build(domain) as string
}
