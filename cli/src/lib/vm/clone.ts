/**
 * `hv vm clone`: a new VM with the source's hardware and a copy of its disks.
 *
 * Linked (default): the source's current disk becomes a frozen, shared base; the source and
 * the clone each get a fresh qcow2 overlay on it, so neither can change what the other
 * sees. Full (--full): every disk is copied (libvirt's vol-clone). Both need the source shut
 * off (a consistent disk) and work on VMs hv created, whose hardware hv's model describes.
 */
import { randomUUID } from 'node:crypto'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { type DomainDescription, type DomainSpec, domainXml } from '../libvirt/domain-xml.js'
import { copyVolume, createVolume, deleteVolume, volumeInfo, type VolumeRef } from '../libvirt/volumes.js'
import { defineDomain, virsh } from '../libvirt/virsh.js'
import { describeAll } from './inventory.js'
import { vmNotFound } from './lifecycle.js'
import { newVmName } from './vm-name.js'

export interface CloneResult {
  source: string
  name: string
  mode: 'linked' | 'full'
  volumes: VolumeRef[]
  /** Linked clones: the source's disks frozen as shared bases. */
  sharedBases: VolumeRef[]
}

/** The spec hv would write for a VM hv created, from its description. */
function specOf(description: DomainDescription): DomainSpec {
  const hv = description.hv
  if (!hv) throw new Error('not an hv VM')
  return {
    name: description.name,
    uuid: description.uuid,
    memoryMiB: description.memoryMiB,
    vcpus: description.vcpus,
    accel: description.type === 'kvm' ? 'kvm' : 'tcg',
    firmware: description.firmware,
    secureBoot: description.secureBoot,
    tpm: description.tpm,
    guestAgent: description.guestAgent,
    boot: description.kernel
      ? { kind: 'kernel', kernel: description.kernel.kernel, initrd: description.kernel.initrd, cmdline: description.kernel.cmdline ?? '' }
      : { kind: description.disks.some((disk) => disk.device === 'cdrom') && !description.disks.some((disk) => disk.device === 'disk') ? 'cdrom' : 'disk' },
    disks: description.disks.flatMap((disk) =>
      disk.source.kind === 'none' ? [] : [{ source: disk.source, format: disk.format === 'raw' ? ('raw' as const) : ('qcow2' as const), device: disk.device === 'cdrom' ? ('cdrom' as const) : ('disk' as const) }],
    ),
    network: description.interfaces[0]?.network,
    metadata: { owner: hv.owner, createdAt: hv.createdAt, image: hv.image, volumes: hv.volumes, seed: hv.seed },
  }
}

const key = (ref: VolumeRef) => `${ref.pool}/${ref.volume}`

export async function cloneVm(uri: string, sourceName: string, cloneName: string, options: { full: boolean; owner: string }): Promise<CloneResult> {
  const name = newVmName(cloneName)
  const domains = await describeAll(uri)
  const found = domains.get(sourceName)
  if (!found) throw vmNotFound(sourceName)
  if (found.state !== 'shut off') {
    throw new HvError('VM_RUNNING', `${sourceName} is ${found.state}: clone it shut off, so its disks are consistent`, {
      exitCode: ExitCode.VM_RUNNING,
      suggestions: [`hv vm stop ${sourceName}`],
    })
  }
  const { description } = found
  if (!description.hv) {
    throw new HvError('NOT_HV_VM', `${sourceName} was not created by hv: hv clones only VMs whose hardware it wrote`, {
      exitCode: ExitCode.INVALID_ARGUMENT,
      suggestions: [`virt-clone --original ${sourceName} --name ${name} --auto-clone`],
    })
  }
  if (domains.has(name)) throw new HvError('VM_EXISTS', `a VM named ${name} exists already`, { exitCode: ExitCode.VM_EXISTS })

  if (!options.full) {
    const { stdout } = await virsh(uri, ['snapshot-list', sourceName, '--name'])
    if (stdout.trim()) {
      // Its internal snapshots live in the disk that would become the frozen base.
      throw new HvError('HAS_SNAPSHOTS', `${sourceName} has snapshots: a linked clone would strand them`, {
        exitCode: ExitCode.INVALID_ARGUMENT,
        suggestions: [`hv vm clone ${sourceName} ${name} --full`, `hv vm snapshot delete ${sourceName} NAME`],
      })
    }
  }
  const source = specOf(description)
  const owned = new Set(description.hv.volumes.map(key))
  const created: VolumeRef[] = []
  const cloneVolumes: VolumeRef[] = []
  const sharedBases: VolumeRef[] = []
  const sourceOverlays = new Map<string, VolumeRef>()
  const cloneDisks: DomainSpec['disks'] = []
  const stamp = Date.now().toString(36)
  let defined = false

  try {
    for (const disk of source.disks ?? []) {
      const from = disk.source
      // Disks hv did not create for the source (shared images, ISOs) are shared as they are.
      if (from.kind !== 'volume' || !owned.has(key(from)) || disk.device === 'cdrom') {
        cloneDisks.push(disk)
        continue
      }
      const target: VolumeRef = { pool: from.pool, volume: `${name}-${disk.device === 'disk' ? 'root' : 'disk'}-${stamp}.qcow2` }
      if (options.full) {
        await copyVolume(uri, from, target.volume)
        created.push(target)
      } else {
        const base = await volumeInfo(uri, from)
        if (!base) throw new HvError('LIBVIRT_ERROR', `the volume ${from.volume} of ${sourceName} is missing`, { exitCode: ExitCode.LIBVIRT_ERROR })
        const backing = { path: base.path, format: base.format ?? 'qcow2' }
        await createVolume(uri, { ...target, capacityBytes: base.capacityBytes, format: 'qcow2', backing })
        created.push(target)
        const sourceOverlay: VolumeRef = { pool: from.pool, volume: `${sourceName}-root-${stamp}.qcow2` }
        await createVolume(uri, { ...sourceOverlay, capacityBytes: base.capacityBytes, format: 'qcow2', backing })
        created.push(sourceOverlay)
        sourceOverlays.set(key(from), sourceOverlay)
        sharedBases.push({ pool: from.pool, volume: from.volume })
      }
      cloneVolumes.push(target)
      cloneDisks.push({ ...disk, source: { kind: 'volume', ...target }, format: 'qcow2' })
    }

    const clone: DomainSpec = {
      ...source,
      name,
      uuid: randomUUID(),
      disks: cloneDisks,
      metadata: { owner: options.owner, createdAt: new Date().toISOString(), image: `clone of ${sourceName}`, volumes: [...cloneVolumes, ...sharedBases] },
    }
    try {
      await defineDomain(uri, domainXml(clone))
      defined = true
    } catch (error) {
      if (error instanceof HvError && /already exists/.test(error.message)) {
        throw new HvError('VM_EXISTS', `a VM named ${name} exists already`, { exitCode: ExitCode.VM_EXISTS, cause: error })
      }
      throw error
    }
    if (sourceOverlays.size > 0) {
      // The source moves onto its new overlay; it keeps listing the frozen base, so the base
      // goes only when neither VM lists it any more.
      const moved: DomainSpec = {
        ...source,
        disks: (source.disks ?? []).map((disk) => {
          const overlay = disk.source.kind === 'volume' ? sourceOverlays.get(key(disk.source)) : undefined
          return overlay ? { ...disk, source: { kind: 'volume' as const, ...overlay }, format: 'qcow2' as const } : disk
        }),
        metadata: { ...source.metadata, volumes: [...(source.metadata.volumes ?? []), ...sourceOverlays.values()] },
      }
      await defineDomain(uri, domainXml(moved))
    }
    return { source: sourceName, name, mode: options.full ? 'full' : 'linked', volumes: cloneVolumes, sharedBases }
  } catch (error) {
    if (defined) await virsh(uri, ['undefine', name], { allowedExitCodes: [1] }).catch(() => undefined)
    for (const volume of created.reverse()) await deleteVolume(uri, volume).catch(() => undefined)
    throw error
  }
}
