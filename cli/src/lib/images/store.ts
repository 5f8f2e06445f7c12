/**
 * Where pulled images live.
 *
 * - On the system daemon (qemu:///system, the pool exists) the cache is the libvirt pool:
 *   a verified download enters it once as a shared base volume named by its content
 *   (`hv-base-<sha256 prefix>`), which every operator's VMs then get overlays on. The
 *   download itself is staged in the per-user directory below (resumable, verified) and
 *   removed once uploaded, so the pool holds the one copy.
 * - Otherwise (qemu:///session, no pool) the cache is the per-user directory
 *   (`$HV_IMAGE_CACHE`, else `$XDG_CACHE_HOME/hv/images`, else `~/.cache/hv/images`):
 *   each image a verified file named by its checksum.
 *
 * Either way a JSON record beside it says where the image came from (alias, URL, digest).
 */
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { aliasDirectory, downloadUrl, findAlias, looksLikeAlias } from './catalog.js'
import { findChecksum, parseChecksumList } from './checksums.js'
import { type DownloadProgress, downloadVerified, type ExpectedDigest } from './download.js'
import { describeError, discard, httpGet, readText } from './http-get.js'
import { ensureBaseVolume, inspectImage } from '../vm/images.js'
import { deleteVolume, listVolumes, poolExists, volumeInfo } from '../libvirt/volumes.js'

export function imageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HV_IMAGE_CACHE) return env.HV_IMAGE_CACHE
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'hv', 'images')
}

export const CachedImage = z
  .object({
    file: z.string().regex(/^[a-z0-9]+-[0-9a-f]{64,128}\.img$/),
    alias: z.string().optional(),
    url: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    verifiedWith: z.enum(['sha256', 'sha512', 'none']),
    bytes: z.number().int().nonnegative(),
    pulledAt: z.iso.datetime(),
    /** Set when the image lives in a libvirt pool (then the file is not kept). */
    volume: z
      .object({ pool: z.string(), volume: z.string(), format: z.enum(['qcow2', 'raw']), virtualSizeBytes: z.number().int().nonnegative() })
      .strict()
      .optional(),
  })
  .strict()
export type CachedImage = z.infer<typeof CachedImage>

export interface PullRequest {
  /** An alias (ubuntu:24.04) or an http(s) URL. */
  reference: string
  /** Required with a URL unless insecure. */
  sha256?: string
  insecure: boolean
  registry?: string
  onProgress?: (progress: DownloadProgress) => void
  signal?: AbortSignal
}

/** A libvirt pool serving as the image cache (see imagePool). */
export interface ImagePool {
  uri: string
  pool: string
}

/** A base volume in the pool, ready for VMs' overlays. */
export interface BaseImage {
  pool: string
  volume: string
  format: 'qcow2' | 'raw'
  virtualSizeBytes: number
}

export interface PullResult {
  image: CachedImage
  /** The verified file (per-user cache) or the base volume's path (pool). */
  path: string
  /** Set when the image is a base volume in the pool. */
  base?: BaseImage
  reusedExisting: boolean
  resumedFromBytes: number
  /** True when the image could not be verified (--insecure). */
  unverified: boolean
}

const MAX_CHECKSUM_LIST = 4 * 1024 * 1024

async function fetchChecksumList(url: URL, signal?: AbortSignal): Promise<string> {
  const response = await httpGet(url, {
    signal,
    onNetworkError: (error) =>
      new HvError('DOWNLOAD_FAILED', `cannot fetch the checksum list ${url.href}: ${describeError(error)}`, {
        exitCode: ExitCode.SYSTEM_ERROR,
        suggestions: ['no internet here? use a mirror: --registry URL'],
        cause: error,
      }),
  })
  if (response.status !== 200) {
    discard(response)
    throw new HvError('DOWNLOAD_FAILED', `cannot fetch the checksum list ${url.href}: HTTP ${response.status}`, { exitCode: ExitCode.SYSTEM_ERROR })
  }
  const text = await readText(response, MAX_CHECKSUM_LIST)
  if (text === undefined) throw new HvError('DOWNLOAD_FAILED', `the checksum list ${url.href} is implausibly large`, { exitCode: ExitCode.SYSTEM_ERROR })
  return text
}

/** What to download and how to verify it. */
export async function resolveReference(request: PullRequest): Promise<{ url: URL; alias?: string; expected: ExpectedDigest | undefined }> {
  if (looksLikeAlias(request.reference)) {
    const entry = findAlias(request.reference)
    const directory = aliasDirectory(entry, request.registry ? downloadUrl(request.registry, '--registry') : undefined)
    const list = parseChecksumList(await fetchChecksumList(new URL(entry.checksumFile, directory), request.signal))
    const file = [...list.keys()].find((name) => entry.imageFile.test(name))
    if (!file) {
      throw new HvError('CHECKSUM_UNAVAILABLE', `${entry.checksumFile} in ${directory.href} lists no file matching ${entry.imageFile}`, {
        exitCode: ExitCode.SECURITY_CHECK_FAILED,
        suggestions: ['the mirror may be incomplete or the release renamed its files'],
      })
    }
    return { url: new URL(file, directory), alias: entry.alias, expected: findChecksum(list, file) }
  }
  const url = downloadUrl(request.reference, 'the image URL')
  if (request.sha256) {
    if (!/^[0-9a-fA-F]{64}$/.test(request.sha256)) throw new HvError('INVALID_ARGUMENT', '--sha256 must be 64 hexadecimal digits', { exitCode: ExitCode.INVALID_ARGUMENT })
    return { url, expected: { algorithm: 'sha256', digest: request.sha256.toLowerCase() } }
  }
  if (request.insecure) return { url, expected: undefined }
  throw new HvError('CHECKSUM_REQUIRED', `hv will not use an image it cannot verify: give --sha256 for ${url.href}`, {
    exitCode: ExitCode.SECURITY_CHECK_FAILED,
    suggestions: ['hv image pull URL --sha256 HEX   # the checksum the publisher lists', 'hv image pull URL --insecure   # only for images you trust otherwise'],
  })
}

function fileName(url: URL, expected: ExpectedDigest | undefined): string {
  if (expected) return `${expected.algorithm}-${expected.digest}.img`
  return `url-${createHash('sha256').update(url.href).digest('hex')}.img`
}

/** The system daemon's URIs (local or remote): there the pool is shared by every operator. */
export function isSystemDaemon(uri: string): boolean {
  return /^qemu(\+[a-z]+)?:\/\/[^/]*\/system(\?.*)?$/.test(uri)
}

/** The pool to cache images in: on the system daemon when the pool exists, else none (per-user cache). */
export async function imagePool(uri: string, pool: string): Promise<ImagePool | undefined> {
  return isSystemDaemon(uri) && (await poolExists(uri, pool)) ? { uri, pool } : undefined
}

/** Pulls into the per-user cache, or with `pool` into the pool (see the file's comment). */
export async function pullImage(request: PullRequest, cacheDir = imageCacheDir(), pool?: ImagePool): Promise<PullResult> {
  const { url, alias, expected } = await resolveReference(request)
  await mkdir(cacheDir, { recursive: true, mode: 0o700 })
  const file = fileName(url, expected)
  const recordPath = join(cacheDir, `${file}.json`)
  if (pool) {
    const pooled = await pooledImage(pool, await readRecord(recordPath))
    if (pooled) return { ...pooled, reusedExisting: true, resumedFromBytes: 0, unverified: !expected }
  }
  const downloaded = await downloadVerified({ url: url.href, destination: join(cacheDir, file), expected, onProgress: request.onProgress, signal: request.signal })
  const image: CachedImage = {
    file,
    ...(alias ? { alias } : {}),
    url: url.href,
    sha256: downloaded.sha256,
    verifiedWith: expected?.algorithm ?? 'none',
    bytes: downloaded.bytes,
    pulledAt: new Date().toISOString(),
  }
  // A reused download keeps the record of when and from where it was first pulled.
  let record = (downloaded.reusedExisting ? await readRecord(recordPath) : undefined) ?? image
  let path = downloaded.path
  let base: BaseImage | undefined
  if (pool) {
    try {
      const local = await inspectImage(downloaded.path, undefined, downloaded.sha256)
      const volume = await ensureBaseVolume(pool.uri, pool.pool, local, 'base')
      base = { pool: pool.pool, volume: volume.volume, format: local.format, virtualSizeBytes: local.virtualSizeBytes }
      record = { ...record, volume: base }
      path = volume.path
    } finally {
      // The pool holds the one copy; the staged download goes, whatever happened.
      await rm(downloaded.path, { force: true })
    }
  }
  await writeFile(recordPath, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 })
  return { image: record, path, ...(base ? { base } : {}), reusedExisting: downloaded.reusedExisting, resumedFromBytes: downloaded.resumedFromBytes, unverified: !expected }
}

/** The record's base volume when it is still in the pool. */
async function pooledImage(pool: ImagePool, record: CachedImage | undefined): Promise<{ image: CachedImage; path: string; base: BaseImage } | undefined> {
  if (!record?.volume || record.volume.pool !== pool.pool) return undefined
  const info = await volumeInfo(pool.uri, { pool: pool.pool, volume: record.volume.volume })
  return info ? { image: record, path: info.path, base: record.volume } : undefined
}

async function readRecord(path: string): Promise<CachedImage | undefined> {
  try {
    const parsed = CachedImage.safeParse(JSON.parse(await readFile(path, 'utf8')))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/**
 * Copies a local image into the cache. The copy is what gets checked (qemu-img: a plain
 * qcow2 or raw image without a backing file) and hashed, so a file changing meanwhile
 * cannot slip past the check.
 */
export async function importImage(path: string, cacheDir = imageCacheDir()): Promise<CachedImage> {
  await mkdir(cacheDir, { recursive: true, mode: 0o700 })
  const partial = join(cacheDir, `import-${process.pid}-${Date.now()}.partial`)
  try {
    await copyFile(path, partial).catch((error: NodeJS.ErrnoException) => {
      throw new HvError('INVALID_IMAGE', `${path} cannot be read (${error.code ?? error.message})`, { exitCode: ExitCode.INVALID_ARGUMENT })
    })
    const image = await inspectImage(partial).catch((error: unknown) => {
      if (error instanceof HvError) throw new HvError(error.code, error.message.replace(partial, path), { exitCode: error.exitCode, suggestions: error.suggestions })
      throw error
    })
    const file = `sha256-${image.sha256}.img`
    await chmod(partial, 0o644)
    await rename(partial, join(cacheDir, file))
    const record: CachedImage = { file, url: pathToFileURL(path).href, sha256: image.sha256, verifiedWith: 'sha256', bytes: image.sizeBytes, pulledAt: new Date().toISOString() }
    await writeFile(join(cacheDir, `${file}.json`), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 })
    return record
  } finally {
    await rm(partial, { force: true })
  }
}

export async function listCached(cacheDir = imageCacheDir()): Promise<CachedImage[]> {
  let names: string[]
  try {
    names = await readdir(cacheDir)
  } catch {
    return []
  }
  const records = await Promise.all(names.filter((name) => name.endsWith('.img.json')).map((name) => readRecord(join(cacheDir, name))))
  return records.filter((record): record is CachedImage => record !== undefined).sort((a, b) => (a.alias ?? a.url).localeCompare(b.alias ?? b.url))
}

/** The cached image an alias, URL, file name or sha256 prefix (≥ 8 digits) names. */
export async function findCached(reference: string, cacheDir = imageCacheDir()): Promise<CachedImage | undefined> {
  const images = await listCached(cacheDir)
  const matches = images.filter(
    (image) => image.alias === reference || image.url === reference || image.file === reference || (/^[0-9a-f]{8,64}$/.test(reference) && image.sha256.startsWith(reference)),
  )
  if (matches.length > 1) throw new HvError('AMBIGUOUS_IMAGE', `"${reference}" names ${matches.length} cached images`, { exitCode: ExitCode.INVALID_ARGUMENT, suggestions: ['give more digits of the sha256'] })
  return matches[0]
}

export async function removeCached(reference: string, cacheDir = imageCacheDir(), pool?: ImagePool): Promise<CachedImage> {
  const image = await findCached(reference, cacheDir)
  if (!image) {
    throw new HvError('IMAGE_NOT_FOUND', `no cached image "${reference}"`, { exitCode: ExitCode.INVALID_ARGUMENT, suggestions: ['hv image list'] })
  }
  if (image.volume && pool && image.volume.pool === pool.pool) {
    const users = (await poolImages(pool)).find((entry) => entry.volume === image.volume?.volume)?.usedBy ?? []
    if (users.length > 0) {
      throw new HvError('IMAGE_IN_USE', `${image.alias ?? image.url} is the base of ${users.join(', ')} in pool ${pool.pool}`, {
        exitCode: ExitCode.INVALID_ARGUMENT,
        suggestions: ['delete the VMs made from it first (hv vm list), or keep the image'],
      })
    }
    await deleteVolume(pool.uri, { pool: pool.pool, volume: image.volume.volume })
  }
  await rm(join(cacheDir, image.file), { force: true })
  await rm(join(cacheDir, `${image.file}.json`), { force: true })
  return image
}

/** A base volume in the pool and the volumes (VM disks) whose backing file it is. */
export interface PoolImage {
  volume: string
  path: string
  usedBy: string[]
}

/** The pool's base volumes (`hv-base-*`), each with the overlays on it: three virsh processes. */
export async function poolImages(pool: ImagePool): Promise<PoolImage[]> {
  const volumes = await listVolumes(pool.uri, pool.pool)
  return volumes
    .filter((volume) => /^hv-base-[0-9a-f]{16}\./.test(volume.volume))
    .map((base) => ({ volume: base.volume, path: base.path, usedBy: volumes.filter((other) => other.backingPath === base.path).map((other) => other.volume) }))
}

/**
 * Removes interrupted downloads (.partial) nobody is downloading (no lock), and with `all`
 * every image; in the pool, every base volume no VM disk is made from.
 */
export async function pruneCache(options: { all: boolean }, cacheDir = imageCacheDir(), pool?: ImagePool): Promise<{ removed: string[]; kept: string[] }> {
  let names: string[]
  try {
    names = await readdir(cacheDir)
  } catch {
    names = []
  }
  const locked = new Set(names.filter((name) => name.endsWith('.lock')).map((name) => name.slice(0, -'.lock'.length)))
  const removed: string[] = []
  const kept: string[] = []
  const inUse = new Set<string>()
  if (options.all && pool) {
    for (const image of await poolImages(pool)) {
      if (image.usedBy.length > 0) {
        inUse.add(image.volume)
        kept.push(`${pool.pool}/${image.volume}`)
      } else if (await deleteVolume(pool.uri, { pool: pool.pool, volume: image.volume })) {
        removed.push(`${pool.pool}/${image.volume}`)
      }
    }
  }
  for (const name of names) {
    const partial = name.endsWith('.partial') && !locked.has(name.slice(0, -'.partial'.length))
    let image = options.all && (name.endsWith('.img') || name.endsWith('.img.json'))
    if (image && name.endsWith('.json')) {
      // A record whose base volume still backs VMs stays with it.
      const record = await readRecord(join(cacheDir, name))
      if (record?.volume && inUse.has(record.volume.volume)) image = false
    }
    if (partial || image) {
      await rm(join(cacheDir, name), { force: true })
      removed.push(name)
    }
  }
  return { removed, kept }
}
