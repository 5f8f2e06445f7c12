/**
 * `hv vm create`: claims the name first (a domain defined with a fresh UUID: libvirt
 * refuses a second domain of that name atomically), then creates the volumes the domain
 * names, and undoes both on failure. Ten concurrent creates of one name thus yield one
 * VM and nine "VM exists", with no volume left behind by the losers.
 */
import { randomUUID } from 'node:crypto'
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { z } from 'zod'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { type DomainSpec, domainXml } from '../libvirt/domain-xml.js'
import { AbsolutePath } from '../libvirt/names.js'
import { createVolume, deleteVolume, requirePool, uploadVolume, volumeInfo, type VolumeRef } from '../libvirt/volumes.js'
import { defineDomain, virsh } from '../libvirt/virsh.js'
import { LibvirtObjectName } from '../config/schemas.js'
import { ensureBaseVolume, inspectImage } from './images.js'
import { startVm } from './lifecycle.js'
import { newVmName } from './vm-name.js'

export const AccelChoice = z.enum(['auto', 'kvm', 'tcg'])
export type AccelChoice = z.infer<typeof AccelChoice>

const MiB = 1024 * 1024

export const CreateRequest = z
  .object({
    name: z.string(),
    pool: LibvirtObjectName,
    memoryMiB: z.number().int().min(16, 'memory must be at least 16 MiB').max(4 * 1024 * 1024, 'memory must be at most 4 TiB'),
    vcpus: z.number().int().min(1, 'at least 1 vCPU').max(512, 'at most 512 vCPUs'),
    diskSizeBytes: z.number().int().min(MiB, 'disks must be at least 1 MiB').max(64 * 1024 ** 4, 'disks must be at most 64 TiB').optional(),
    image: AbsolutePath.optional(),
    /** An image already in the pool as a base volume (a pull on the system daemon): the VM gets an overlay on it. */
    baseImage: z
      .object({ pool: LibvirtObjectName, volume: z.string().regex(/^hv-base-[0-9a-f]{16}\.(qcow2|raw)$/), format: z.enum(['qcow2', 'raw']), virtualSizeBytes: z.number().int().nonnegative() })
      .strict()
      .optional(),
    iso: AbsolutePath.optional(),
    kernel: AbsolutePath.optional(),
    initrd: AbsolutePath.optional(),
    cmdline: z.string().max(4096).default(''),
    network: LibvirtObjectName.optional(),
    /** The NIC's MAC (cloud-init's network-config matches it); libvirt picks one when absent. */
    mac: z.string().regex(/^52:54:00(:[0-9a-f]{2}){3}$/, 'must be a MAC such as 52:54:00:12:34:56').optional(),
    firmware: z.enum(['bios', 'uefi']),
    secureBoot: z.boolean(),
    tpm: z.boolean(),
    guestAgent: z.boolean(),
    accel: AccelChoice,
    serialLog: AbsolutePath.optional(),
    owner: z.string().min(1).max(64),
    /** A NoCloud seed ISO (built by lib/cloud-init/seed.ts), stored as a volume hv owns. */
    seedIso: AbsolutePath.optional(),
    start: z.boolean(),
  })
  .strict()
  .refine((request) => !((request.image || request.baseImage) && request.iso), { message: 'give --image or --iso, not both' })
  .refine((request) => !(request.image && request.baseImage), { message: 'one image only' })
  .refine((request) => !(request.kernel && request.iso), { message: 'give --kernel or --iso, not both' })
  .refine((request) => !request.initrd || request.kernel, { message: '--initrd needs --kernel' })
  .refine((request) => request.image || request.baseImage || request.kernel || request.iso || request.diskSizeBytes, {
    message: 'nothing to boot: give --image, --iso, --kernel or --disk-size',
  })
  .refine((request) => !request.secureBoot || request.firmware === 'uefi', { message: '--secure-boot needs --firmware uefi' })
export type CreateRequest = z.input<typeof CreateRequest>

export interface CreateResult {
  name: string
  uuid: string
  uri: string
  accel: 'kvm' | 'tcg'
  firmware: 'bios' | 'uefi'
  volumes: VolumeRef[]
  baseVolume: VolumeRef | undefined
  started: boolean
}

/** KVM when libvirt's domain capabilities offer it, TCG otherwise (or as asked). */
export async function resolveAccel(uri: string, choice: AccelChoice): Promise<'kvm' | 'tcg'> {
  if (choice === 'tcg') return 'tcg'
  const { exitCode, stderr } = await virsh(uri, ['domcapabilities', '--virttype', 'kvm'], { allowedExitCodes: [1] })
  if (exitCode === 0) return 'kvm'
  if (choice === 'kvm') {
    throw new HvError('KVM_UNAVAILABLE', `KVM is not available on ${uri}: ${stderr.replace(/^error:\s*/gm, '').trim().split('\n').pop()}`, {
      exitCode: ExitCode.QEMU_ERROR,
      suggestions: ['--accel tcg   # software emulation: slower, works everywhere'],
    })
  }
  return 'tcg'
}

function vmExists(name: string, cause: unknown): HvError {
  return new HvError('VM_EXISTS', `a VM named ${name} exists already`, {
    exitCode: ExitCode.VM_EXISTS,
    suggestions: ['choose another name', `hv vm delete ${name}   # if the old one can go`],
    cause,
  })
}

async function readable(path: string, what: string): Promise<void> {
  try {
    await access(path, constants.R_OK)
  } catch {
    throw new HvError('INVALID_ARGUMENT', `${what} ${path} does not exist or cannot be read`, { exitCode: ExitCode.INVALID_ARGUMENT })
  }
}

export async function createVm(uri: string, input: CreateRequest, say: (message: string) => Promise<void> = async () => {}): Promise<CreateResult> {
  const name = newVmName(input.name)
  const parsed = CreateRequest.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
    throw new HvError('INVALID_ARGUMENT', `${where}${issue?.message ?? 'invalid request'}`, { exitCode: ExitCode.INVALID_ARGUMENT })
  }
  const request = parsed.data
  await requirePool(uri, request.pool)
  if (request.kernel) await readable(request.kernel, 'the kernel')
  if (request.initrd) await readable(request.initrd, 'the initrd')
  const image = request.image ? await inspectImage(request.image) : undefined
  const iso = request.iso ? await inspectImage(request.iso, 'iso') : undefined
  const accel = await resolveAccel(uri, request.accel)

  const rootVolume = image || request.baseImage || request.diskSizeBytes ? { pool: request.pool, volume: `${name}-root.qcow2` } : undefined
  const seedVolume = request.seedIso ? { pool: request.pool, volume: `${name}-seed.iso` } : undefined
  const seedBytes = request.seedIso ? (await stat(request.seedIso)).size : 0
  const spec: DomainSpec = {
    name,
    uuid: randomUUID(),
    memoryMiB: request.memoryMiB,
    vcpus: request.vcpus,
    accel,
    firmware: request.firmware,
    secureBoot: request.secureBoot,
    tpm: request.tpm,
    guestAgent: request.guestAgent,
    boot: request.kernel
      ? { kind: 'kernel', kernel: request.kernel, initrd: request.initrd, cmdline: request.cmdline }
      : { kind: iso ? 'cdrom' : 'disk' },
    disks: [
      ...(rootVolume ? [{ source: { kind: 'volume' as const, pool: rootVolume.pool, volume: rootVolume.volume }, format: 'qcow2' as const, device: 'disk' as const }] : []),
      ...(seedVolume ? [{ source: { kind: 'volume' as const, ...seedVolume }, format: 'raw' as const, device: 'cdrom' as const }] : []),
    ],
    network: request.network,
    ...(request.mac && request.network ? { mac: request.mac } : {}),
    serialLog: request.serialLog,
    metadata: {
      owner: request.owner,
      createdAt: new Date().toISOString(),
      image: request.image ?? (request.baseImage ? `${request.baseImage.pool}/${request.baseImage.volume}` : undefined) ?? request.iso ?? request.kernel,
      volumes: rootVolume ? [rootVolume] : [],
      ...(seedVolume ? { seed: seedVolume } : {}),
    },
  }

  // Shared, content-named volumes first: they belong to no VM, so a lost race leaves nothing.
  let baseVolume: VolumeRef | undefined
  let backing: { path: string; format: string } | undefined
  if (image) {
    await say(`importing ${image.path} into pool ${request.pool} (once per image content)`)
    const base = await ensureBaseVolume(uri, request.pool, image, 'base')
    baseVolume = { pool: base.pool, volume: base.volume }
    backing = { path: base.path, format: image.format }
  }
  if (request.baseImage) {
    const base = await volumeInfo(uri, request.baseImage)
    if (!base) {
      throw new HvError('IMAGE_NOT_FOUND', `the base volume ${request.baseImage.volume} is gone from pool ${request.baseImage.pool}`, {
        exitCode: ExitCode.INVALID_ARGUMENT,
        suggestions: ['pull the image again: hv image pull ALIAS'],
      })
    }
    baseVolume = { pool: base.pool, volume: base.volume }
    backing = { path: base.path, format: request.baseImage.format }
  }
  if (iso) {
    const volume = await ensureBaseVolume(uri, request.pool, iso, 'iso')
    spec.disks = [...(spec.disks ?? []), { source: { kind: 'volume', pool: volume.pool, volume: volume.volume }, format: 'raw', device: 'cdrom' }]
  }

  await say(`defining ${name} (${accel === 'kvm' ? 'KVM' : 'TCG, software emulation'}, ${request.firmware.toUpperCase()})`)
  try {
    await defineDomain(uri, domainXml(spec))
  } catch (error) {
    if (error instanceof HvError && (error.code === 'VM_EXISTS' || /already exists/.test(error.message))) throw vmExists(name, error)
    throw error
  }

  const created: VolumeRef[] = []
  try {
    if (rootVolume) {
      const capacity = Math.max(request.diskSizeBytes ?? 0, image?.virtualSizeBytes ?? request.baseImage?.virtualSizeBytes ?? 0)
      await say(`creating ${rootVolume.volume} (${Math.round(capacity / MiB)} MiB${backing ? ', copy-on-write on the image' : ''})`)
      await createVolume(uri, { ...rootVolume, capacityBytes: capacity, format: 'qcow2', backing })
      created.push(rootVolume)
    }
    if (seedVolume && request.seedIso) {
      await createVolume(uri, { ...seedVolume, capacityBytes: seedBytes, format: 'raw' })
      created.push(seedVolume)
      await uploadVolume(uri, seedVolume, request.seedIso)
    }
    const started = request.start ? (await startVm(uri, name), true) : false
    return { name, uuid: spec.uuid ?? '', uri, accel, firmware: request.firmware, volumes: created, baseVolume, started }
  } catch (error) {
    // Undo: the domain and whatever volume we made for it; the shared base stays.
    await virsh(uri, ['destroy', name], { allowedExitCodes: [1] })
    await virsh(uri, ['undefine', name, '--nvram', '--tpm'], { allowedExitCodes: [1] })
    for (const volume of created) await deleteVolume(uri, volume)
    throw error
  }
}
