/**
 * Local disk images and ISOs a VM is created from. They enter the pool as shared base
 * volumes named by their content (`hv-base-<sha256>`), uploaded through libvirt once;
 * a VM gets a qcow2 overlay on its base, so its own writes never touch the image.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { z } from 'zod'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { run } from '../exec.js'
import { createVolume, uploadVolume, type VolumeInfo, volumeInfo } from '../libvirt/volumes.js'

const QemuImgInfo = z.looseObject({
  format: z.string(),
  'virtual-size': z.number(),
  'backing-filename': z.string().optional(),
})

export interface LocalImage {
  path: string
  format: 'qcow2' | 'raw'
  virtualSizeBytes: number
  sizeBytes: number
  sha256: string
}

function badImage(path: string, why: string, suggestion: string): HvError {
  return new HvError('INVALID_IMAGE', `${path}: ${why}`, { exitCode: ExitCode.INVALID_ARGUMENT, suggestions: [suggestion] })
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * Reads an image's format and size with qemu-img (and its sha256 unless a verified
 * download already computed it), and refuses what would be unsafe to hand to QEMU: formats other than qcow2/raw, and images with a backing file (which
 * would make QEMU open a host path the image names).
 */
export async function inspectImage(path: string, expect?: 'iso', knownSha256?: string): Promise<LocalImage> {
  let size: number
  try {
    const info = await stat(path)
    if (!info.isFile()) throw badImage(path, 'is not a regular file', 'give the path of an image file')
    size = info.size
  } catch (error) {
    if (error instanceof HvError) throw error
    throw badImage(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, 'check the path and its permissions')
  }
  const { stdout } = await run('qemu-img', ['info', '--output=json', '--force-share', path]).catch((error: unknown) => {
    throw badImage(path, `is not a disk image qemu-img can read: ${(error as Error).message}`, 'give a qcow2 or raw image')
  })
  const info = QemuImgInfo.parse(JSON.parse(stdout))
  if (info['backing-filename']) {
    throw badImage(path, `has a backing file (${info['backing-filename']})`, 'flatten it first: qemu-img convert -O qcow2 IMAGE FLAT.qcow2')
  }
  if (info.format !== 'qcow2' && info.format !== 'raw') {
    throw badImage(path, `is in ${info.format} format`, 'convert it: qemu-img convert -O qcow2 IMAGE IMAGE.qcow2')
  }
  if (expect === 'iso' && info.format !== 'raw') throw badImage(path, 'is not an ISO image', 'give a .iso file')
  return { path, format: info.format, virtualSizeBytes: info['virtual-size'], sizeBytes: size, sha256: knownSha256 ?? (await sha256(path)) }
}

/** The pool volume holding this image's bytes; uploaded through libvirt the first time. */
export async function ensureBaseVolume(uri: string, pool: string, image: LocalImage, kind: 'base' | 'iso'): Promise<VolumeInfo> {
  const volume = `hv-${kind}-${image.sha256.slice(0, 16)}.${kind === 'iso' ? 'iso' : image.format}`
  const existing = await volumeInfo(uri, { pool, volume })
  if (existing) return existing
  await createVolume(uri, { pool, volume, capacityBytes: image.sizeBytes, format: image.format })
  await uploadVolume(uri, { pool, volume }, image.path)
  const created = await volumeInfo(uri, { pool, volume })
  if (!created) throw new HvError('LIBVIRT_ERROR', `the volume ${volume} vanished after its upload`, { exitCode: ExitCode.LIBVIRT_ERROR })
  return created
}
