/**
 * Downloads one file over http(s) into place, verified:
 *
 * - streamed to `<destination>.partial` while its digests are computed in the same pass
 *   (sha256 always, since the cache is keyed by it, and the expected algorithm) on a
 *   second thread (threaded-digests.ts), never held in memory;
 * - resumed with `Range: bytes=N-` when a `.partial` is left from an interrupted attempt
 *   (its bytes are hashed meanwhile); a server that ignores ranges (200) means starting over;
 * - moved to `destination` only after the digest matched: `rename` (atomic), 0644.
 *   A mismatch removes the partial: nothing is left behind;
 * - one download per destination however many pulls run at once, in this process or
 *   others: `<destination>.lock` holds the downloader's pid; the others wait for it to go
 *   away (inotify through `fs.watch`, not a sleep loop), then use the verified file.
 */
import { randomUUID } from 'node:crypto'
import { watch } from 'node:fs'
import { chmod, type FileHandle, link, mkdir, open, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { type DigestAlgorithm, ThreadedDigests } from './threaded-digests.js'
import { describeError, discard, type HttpResponse, httpGet } from './http-get.js'

export interface ExpectedDigest {
  algorithm: 'sha256' | 'sha512'
  /** Lower-case hexadecimal. */
  digest: string
}

export interface DownloadProgress {
  /** Bytes of the file present so far, including those resumed from a `.partial`. */
  receivedBytes: number
  /** The file's full size, when the server says. */
  totalBytes: number | undefined
  /** Bytes an earlier, interrupted attempt had already downloaded. */
  resumedFromBytes: number
}

export interface DownloadOptions {
  /** http(s) only; already validated by the caller. */
  url: string
  /** The final path; written only after verification, by rename. */
  destination: string
  /** undefined = --insecure (the caller warns). */
  expected: ExpectedDigest | undefined
  /** At most about 10 calls a second, plus a final one when the file is complete. */
  onProgress?: (progress: DownloadProgress) => void
  /** Called when another pull (this process or another, `holderPid`) is downloading the same file and this one waits for it. */
  onWaitForOtherDownload?: (holderPid: number | undefined) => void
  /** Bounds everything, including the wait for another pull. */
  signal?: AbortSignal
}

export interface DownloadResult {
  path: string
  bytes: number
  sha256: string
  /** What the file was verified against; for --insecure its sha256. */
  digest: ExpectedDigest
  resumedFromBytes: number
  /** The file was already in place. */
  reusedExisting: boolean
  /** Another pull downloaded the file while this one waited. */
  waitedForOtherDownload: boolean
}

const PROGRESS_INTERVAL_MS = 100
/** A lock without a readable pid older than this was abandoned while being created. */
const UNREADABLE_LOCK_STALE_MS = 10_000
/** See waitForLockRelease: how often to look whether a silent lock holder still lives. */
const LIVENESS_CHECK_FIRST_MS = 1_000
const LIVENESS_CHECK_MAX_MS = 16_000

const RESUME_SUGGESTION = 'run the same pull again: it resumes where this attempt stopped'

export async function downloadVerified(options: DownloadOptions): Promise<DownloadResult> {
  const { destination, signal } = options
  throwIfAborted(signal, options.url)
  await mkdir(dirname(destination), { recursive: true })
  const lockPath = `${destination}.lock`
  let waited = false
  // Each round either returns, throws, or waits for the current lock holder to finish
  // (bounded by the caller's signal). A holder that failed leaves no file: then this pull
  // takes the lock and downloads (resuming the holder's partial).
  for (;;) {
    const existing = await verifiedExisting(options, waited)
    if (existing) return existing
    const lock = await acquireLock(lockPath)
    if (lock) {
      try {
        // Another pull may have finished between the look above and taking the lock.
        const finished = await verifiedExisting(options, waited)
        if (finished) return finished
        return await download(options)
      } finally {
        await lock.release()
      }
    }
    await waitForLockRelease(lockPath, options)
    waited = true
  }
}

// ---------------------------------------------------------------- digests

function algorithmsFor(expected: ExpectedDigest | undefined): DigestAlgorithm[] {
  // sha256 always (the cache is keyed by it), and the expected algorithm.
  return expected && expected.algorithm !== 'sha256' ? ['sha256', expected.algorithm] : ['sha256']
}

/** Ends the hashing at `bytes`: the sha256, and the digest in the expected algorithm. */
async function finishDigests(digester: ThreadedDigests, expected: ExpectedDigest | undefined, signal: AbortSignal | undefined, url: string): Promise<{ bytes: number; sha256: string; actual: string }> {
  const onAbort = new Promise<never>((_resolve, reject) => {
    if (signal?.aborted) reject(abortError(signal, url))
    signal?.addEventListener('abort', () => reject(abortError(signal, url)), { once: true })
  })
  onAbort.catch(() => undefined)
  try {
    const result = await Promise.race([digester.finish(), onAbort])
    return { bytes: result.bytes, sha256: result.digests.sha256, actual: result.digests[expected?.algorithm ?? 'sha256'] }
  } finally {
    await digester.cancel()
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined
}

/** The destination when it exists, verified; a damaged file is an error (never replaced silently). */
async function verifiedExisting(options: DownloadOptions, waited: boolean): Promise<DownloadResult | undefined> {
  const { destination, expected } = options
  let size: number
  try {
    size = (await stat(destination)).size
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined
    throw error
  }
  const digester = new ThreadedDigests(algorithmsFor(expected))
  digester.file(destination, size)
  const { bytes, sha256, actual } = await finishDigests(digester, expected, options.signal, options.url)
  if (expected && actual !== expected.digest) {
    throw new HvError('CACHED_IMAGE_CORRUPTED', `the cached file ${destination} does not match its checksum: expected ${expected.algorithm} ${expected.digest}, got ${actual}`, {
      exitCode: ExitCode.SECURITY_CHECK_FAILED,
      suggestions: [`remove it, then pull again: hv image rm ${basename(destination)}`],
    })
  }
  return {
    path: destination,
    bytes,
    sha256,
    digest: expected ?? { algorithm: 'sha256', digest: sha256 },
    resumedFromBytes: 0,
    reusedExisting: !waited,
    waitedForOtherDownload: waited,
  }
}

// ---------------------------------------------------------------- the download

function throwIfAborted(signal: AbortSignal | undefined, url: string): void {
  if (signal?.aborted) throw abortError(signal, url)
}

function abortError(signal: AbortSignal, url: string): HvError {
  const reason: unknown = signal.reason
  if (reason instanceof HvError) return reason
  const timedOut = typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError'
  if (timedOut) {
    return new HvError('TIMEOUT', `gave up downloading ${url}: it took too long`, { exitCode: ExitCode.TIMEOUT, suggestions: [RESUME_SUGGESTION], cause: reason })
  }
  return new HvError('CANCELLED', `cancelled the download of ${url}`, { exitCode: ExitCode.CANCELLED, suggestions: [RESUME_SUGGESTION], cause: reason })
}

function httpError(url: string, response: HttpResponse): HvError {
  const { status } = response
  const suggestions =
    status === 404 || status === 410
      ? ['the file is not there (any more): check the URL; for an alias, the release may have moved (update hv, or use --registry URL)']
      : status >= 500
        ? ['the server failed: try again later, or use a mirror (--registry URL)']
        : status === 401 || status === 403
          ? ['the server refuses access to the file: check the URL, or use a mirror (--registry URL)']
          : ['check the URL']
  return new HvError('DOWNLOAD_FAILED', `cannot download ${url}: HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`, {
    exitCode: ExitCode.SYSTEM_ERROR,
    suggestions,
  })
}

/** GET `url` from byte `from` on (all of it when undefined). */
function get(url: string, from: number | undefined, signal: AbortSignal | undefined): Promise<HttpResponse> {
  // Compressed transfer would change the bytes (and break ranges): ask for the file as is.
  const headers: Record<string, string> = { 'accept-encoding': 'identity' }
  if (from !== undefined) headers.range = `bytes=${from}-`
  return httpGet(url, {
    headers,
    signal,
    onNetworkError: (error, at) => {
      if (signal?.aborted) return abortError(signal, url)
      return new HvError('DOWNLOAD_FAILED', `cannot download ${at.href}: ${describeError(error)}`, {
        exitCode: ExitCode.SYSTEM_ERROR,
        suggestions: ['check the network connection and the URL', 'no internet here? use a mirror: --registry URL'],
        cause: error,
      })
    },
  })
}

// Content-Range: "bytes START-END/TOTAL" (206) or "bytes */TOTAL" (416); TOTAL may be "*".
function parseContentRange(header: string | undefined): { start: number | undefined; total: number | undefined } | undefined {
  const match = header ? /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(header.trim()) : null
  if (!match) return undefined
  return { start: match[1] === undefined ? undefined : Number(match[1]), total: match[3] === '*' ? undefined : Number(match[3]) }
}

function contentLength(response: HttpResponse): number | undefined {
  const header = response.header('content-length')
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined
}

type Plan =
  | { kind: 'write'; response: HttpResponse; offset: number; totalBytes: number | undefined }
  /** The partial already holds the whole file (416 for a range starting at its end). */
  | { kind: 'complete'; totalBytes: number }

/** Asks for the rest of the file after `offset` bytes (all of it when 0) and decides whether to append or start over. */
async function plan(url: string, offset: number, signal: AbortSignal | undefined): Promise<Plan> {
  if (offset > 0) {
    const response = await get(url, offset, signal)
    if (response.status === 206) {
      const range = parseContentRange(response.header('content-range'))
      if (range?.start === offset) {
        const length = contentLength(response)
        return { kind: 'write', response, offset, totalBytes: range.total ?? (length === undefined ? undefined : offset + length) }
      }
      discard(response) // a range we did not ask for: start over
    } else if (response.status === 416) {
      discard(response)
      const total = parseContentRange(response.header('content-range'))?.total
      if (total === offset) return { kind: 'complete', totalBytes: total }
      // The partial is longer than the file, or the server does not say: start over.
    } else if (response.status === 200) {
      // The server ignores ranges and sends the whole file: start over with it.
      return { kind: 'write', response, offset: 0, totalBytes: contentLength(response) }
    } else {
      discard(response)
      throw httpError(url, response)
    }
  }
  const response = await get(url, undefined, signal)
  if (response.status !== 200) {
    discard(response)
    throw httpError(url, response)
  }
  return { kind: 'write', response, offset: 0, totalBytes: contentLength(response) }
}

function progressReporter(onProgress: DownloadOptions['onProgress']): (progress: DownloadProgress, final?: boolean) => void {
  let last = Number.NEGATIVE_INFINITY
  return (progress, final = false) => {
    if (!onProgress) return
    const now = performance.now()
    if (!final && now - last < PROGRESS_INTERVAL_MS) return
    last = now
    onProgress(progress)
  }
}

function interrupted(url: string, received: number, total: number | undefined, cause: unknown): HvError {
  const of = total === undefined ? '' : ` of ${total}`
  return new HvError('DOWNLOAD_INTERRUPTED', `the download of ${url} was interrupted after ${received}${of} bytes${cause ? `: ${describeError(cause)}` : ''}`, {
    exitCode: ExitCode.SYSTEM_ERROR,
    suggestions: [RESUME_SUGGESTION],
    cause,
  })
}

async function partialSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 0
    throw error
  }
}

/**
 * Streams the response body to the partial file (appending after `offset`); after each
 * write the written chunks go to the hashing thread. Returns the file's length.
 */
async function writeBody(url: string, file: FileHandle, partial: string, target: Extract<Plan, { kind: 'write' }>, digester: ThreadedDigests, options: DownloadOptions, report: ReturnType<typeof progressReporter>, resumedFromBytes: number): Promise<number> {
  const { response, offset, totalBytes } = target
  let received = offset
  let written = offset
  // Awaiting each write would leave the socket idle meanwhile: chunks queue while one
  // writev is in flight and go out together when it returns, so reading and writing
  // overlap (and hashing, on its thread). The queue is bounded (backpressure at 16 MiB).
  let queue: Buffer[] = []
  let queuedBytes = 0
  let writer: Promise<void> | undefined
  let writeFailure: unknown
  const pump = (): void => {
    if (writer || queue.length === 0 || writeFailure) return
    const chunks = queue
    const bytes = queuedBytes
    queue = []
    queuedBytes = 0
    writer = file.writev(chunks).then(
      () => {
        written += bytes
        digester.chunks(chunks)
        writer = undefined
        pump()
      },
      (error: unknown) => {
        writeFailure = error
        writer = undefined
      },
    )
  }
  const drain = async (): Promise<void> => {
    while (writer) await writer
    if (writeFailure) {
      discard(response)
      throw new HvError('CACHE_WRITE_FAILED', `cannot write ${partial}: ${describeError(writeFailure)}`, {
        exitCode: ExitCode.SYSTEM_ERROR,
        suggestions: ['free some disk space (hv image prune removes unused downloads), then run the same pull again'],
        cause: writeFailure,
      })
    }
  }
  try {
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        queue.push(chunk)
        queuedBytes += chunk.length
        received += chunk.length
        pump()
        if (queuedBytes >= 16 * 1024 * 1024 || writeFailure) await drain()
        report({ receivedBytes: received, totalBytes, resumedFromBytes })
      }
    } catch (error) {
      if (error instanceof HvError) throw error
      if (options.signal?.aborted) throw abortError(options.signal, url)
      throw interrupted(url, received, totalBytes, error)
    }
    // node:http ends the body quietly when the connection closes early: the length tells.
    if (!response.body.complete) throw interrupted(url, received, totalBytes, undefined)
  } finally {
    // What arrived before an interruption stays in the partial, for the resume.
    pump()
    await drain()
  }
  if (totalBytes !== undefined && received < totalBytes) throw interrupted(url, received, totalBytes, undefined)
  return written
}

/**
 * Downloads (or resumes) into the partial, verifies, renames into place. The caller holds the lock.
 *
 * No fsync: a cached file is verified again whenever it is used (verifiedExisting), and on
 * the system daemon it is uploaded into the pool and removed at once, so durability would
 * buy nothing but the time to flush a whole image (curl does not flush either).
 */
async function download(options: DownloadOptions): Promise<DownloadResult> {
  const { url, destination, expected, signal } = options
  const partial = `${destination}.partial`
  const report = progressReporter(options.onProgress)

  const existing = await partialSize(partial)
  const target = await plan(url, existing, signal)
  const resumedFromBytes = target.kind === 'write' ? target.offset : existing
  // Opened (and truncated when starting over) before the hashing thread reads it.
  const file = await open(partial, target.kind === 'write' && target.offset === 0 ? 'w' : 'a', 0o644)
  let digester: ThreadedDigests | undefined
  let bytes: number
  let totalBytes: number | undefined
  try {
    // A resumed partial's bytes are hashed on the thread while the rest arrives.
    digester = new ThreadedDigests(algorithmsFor(expected))
    digester.file(partial, resumedFromBytes)
    if (target.kind === 'complete') {
      bytes = target.totalBytes
      totalBytes = target.totalBytes
    } else {
      bytes = await writeBody(url, file, partial, target, digester, options, report, resumedFromBytes)
      totalBytes = target.totalBytes
    }
  } catch (error) {
    await digester?.cancel()
    throw error
  } finally {
    await file.close()
  }

  const { sha256, actual } = await finishDigests(digester, expected, signal, url)
  if (expected && actual !== expected.digest) {
    await unlink(partial).catch(() => undefined)
    throw new HvError('CHECKSUM_MISMATCH', `${url} does not match its checksum: expected ${expected.algorithm} ${expected.digest}, got ${actual}`, {
      exitCode: ExitCode.SECURITY_CHECK_FAILED,
      suggestions: [
        'run the same pull again: the download may have been damaged on the way (it starts over)',
        'if it fails again, the server sends a different file than the checksum names: check the checksum (--sha256), or use another mirror (--registry URL)',
      ],
    })
  }
  await chmod(partial, 0o644) // the umask may have narrowed it; the pool import reads it as another user
  await rename(partial, destination)
  report({ receivedBytes: bytes, totalBytes: totalBytes ?? bytes, resumedFromBytes }, true)
  return {
    path: destination,
    bytes,
    sha256,
    digest: expected ?? { algorithm: 'sha256', digest: sha256 },
    resumedFromBytes,
    reusedExisting: false,
    waitedForOtherDownload: false,
  }
}

// ---------------------------------------------------------------- the lock

interface Lock {
  release(): Promise<void>
}

type LockState = { kind: 'missing' } | { kind: 'held'; pid: number | undefined } | { kind: 'stale'; ino: number }

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user (another operator's pull).
    return errorCode(error) !== 'ESRCH'
  }
}

async function inspectLock(path: string): Promise<LockState> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { kind: 'missing' }
    throw error
  }
  try {
    // Content and inode from one descriptor: the same lock even if it is replaced meanwhile.
    const info = await handle.stat()
    const text = (await handle.readFile('utf8')).trim()
    const pid = /^\d+$/.test(text) ? Number(text) : undefined
    if (pid === undefined) {
      // hv writes the pid before the lock appears (see createLock); an unreadable lock
      // comes from elsewhere, and is treated as abandoned once it is old.
      return Date.now() - info.mtimeMs > UNREADABLE_LOCK_STALE_MS ? { kind: 'stale', ino: info.ino } : { kind: 'held', pid }
    }
    return isAlive(pid) ? { kind: 'held', pid } : { kind: 'stale', ino: info.ino }
  } finally {
    await handle.close()
  }
}

/**
 * Creates the lock exclusively, already holding our pid: the pid goes into a file of our
 * own first, which then gets the lock's name with link(2), which fails when the name
 * exists (like `open(lock, 'wx')`, but no other pull can ever read a lock without its pid).
 */
async function createLock(path: string): Promise<number | undefined> {
  const own = `${path}.${process.pid}.${randomUUID()}.tmp`
  await writeFile(own, `${process.pid}\n`, { flag: 'wx', mode: 0o644 })
  try {
    const { ino } = await stat(own)
    await link(own, path)
    return ino
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return undefined
    throw error
  } finally {
    await unlink(own).catch(() => undefined)
  }
}

/**
 * Removes a stale lock (its pid is dead). It is renamed aside first, which only one pull
 * can do; if what was moved is not the stale lock (another pull replaced it just before),
 * it is put back. Only a third pull taking the lock in that instant could then also
 * download; the rename keeps the usual race (two pulls removing each other's locks) out.
 */
async function removeStaleLock(path: string, staleIno: number): Promise<void> {
  const aside = `${path}.stale.${process.pid}.${randomUUID()}`
  try {
    await rename(path, aside)
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return
    throw error
  }
  try {
    if ((await stat(aside)).ino !== staleIno) await link(aside, path).catch(() => undefined)
  } finally {
    await unlink(aside).catch(() => undefined)
  }
}

async function acquireLock(path: string): Promise<Lock | undefined> {
  // Bounded: a stale lock is removed at most twice before this pull waits like any other.
  for (let attempt = 0; attempt < 3; attempt++) {
    const ino = await createLock(path)
    if (ino !== undefined) {
      return {
        async release() {
          try {
            if ((await stat(path)).ino === ino) await unlink(path)
          } catch (error) {
            if (errorCode(error) !== 'ENOENT') throw error
          }
        },
      }
    }
    const state = await inspectLock(path)
    if (state.kind === 'held') return undefined
    if (state.kind === 'stale') await removeStaleLock(path, state.ino)
  }
  return undefined
}

/**
 * Resolves when the lock is gone or stale. Event-driven: `fs.watch` on the directory
 * (inotify) reports the lock's removal. One thing has no event: the holder dying without
 * removing its lock (SIGKILL, a crash); so while the directory is quiet the holder's pid
 * is looked at after 1 s, then 2, 4, 8 and every 16 s. The wait ends with the caller's signal.
 */
async function waitForLockRelease(path: string, options: DownloadOptions): Promise<void> {
  const { signal } = options
  throwIfAborted(signal, options.url)
  const lockName = basename(path)
  await new Promise<void>((resolve, reject) => {
    let settled = false
    let checking = false
    let checkAgain = false
    let timer: NodeJS.Timeout | undefined
    let delay = LIVENESS_CHECK_FIRST_MS
    const watcher = watch(dirname(path))
    const finish = (error?: unknown): void => {
      if (settled) return
      settled = true
      watcher.close()
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      if (error === undefined) resolve()
      else reject(error)
    }
    const onAbort = (): void => finish(abortError(signal!, options.url))
    const check = async (): Promise<void> => {
      if (checking) {
        checkAgain = true
        return
      }
      checking = true
      try {
        do {
          checkAgain = false
          const state = await inspectLock(path)
          if (state.kind !== 'held') return finish()
        } while (checkAgain && !settled)
      } catch (error) {
        finish(error)
      } finally {
        checking = false
      }
    }
    const armLivenessCheck = (): void => {
      timer = setTimeout(() => {
        delay = Math.min(delay * 2, LIVENESS_CHECK_MAX_MS)
        void check().then(() => {
          if (!settled) armLivenessCheck()
        })
      }, delay)
    }
    watcher.on('change', (_event, filename) => {
      if (filename === null || filename === lockName) void check()
    })
    watcher.on('error', (error) =>
      finish(new HvError('DOWNLOAD_FAILED', `cannot watch ${dirname(path)} for the other download to finish: ${describeError(error)}`, { exitCode: ExitCode.SYSTEM_ERROR, cause: error })),
    )
    signal?.addEventListener('abort', onAbort, { once: true })
    armLivenessCheck()
    // The watcher is up: a release from now on is seen; one before it, by this first look.
    void inspectLock(path).then(
      (state) => {
        if (state.kind !== 'held') return finish()
        try {
          options.onWaitForOtherDownload?.(state.pid)
        } catch (error) {
          finish(error)
        }
      },
      (error: unknown) => finish(error),
    )
  })
}
