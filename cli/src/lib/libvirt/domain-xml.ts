/**
 * A typed model of the libvirt domains hv writes, serialised by an XML library
 * (every value escaped by construction, never a string template), and a tolerant
 * reader of the domains libvirt gives back, whoever wrote them. The tests validate
 * every generated document against libvirt's own RelaxNG schemas.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser'
import { z } from 'zod'
import { LibvirtObjectName } from '../config/schemas.js'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { describeZodIssues } from '../errors/zod-issues.js'
import { AbsolutePath, DomainName, UNWRITABLE_CHARACTERS, VolumeName } from './names.js'

/** hv's metadata namespace inside <metadata>: who made the VM, when, from what. */
export const HV_METADATA_NAMESPACE = 'urn:hyper-nixos:hv:1'

/** The guest agent's well-known virtio-serial port name. */
export const GUEST_AGENT_CHANNEL = 'org.qemu.guest_agent.0'

/** One line of text that XML can carry unchanged (see UNWRITABLE_CHARACTERS). */
function singleLine(max: number) {
  return z
    .string()
    .max(max)
    .refine((text) => !UNWRITABLE_CHARACTERS.test(text), 'must be a single line without control characters')
}

export const Acceleration = z.enum(['kvm', 'tcg'])
export type Acceleration = z.infer<typeof Acceleration>

export const Firmware = z.enum(['bios', 'uefi'])
export type Firmware = z.infer<typeof Firmware>

/** A MAC address in QEMU's locally administered range, as libvirt writes it (lower case). */
export const MacAddress = z
  .string()
  .regex(/^52:54:00(:[0-9a-f]{2}){3}$/, 'must be a MAC address 52:54:00:xx:xx:xx in lower-case hex')

/** A volume in a libvirt storage pool. */
export const VolumeRef = z.object({ pool: LibvirtObjectName, volume: VolumeName }).strict()
export type VolumeRef = z.infer<typeof VolumeRef>

/** What hv records about a VM in its <metadata>; `volumes` are what `hv vm delete` removes. */
export const HvMetadata = z
  .object({
    owner: singleLine(64).min(1),
    createdAt: z.iso.datetime(),
    image: singleLine(256).optional(),
    volumes: z.array(VolumeRef).max(32).default([]),
    seed: VolumeRef.optional(),
  })
  .strict()
export type HvMetadata = z.output<typeof HvMetadata>

export const DiskSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('volume'), pool: LibvirtObjectName, volume: VolumeName }).strict(),
  z.object({ kind: z.literal('file'), path: AbsolutePath }).strict(),
])
export type DiskSource = z.infer<typeof DiskSource>

/** A disk of a domain: virtio vda, vdb... for disks, read-only SATA sda, sdb... for CD-ROMs. */
export const DomainDisk = z
  .object({
    source: DiskSource,
    format: z.enum(['qcow2', 'raw']),
    device: z.enum(['disk', 'cdrom']),
  })
  .strict()
export type DomainDisk = z.infer<typeof DomainDisk>

export const BootSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('disk') }).strict(),
  z.object({ kind: z.literal('cdrom') }).strict(),
  z
    .object({
      kind: z.literal('kernel'),
      kernel: AbsolutePath,
      initrd: AbsolutePath.optional(),
      cmdline: singleLine(4096),
    })
    .strict(),
])
export type BootSpec = z.infer<typeof BootSpec>

export const DomainSpec = z
  .object({
    name: DomainName,
    /** libvirt generates one when undefined. */
    uuid: z.uuid('must be a UUID such as 4b1d5a6e-8f0c-4e3a-9d2b-7c6f1e0a5b3d').optional(),
    memoryMiB: z.number().int().min(16).max(4 * 1024 * 1024),
    vcpus: z.number().int().min(1).max(512),
    accel: Acceleration,
    firmware: Firmware,
    secureBoot: z.boolean().default(false),
    /** An emulated TPM 2.0 (swtpm). */
    tpm: z.boolean().default(false),
    /** A virtio-serial channel for the QEMU guest agent. */
    guestAgent: z.boolean().default(false),
    boot: BootSpec,
    disks: z.array(DomainDisk).max(16).default([]),
    /** A libvirt network to attach one virtio NIC to; none when undefined. */
    network: LibvirtObjectName.optional(),
    /** The NIC's MAC address; libvirt picks one when undefined (clones need a fresh one). */
    mac: MacAddress.optional(),
    /** A host file that keeps everything the guest writes to its serial console. */
    serialLog: AbsolutePath.optional(),
    metadata: HvMetadata,
  })
  .strict()
  .superRefine((spec, context) => {
    if (spec.secureBoot && spec.firmware !== 'uefi') {
      context.addIssue({
        code: 'custom',
        path: ['secureBoot'],
        message: "secure boot needs UEFI firmware: set firmware to 'uefi', or secureBoot to false",
      })
    }
    if (spec.mac !== undefined && spec.network === undefined) {
      context.addIssue({ code: 'custom', path: ['mac'], message: 'a MAC address needs a network to attach the NIC to' })
    }
    if (spec.boot.kind === 'cdrom' && !spec.disks.some((disk) => disk.device === 'cdrom')) {
      context.addIssue({ code: 'custom', path: ['boot'], message: "booting from a CD-ROM needs a disk with device 'cdrom'" })
    }
    if (spec.boot.kind === 'disk' && !spec.disks.some((disk) => disk.device === 'disk')) {
      context.addIssue({ code: 'custom', path: ['boot'], message: "booting from a disk needs a disk with device 'disk'" })
    }
  })
export type DomainSpecInput = z.input<typeof DomainSpec>
export type DomainSpecOutput = z.output<typeof DomainSpec>
export type DomainSpec = DomainSpecInput

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true, // <acpi/> rather than <acpi></acpi>
  processEntities: true,
})

type XmlTree = Record<string, unknown>

function diskElements(disks: DomainDisk[]): XmlTree[] {
  let virtio = 0
  let sata = 0
  return disks.map((disk) => {
    const cdrom = disk.device === 'cdrom'
    const target = cdrom ? `sd${String.fromCharCode(97 + sata++)}` : `vd${String.fromCharCode(97 + virtio++)}`
    return {
      '@_type': disk.source.kind,
      '@_device': disk.device,
      driver: { '@_name': 'qemu', '@_type': disk.format },
      source:
        disk.source.kind === 'volume'
          ? { '@_pool': disk.source.pool, '@_volume': disk.source.volume }
          : { '@_file': disk.source.path },
      target: { '@_dev': target, '@_bus': cdrom ? 'sata' : 'virtio' },
      ...(cdrom ? { readonly: '' } : {}),
    }
  })
}

function osElement(spec: DomainSpecOutput): XmlTree {
  const boot = spec.boot
  return {
    // libvirt picks the firmware image (OVMF) matching what the domain asks for.
    ...(spec.firmware === 'uefi' ? { '@_firmware': 'efi' } : {}),
    type: { '@_arch': 'x86_64', '@_machine': 'q35', '#text': 'hvm' },
    ...(spec.secureBoot ? { loader: { '@_secure': 'yes' } } : {}),
    ...(boot.kind === 'kernel'
      ? {
          kernel: boot.kernel,
          ...(boot.initrd ? { initrd: boot.initrd } : {}),
          ...(boot.cmdline ? { cmdline: boot.cmdline } : {}),
        }
      : { boot: (boot.kind === 'disk' ? ['hd', 'cdrom'] : ['cdrom', 'hd']).map((dev) => ({ '@_dev': dev })) }),
  }
}

function metadataElement(metadata: HvMetadata): XmlTree {
  return {
    'hv:instance': {
      '@_xmlns:hv': HV_METADATA_NAMESPACE,
      'hv:owner': metadata.owner,
      'hv:created': metadata.createdAt,
      ...(metadata.image !== undefined ? { 'hv:image': metadata.image } : {}),
      ...(metadata.volumes.length > 0
        ? { 'hv:volume': metadata.volumes.map((ref) => ({ '@_pool': ref.pool, '@_name': ref.volume })) }
        : {}),
      ...(metadata.seed ? { 'hv:seed': { '@_pool': metadata.seed.pool, '@_name': metadata.seed.volume } } : {}),
    },
  }
}

/** The libvirt domain XML of a VM; throws a ZodError naming each invalid field. */
export function domainXml(input: DomainSpecInput): string {
  const spec = DomainSpec.parse(input)
  const devices: XmlTree = {
    ...(spec.disks.length > 0 ? { disk: diskElements(spec.disks) } : {}),
    serial: {
      '@_type': 'pty',
      ...(spec.serialLog ? { log: { '@_file': spec.serialLog, '@_append': 'on' } } : {}),
      target: { '@_port': '0' },
    },
    console: { '@_type': 'pty', target: { '@_type': 'serial', '@_port': '0' } },
    ...(spec.network
      ? {
          interface: {
            '@_type': 'network',
            ...(spec.mac ? { mac: { '@_address': spec.mac } } : {}),
            source: { '@_network': spec.network },
            model: { '@_type': 'virtio' },
          },
        }
      : {}),
    ...(spec.guestAgent ? { channel: { '@_type': 'unix', target: { '@_type': 'virtio', '@_name': GUEST_AGENT_CHANNEL } } } : {}),
    ...(spec.tpm ? { tpm: { '@_model': 'tpm-crb', backend: { '@_type': 'emulator', '@_version': '2.0' } } } : {}),
  }
  const domain = {
    domain: {
      // libvirt calls TCG "qemu".
      '@_type': spec.accel === 'kvm' ? 'kvm' : 'qemu',
      name: spec.name,
      ...(spec.uuid ? { uuid: spec.uuid } : {}),
      metadata: metadataElement(spec.metadata),
      memory: { '@_unit': 'MiB', '#text': String(spec.memoryMiB) },
      vcpu: String(spec.vcpus),
      os: osElement(spec),
      features: {
        // Without ACPI a guest's poweroff does not end the domain, and shutdown cannot be graceful.
        acpi: '',
        // QEMU refuses secure-boot firmware without SMM (System Management Mode).
        ...(spec.secureBoot ? { smm: { '@_state': 'on' } } : {}),
      },
      on_poweroff: 'destroy',
      on_reboot: 'restart',
      on_crash: 'destroy',
      devices,
    },
  }
  return builder.build(domain) as string
}

/** A file-backed disk of a kernel-boot domain (the input shape of kernelBootDomainXml). */
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

/** The domain XML for a BIOS guest booted from a kernel (and initrd) with a serial console. */
export function kernelBootDomainXml(input: KernelBootDomain): string {
  const spec = KernelBootDomain.parse(input)
  return domainXml({
    name: spec.name,
    memoryMiB: spec.memoryMiB,
    vcpus: spec.vcpus,
    accel: spec.accel,
    firmware: 'bios',
    boot: { kind: 'kernel', kernel: spec.kernel, initrd: spec.initrd, cmdline: spec.cmdline },
    disks: spec.disks.map((disk) => ({ source: { kind: 'file', path: disk.path }, format: disk.format, device: disk.device })),
    network: spec.network,
    metadata: spec.metadata,
  })
}

// --- Reading domains back -----------------------------------------------------------

export const DiskDescription = z
  .object({
    /** disk, cdrom, floppy or lun. */
    device: z.string().min(1),
    target: z.string().min(1),
    format: z.string().optional(),
    /** `none`: nothing hv manages (an empty CD-ROM drive, a block device, a network disk). */
    source: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('volume'), pool: z.string().min(1), volume: z.string().min(1) }).strict(),
      z.object({ kind: z.literal('file'), path: z.string().min(1) }).strict(),
      z.object({ kind: z.literal('none') }).strict(),
    ]),
  })
  .strict()
export type DiskDescription = z.infer<typeof DiskDescription>

export const InterfaceDescription = z
  .object({ mac: z.string().optional(), network: z.string().optional(), bridge: z.string().optional() })
  .strict()
export type InterfaceDescription = z.infer<typeof InterfaceDescription>

export const DomainDescription = z
  .object({
    name: z.string().min(1),
    uuid: z.string().optional(),
    /** libvirt's driver type: kvm, qemu (TCG), test... */
    type: z.string().min(1),
    memoryMiB: z.number().nonnegative().finite(),
    vcpus: z.number().int().min(1),
    firmware: Firmware,
    secureBoot: z.boolean(),
    tpm: z.boolean(),
    /** A virtio channel for the QEMU guest agent. */
    guestAgent: z.boolean(),
    disks: z.array(DiskDescription),
    interfaces: z.array(InterfaceDescription),
    kernel: z.object({ kernel: z.string(), initrd: z.string().optional(), cmdline: z.string().optional() }).strict().optional(),
    /** Present only when the domain carries hv's metadata element. */
    hv: HvMetadata.optional(),
  })
  .strict()
export type DomainDescription = z.infer<typeof DomainDescription>

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Values stay text exactly as written: no number guessing, no trimming.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // htmlEntities is what turns on numeric character references (&#10;); the HTML names it
  // also knows (&nbsp;) are undeclared entities in XML, which libvirt never writes.
  processEntities: true,
  htmlEntities: true,
  // Every element is a list, so one disk and two disks read the same way.
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
})

type XmlElement = { [key: string]: unknown }
/** A parsed element: text only (a string) or attributes, children and `#text`. */
type XmlNode = string | XmlElement

function isElement(value: unknown): value is XmlElement {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function children(node: XmlNode | undefined, name: string): XmlNode[] {
  if (!isElement(node)) return []
  const value = node[name]
  return Array.isArray(value) ? value.filter((item): item is XmlNode => typeof item === 'string' || isElement(item)) : []
}

function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return children(node, name)[0]
}

function attribute(node: XmlNode | undefined, name: string): string | undefined {
  if (!isElement(node)) return undefined
  const value = node[`@_${name}`]
  return typeof value === 'string' ? value : undefined
}

function text(node: XmlNode | undefined): string | undefined {
  if (typeof node === 'string') return node
  const value = isElement(node) ? node['#text'] : undefined
  return typeof value === 'string' ? value : undefined
}

/** Namespace prefixes in scope ('' is the default namespace) and their URIs. */
type NamespaceScope = ReadonlyMap<string, string>

function declare(scope: NamespaceScope, node: XmlNode): NamespaceScope {
  if (!isElement(node)) return scope
  const declared = new Map(scope)
  for (const [key, value] of Object.entries(node)) {
    if (typeof value !== 'string') continue
    if (key === '@_xmlns') declared.set('', value)
    else if (key.startsWith('@_xmlns:')) declared.set(key.slice('@_xmlns:'.length), value)
  }
  return declared
}

/** The child elements named `{namespace}local`, whatever prefix the document gives them. */
function namespacedChildren(
  parent: XmlNode | undefined,
  scope: NamespaceScope,
  namespace: string,
  local: string,
): { node: XmlNode; scope: NamespaceScope }[] {
  if (!isElement(parent)) return []
  const found: { node: XmlNode; scope: NamespaceScope }[] = []
  for (const qualifiedName of Object.keys(parent)) {
    if (qualifiedName.startsWith('@_') || qualifiedName === '#text') continue
    const colon = qualifiedName.indexOf(':')
    const prefix = colon < 0 ? '' : qualifiedName.slice(0, colon)
    if ((colon < 0 ? qualifiedName : qualifiedName.slice(colon + 1)) !== local) continue
    for (const node of children(parent, qualifiedName)) {
      // An element's own declarations apply to its own name.
      const inner = declare(scope, node)
      if (inner.get(prefix) === namespace) found.push({ node, scope: inner })
    }
  }
  return found
}

/** libvirt's scaled units (virScaleInteger): KiB when none is given, k = KiB, KB = 1000. */
function bytesPerUnit(unit: string | undefined): number | undefined {
  if (unit === undefined || unit === '') return 1024
  const lower = unit.toLowerCase()
  if (lower === 'b' || lower === 'byte' || lower === 'bytes') return 1
  const power = 'kmgtpe'.indexOf(lower[0] ?? '') + 1
  if (power === 0) return undefined
  const rest = lower.slice(1)
  if (rest === '' || rest === 'ib') return 1024 ** power
  if (rest === 'b') return 1000 ** power
  return undefined
}

function memoryMiB(node: XmlNode | undefined, name: string): number {
  if (node === undefined) throw invalidDomain('it has no <memory>', name)
  const value = text(node)?.trim() ?? ''
  const unit = attribute(node, 'unit')
  const scale = bytesPerUnit(unit)
  if (!/^\d+$/.test(value) || scale === undefined) {
    throw invalidDomain(`<memory> is not a size: ${JSON.stringify(value)}${unit === undefined ? '' : ` ${JSON.stringify(unit)}`}`, name)
  }
  return (Number(value) * scale) / 1024 ** 2
}

function readDisk(disk: XmlNode): z.input<typeof DiskDescription> {
  const source = child(disk, 'source')
  const type = attribute(disk, 'type')
  const pool = attribute(source, 'pool')
  const volume = attribute(source, 'volume')
  const file = attribute(source, 'file')
  return {
    device: attribute(disk, 'device') ?? 'disk',
    target: attribute(child(disk, 'target'), 'dev') ?? '',
    format: attribute(child(disk, 'driver'), 'type'),
    source:
      type === 'volume' && pool && volume
        ? { kind: 'volume', pool, volume }
        : type === 'file' && file
          ? { kind: 'file', path: file }
          : { kind: 'none' },
  }
}

function readInterface(nic: XmlNode): z.input<typeof InterfaceDescription> {
  const source = child(nic, 'source')
  const type = attribute(nic, 'type')
  return {
    mac: attribute(child(nic, 'mac'), 'address'),
    network: type === 'network' ? attribute(source, 'network') : undefined,
    bridge: type === 'bridge' ? attribute(source, 'bridge') : undefined,
  }
}

/** The firmware libvirt boots: UEFI when asked for by name or when the loader is an OVMF/pflash image. */
function readFirmware(os: XmlNode | undefined): { firmware: Firmware; secureBoot: boolean } {
  const loader = child(os, 'loader')
  const loaderPath = text(loader)?.trim() ?? ''
  const uefi =
    attribute(os, 'firmware') === 'efi' ||
    attribute(loader, 'type') === 'pflash' ||
    /ovmf|aavmf|edk2/i.test(loaderPath)
  const secureBootFeature = children(child(os, 'firmware'), 'feature').some(
    (feature) => attribute(feature, 'name') === 'secure-boot' && attribute(feature, 'enabled') === 'yes',
  )
  return { firmware: uefi ? 'uefi' : 'bios', secureBoot: uefi && (attribute(loader, 'secure') === 'yes' || secureBootFeature) }
}

function readHvMetadata(domain: XmlNode, scope: NamespaceScope): unknown {
  const metadata = child(domain, 'metadata')
  if (metadata === undefined) return undefined
  const instance = namespacedChildren(metadata, declare(scope, metadata), HV_METADATA_NAMESPACE, 'instance')[0]
  if (instance === undefined) return undefined
  const elements = (local: string) => namespacedChildren(instance.node, instance.scope, HV_METADATA_NAMESPACE, local).map((found) => found.node)
  const ref = (node: XmlNode) => ({ pool: attribute(node, 'pool'), volume: attribute(node, 'name') })
  const image = elements('image')[0]
  const seed = elements('seed')[0]
  return {
    owner: text(elements('owner')[0]) ?? '',
    createdAt: text(elements('created')[0])?.trim() ?? '',
    ...(image !== undefined ? { image: text(image) ?? '' } : {}),
    volumes: elements('volume').map(ref),
    ...(seed !== undefined ? { seed: ref(seed) } : {}),
  }
}

function invalidDomain(reason: string, name?: string): HvError {
  const which = name ? `the XML of domain ${JSON.stringify(name)}` : 'the domain XML'
  return new HvError('INVALID_DOMAIN_XML', `cannot read ${which}: ${reason}`, {
    exitCode: ExitCode.LIBVIRT_ERROR,
    suggestions: ['check the XML with: virsh dumpxml NAME'],
  })
}

/**
 * Reads a domain's XML (from `virsh dumpxml`, hv, virt-manager, NixVirt...) into the
 * facts hv uses. Throws an HvError when the text is not a well-formed libvirt domain.
 */
export function parseDomainXml(xml: string): DomainDescription {
  if (xml.trim() === '') throw invalidDomain('it is empty')
  const wellFormed = XMLValidator.validate(xml)
  if (wellFormed !== true) {
    const { line, col, msg } = wellFormed.err
    throw invalidDomain(`not well-formed XML (line ${line}${col === undefined ? '' : `, column ${col}`}: ${msg})`)
  }
  const document: unknown = parser.parse(xml)
  const roots = isElement(document) ? Object.keys(document) : []
  if (roots.length !== 1 || roots[0] !== 'domain') {
    throw invalidDomain(`the root element is ${roots.map((root) => `<${root}>`).join(', ') || 'missing'}, not <domain>`)
  }
  const domain = child(document as XmlElement, 'domain') ?? ''
  const os = child(domain, 'os')
  const devices = child(domain, 'devices')
  const kernel = text(child(os, 'kernel'))
  const initrd = text(child(os, 'initrd'))
  const cmdline = text(child(os, 'cmdline'))
  const uuid = text(child(domain, 'uuid'))?.trim()
  const hv = readHvMetadata(domain, declare(new Map(), domain))
  const name = text(child(domain, 'name')) ?? ''

  const description = {
    name,
    ...(uuid ? { uuid } : {}),
    type: attribute(domain, 'type') ?? '',
    memoryMiB: memoryMiB(child(domain, 'memory'), name),
    // libvirt's default when <vcpu> is absent.
    vcpus: Number(text(child(domain, 'vcpu'))?.trim() ?? '1'),
    ...readFirmware(os),
    tpm: children(devices, 'tpm').length > 0,
    guestAgent: children(devices, 'channel').some(
      (channel) => attribute(child(channel, 'target'), 'type') === 'virtio' && attribute(child(channel, 'target'), 'name') === GUEST_AGENT_CHANNEL,
    ),
    disks: children(devices, 'disk').map(readDisk),
    interfaces: children(devices, 'interface').map(readInterface),
    ...(kernel ? { kernel: { kernel, ...(initrd ? { initrd } : {}), ...(cmdline ? { cmdline } : {}) } } : {}),
    ...(hv !== undefined ? { hv } : {}),
  }
  const result = DomainDescription.safeParse(description)
  if (!result.success) throw invalidDomain(describeZodIssues(result.error).join('; '), name)
  return result.data
}
