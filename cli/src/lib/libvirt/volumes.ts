/**
 * Storage volumes in a libvirt pool, through virsh: everything a VM's disks need is a
 * volume, so an operator manages it through libvirt (and polkit) rather than with file
 * permissions, and `hv vm delete` removes exactly the volumes hv created.
 */
import { XMLParser } from 'fast-xml-parser'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { virshBatch } from './virsh-batch.js'
import { virsh } from './virsh.js'

export interface VolumeRef {
  pool: string
  volume: string
}

export interface VolumeInfo extends VolumeRef {
  path: string
  format: string | undefined
  capacityBytes: number
  backingPath: string | undefined
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_' })

function text(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined
  if (typeof node === 'object') return text((node as Record<string, unknown>)['#text'])
  return String(node)
}

/** A volume's `vol-dumpxml`, as data. */
export function parseVolumeXml(ref: VolumeRef, xml: string): VolumeInfo {
  const volume = (parser.parse(xml) as { volume?: Record<string, Record<string, unknown>> }).volume
  if (!volume) throw new Error(`not a volume document: ${xml.slice(0, 80)}`)
  const format = volume.target?.format as Record<string, string> | undefined
  const backing = volume.backingStore as Record<string, unknown> | undefined
  return {
    ...ref,
    path: text(volume.target?.path) ?? '',
    format: format?.['@_type'],
    capacityBytes: Number(text(volume.capacity) ?? 0),
    backingPath: backing ? text(backing.path) : undefined,
  }
}

export async function poolExists(uri: string, pool: string): Promise<boolean> {
  const { exitCode } = await virsh(uri, ['pool-info', pool], { allowedExitCodes: [1] })
  return exitCode === 0
}

/** Fails with a clear error when the pool is missing or not running. */
export async function requirePool(uri: string, pool: string): Promise<void> {
  const { stdout, exitCode } = await virsh(uri, ['pool-info', pool], { allowedExitCodes: [1] })
  if (exitCode !== 0) {
    throw new HvError('POOL_NOT_FOUND', `the storage pool "${pool}" does not exist on ${uri}`, {
      exitCode: ExitCode.INVALID_ARGUMENT,
      suggestions: [
        'on a Hyper-NixOS host the module defines it (hypervisor.cli.storagePool); on a dev machine: sudo hv dev setup',
        'or name another pool: --pool NAME',
      ],
    })
  }
  if (!/^State:\s+running/m.test(stdout)) {
    throw new HvError('POOL_INACTIVE', `the storage pool "${pool}" is not running`, {
      exitCode: ExitCode.LIBVIRT_ERROR,
      suggestions: [`virsh pool-start ${pool}   # as an administrator`],
    })
  }
}

export async function volumeInfo(uri: string, ref: VolumeRef): Promise<VolumeInfo | undefined> {
  const { stdout, exitCode } = await virsh(uri, ['vol-dumpxml', '--pool', ref.pool, ref.volume], { allowedExitCodes: [1] })
  return exitCode === 0 ? parseVolumeXml(ref, stdout) : undefined
}

/** The names in a `vol-list` table (libvirt 9 has no --name): each row is "NAME  /path". */
export function parseVolumeList(table: string): string[] {
  return table
    .split('\n')
    .slice(2)
    .map((line) => /^\s*(.+?)\s+\/\S.*$/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined)
}

/** Every volume of a pool with its backing file, in two virsh processes whatever their number. */
export async function listVolumes(uri: string, pool: string): Promise<VolumeInfo[]> {
  const { stdout } = await virsh(uri, ['vol-list', '--pool', pool])
  const names = parseVolumeList(stdout)
  const documents = await virshBatch(uri, names.map((volume) => ['vol-dumpxml', '--pool', pool, volume]))
  return names.flatMap((volume, index) => (documents[index] ? [parseVolumeXml({ pool, volume }, documents[index])] : []))
}

export interface NewVolume extends VolumeRef {
  capacityBytes: number
  format: 'qcow2' | 'raw'
  /** A copy-on-write overlay on this volume (qcow2 only). */
  backing?: { path: string; format: string }
}

/** Creates a volume; "already exists" becomes a VOLUME_EXISTS error. */
export async function createVolume(uri: string, volume: NewVolume): Promise<void> {
  const args = ['vol-create-as', volume.pool, volume.volume, `${volume.capacityBytes}`, '--format', volume.format]
  if (volume.backing) args.push('--backing-vol', volume.backing.path, '--backing-vol-format', volume.backing.format)
  try {
    await virsh(uri, args)
  } catch (error) {
    if (error instanceof HvError && error.code === 'VM_EXISTS') {
      throw new HvError('VOLUME_EXISTS', `the volume ${volume.volume} already exists in pool ${volume.pool}`, {
        exitCode: ExitCode.LIBVIRT_ERROR,
        suggestions: [`it is not hv's to overwrite: remove it (virsh vol-delete --pool ${volume.pool} ${volume.volume}) or choose another VM name`],
        cause: error,
      })
    }
    throw error
  }
}

/** A full copy of a volume (qemu-img convert inside libvirt), for `clone --full`. */
export async function copyVolume(uri: string, source: VolumeRef, target: string): Promise<void> {
  await virsh(uri, ['vol-clone', '--pool', source.pool, source.volume, target])
}

/** Uploads a local file's bytes into an existing volume through libvirt. */
export async function uploadVolume(uri: string, ref: VolumeRef, file: string): Promise<void> {
  await virsh(uri, ['vol-upload', '--pool', ref.pool, ref.volume, file])
}

/** Deletes a volume; one that is already gone is not an error. */
export async function deleteVolume(uri: string, ref: VolumeRef): Promise<boolean> {
  const { exitCode, stderr } = await virsh(uri, ['vol-delete', '--pool', ref.pool, ref.volume], { allowedExitCodes: [1] })
  if (exitCode === 0) return true
  if (/Storage volume not found|no storage vol with matching/i.test(stderr)) return false
  throw new HvError('LIBVIRT_ERROR', `could not delete volume ${ref.volume} in pool ${ref.pool}: ${stderr.replace(/^error:\s*/gm, '').trim()}`, {
    exitCode: ExitCode.LIBVIRT_ERROR,
  })
}
