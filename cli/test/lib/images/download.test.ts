/**
 * downloadVerified against a real HTTP server on 127.0.0.1 (node:http, port 0) serving a
 * few MiB of deterministic bytes with Range support; the server records every request.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, watch, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ExitCode } from '../../../src/lib/errors/exit-codes.js'
import { HvError } from '../../../src/lib/errors/hv-error.js'
import { type DownloadOptions, type DownloadProgress, downloadVerified } from '../../../src/lib/images/download.js'

const SIZE = 3 * 1024 * 1024 + 12_345

function deterministicBytes(size: number): Buffer {
  const out = Buffer.alloc(size)
  for (let offset = 0, block = 0; offset < size; block++) offset += createHash('sha256').update(`hv-download-test-${block}`).digest().copy(out, offset)
  return out
}

const DATA = deterministicBytes(SIZE)
const SHA256 = createHash('sha256').update(DATA).digest('hex')
const SHA512 = createHash('sha512').update(DATA).digest('hex')
const FIRST_CHUNK = 64 * 1024

interface Behaviour {
  /** Always answer 200 with the whole file, whatever the Range header says. */
  ignoreRange?: boolean
  /** The next image response sends this many bytes, waits for `when`, then destroys the socket. */
  cutAfter?: { bytes: number; when: Promise<void> }
  /** Image responses send a first chunk, then wait for this before the rest. */
  holdAfterFirstChunk?: Promise<void>
}

interface SeenRequest {
  path: string
  range: string | undefined
  status: number
}

class ImageServer {
  requests: SeenRequest[] = []
  behaviour: Behaviour = {}
  private readonly server: Server = createServer((request, response) => {
    this.handle(request, response).catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)))
    })
  })

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())))
  }

  url(path = '/image.img'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`
  }

  imageRequests(): SeenRequest[] {
    return this.requests.filter((request) => request.path === '/image.img')
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const seen: SeenRequest = { path: request.url ?? '', range: request.headers.range, status: 0 }
    this.requests.push(seen)
    const reply = (status: number, headers: Record<string, string | number>): void => {
      seen.status = status
      response.writeHead(status, headers)
    }
    if (seen.path === '/redirect') return void (reply(302, { location: '/image.img' }), response.end())
    if (seen.path === '/redirect-to-file') return void (reply(302, { location: 'file:///etc/passwd' }), response.end())
    if (seen.path !== '/image.img') return void (reply(404, { 'content-type': 'text/plain' }), response.end('not found\n'))

    let start = 0
    let status = 200
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' }
    const range = this.behaviour.ignoreRange ? null : /^bytes=(\d+)-$/.exec(seen.range ?? '')
    if (range) {
      start = Number(range[1])
      if (start >= SIZE) return void (reply(416, { 'content-range': `bytes */${SIZE}` }), response.end())
      status = 206
      headers['content-range'] = `bytes ${start}-${SIZE - 1}/${SIZE}`
    }
    headers['content-length'] = SIZE - start
    reply(status, headers)
    const body = DATA.subarray(start)
    const { cutAfter, holdAfterFirstChunk } = this.behaviour
    if (cutAfter) {
      this.behaviour.cutAfter = undefined
      response.write(body.subarray(0, cutAfter.bytes))
      await cutAfter.when
      response.socket?.destroy()
      return
    }
    if (holdAfterFirstChunk) {
      response.write(body.subarray(0, FIRST_CHUNK))
      await holdAfterFirstChunk
      response.end(body.subarray(FIRST_CHUNK))
      return
    }
    response.end(body)
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((done) => (resolve = done))
  return { promise, resolve }
}

/** Resolves when `predicate` holds, looking again on every change in `directory` (inotify); bounded. */
async function waitUntil(directory: string, predicate: () => boolean, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const watcher = watch(directory)
    const timer = setTimeout(() => {
      watcher.close()
      reject(new Error(`gave up waiting for ${what}`))
    }, 30_000)
    const check = (): void => {
      if (!predicate()) return
      clearTimeout(timer)
      watcher.close()
      resolve()
    }
    watcher.on('change', check)
    check()
  })
}

async function failure(promise: Promise<unknown>): Promise<HvError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  )
  expect(outcome).toBeInstanceOf(HvError)
  return outcome as HvError
}

function sizeOf(path: string): number {
  return existsSync(path) ? statSync(path).size : -1
}

function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''])
  expect(child.status).toBe(0)
  return child.pid
}

const server = new ImageServer()
let directory: string
let destination: string
let partial: string
let lock: string

function options(extra: Partial<DownloadOptions> = {}): DownloadOptions {
  return { url: server.url(), destination, expected: { algorithm: 'sha256', digest: SHA256 }, ...extra }
}

beforeAll(async () => {
  await server.start()
})

afterAll(async () => {
  await server.close()
})

beforeEach(() => {
  server.requests = []
  server.behaviour = {}
  directory = mkdtempSync(join(tmpdir(), 'hv-download-'))
  destination = join(directory, 'image.img')
  partial = `${destination}.partial`
  lock = `${destination}.lock`
})

afterEach(() => {
  rmSync(directory, { recursive: true, force: true })
})

describe('downloadVerified', () => {
  it('streams to .partial and renames to the destination, 0644, only once verified', async () => {
    const hold = deferred()
    server.behaviour = { holdAfterFirstChunk: hold.promise }
    const midway: { partial: boolean; destination: boolean; lock: boolean }[] = []
    const progress: DownloadProgress[] = []
    const umask = process.umask(0o077) // the file must be 0644 even so
    let result
    try {
      result = await downloadVerified(
        options({
          onProgress: (update) => {
            if (progress.length === 0) {
              midway.push({ partial: existsSync(partial), destination: existsSync(destination), lock: existsSync(lock) })
              hold.resolve()
            }
            progress.push(update)
          },
        }),
      )
    } finally {
      process.umask(umask)
    }
    expect(midway).toEqual([{ partial: true, destination: false, lock: true }])
    expect(result).toEqual({
      path: destination,
      bytes: SIZE,
      sha256: SHA256,
      digest: { algorithm: 'sha256', digest: SHA256 },
      resumedFromBytes: 0,
      reusedExisting: false,
      waitedForOtherDownload: false,
    })
    expect(sha256Of(destination)).toBe(SHA256)
    expect(statSync(destination).mode & 0o777).toBe(0o644)
    expect(readdirSync(directory)).toEqual(['image.img'])
    expect(progress.at(-1)).toEqual({ receivedBytes: SIZE, totalBytes: SIZE, resumedFromBytes: 0 })
    expect(server.imageRequests()).toEqual([{ path: '/image.img', range: undefined, status: 200 }])
  })

  it('leaves the partial after an interruption, and the next attempt resumes it with a Range request', async () => {
    const cutAt = 1024 * 1024 + 17
    const cut = deferred()
    server.behaviour = { cutAfter: { bytes: cutAt, when: cut.promise } }
    const first = failure(downloadVerified(options()))
    await waitUntil(directory, () => sizeOf(partial) === cutAt, `${cutAt} bytes in the partial file`)
    cut.resolve()
    const error = await first
    expect(error.code).toBe('DOWNLOAD_INTERRUPTED')
    expect(error.exitCode).toBe(ExitCode.SYSTEM_ERROR)
    expect(error.message).toMatch(new RegExp(`^the download of ${server.url()} was interrupted after ${cutAt} of ${SIZE} bytes`))
    expect(error.suggestions).toEqual(['run the same pull again: it resumes where this attempt stopped'])
    expect(statSync(partial).size).toBe(cutAt)
    expect(existsSync(destination)).toBe(false)
    expect(existsSync(lock)).toBe(false)

    const progress: DownloadProgress[] = []
    const result = await downloadVerified(options({ onProgress: (update) => progress.push(update) }))
    expect(server.imageRequests()).toEqual([
      { path: '/image.img', range: undefined, status: 200 },
      { path: '/image.img', range: `bytes=${cutAt}-`, status: 206 },
    ])
    expect(result.resumedFromBytes).toBe(cutAt)
    expect(result.bytes).toBe(SIZE)
    expect(result.sha256).toBe(SHA256)
    expect(progress[0]?.resumedFromBytes).toBe(cutAt)
    expect(progress.at(-1)).toEqual({ receivedBytes: SIZE, totalBytes: SIZE, resumedFromBytes: cutAt })
    expect(sha256Of(destination)).toBe(SHA256)
    expect(readdirSync(directory)).toEqual(['image.img'])
  })

  it('starts over cleanly when the server ignores Range and answers 200', async () => {
    server.behaviour = { ignoreRange: true }
    writeFileSync(partial, Buffer.alloc(500_000, 0xaa)) // not even the right bytes
    const result = await downloadVerified(options())
    expect(server.imageRequests()).toEqual([{ path: '/image.img', range: 'bytes=500000-', status: 200 }])
    expect(result.resumedFromBytes).toBe(0)
    expect(result.bytes).toBe(SIZE)
    expect(sha256Of(destination)).toBe(SHA256)
    expect(readdirSync(directory)).toEqual(['image.img'])
  })

  it('takes a complete partial as it is when the server answers 416 for a range at its end', async () => {
    writeFileSync(partial, DATA)
    const result = await downloadVerified(options())
    expect(server.imageRequests()).toEqual([{ path: '/image.img', range: `bytes=${SIZE}-`, status: 416 }])
    expect(result.resumedFromBytes).toBe(SIZE)
    expect(sha256Of(destination)).toBe(SHA256)
    expect(readdirSync(directory)).toEqual(['image.img'])
  })

  it('refuses content that does not match the expected digest and leaves nothing behind', async () => {
    const wrong = createHash('sha256').update('something else').digest('hex')
    const error = await failure(downloadVerified(options({ expected: { algorithm: 'sha256', digest: wrong } })))
    expect(error.code).toBe('CHECKSUM_MISMATCH')
    expect(error.exitCode).toBe(43)
    expect(error.message).toBe(`${server.url()} does not match its checksum: expected sha256 ${wrong}, got ${SHA256}`)
    expect(error.suggestions.length).toBeGreaterThan(0)
    expect(readdirSync(directory)).toEqual([])
  })

  it('verifies with sha512 when that is what is expected, and still reports the sha256', async () => {
    const result = await downloadVerified(options({ expected: { algorithm: 'sha512', digest: SHA512 } }))
    expect(result.digest).toEqual({ algorithm: 'sha512', digest: SHA512 })
    expect(result.sha256).toBe(SHA256)
  })

  it('without an expected digest (--insecure) reports the sha256 it computed', async () => {
    const result = await downloadVerified(options({ expected: undefined }))
    expect(result.digest).toEqual({ algorithm: 'sha256', digest: SHA256 })
  })

  it('makes concurrent pulls of one destination share a single download', async () => {
    const hold = deferred()
    server.behaviour = { holdAfterFirstChunk: hold.promise }
    let waiting = 0
    const onWaitForOtherDownload = (pid: number | undefined): void => {
      expect(pid).toBe(process.pid)
      if (++waiting === 3) hold.resolve()
    }
    const results = await Promise.all([1, 2, 3, 4].map(() => downloadVerified(options({ onWaitForOtherDownload }))))
    expect(server.imageRequests()).toHaveLength(1)
    expect(results.map((result) => [result.path, result.sha256, result.bytes])).toEqual(Array(4).fill([destination, SHA256, SIZE]))
    expect(results.filter((result) => result.waitedForOtherDownload)).toHaveLength(3)
    expect(results.filter((result) => result.reusedExisting)).toHaveLength(0)
    expect(sha256Of(destination)).toBe(SHA256)
    expect(readdirSync(directory)).toEqual(['image.img'])
  })

  it('reuses a verified destination without downloading, and refuses a damaged one', async () => {
    await downloadVerified(options())
    const again = await downloadVerified(options())
    expect(again).toMatchObject({ path: destination, reusedExisting: true, waitedForOtherDownload: false, sha256: SHA256, bytes: SIZE })
    expect(server.imageRequests()).toHaveLength(1)

    const damaged = Buffer.from(DATA)
    damaged[1000] = damaged[1000]! ^ 0xff
    writeFileSync(destination, damaged)
    const error = await failure(downloadVerified(options()))
    expect(error.code).toBe('CACHED_IMAGE_CORRUPTED')
    expect(error.exitCode).toBe(ExitCode.SECURITY_CHECK_FAILED)
    expect(error.suggestions).toEqual(['remove it, then pull again: hv image rm image.img'])
    expect(existsSync(destination)).toBe(true) // never removed behind the user's back
    expect(server.imageRequests()).toHaveLength(1)
  })

  it('takes over a lock whose process is dead', async () => {
    writeFileSync(lock, `${deadPid()}\n`)
    let waited = false
    const result = await downloadVerified(options({ onWaitForOtherDownload: () => (waited = true) }))
    expect(waited).toBe(false)
    expect(result.waitedForOtherDownload).toBe(false)
    expect(sha256Of(destination)).toBe(SHA256)
    expect(readdirSync(directory)).toEqual(['image.img'])
  })

  it('takes over an old lock without a pid', async () => {
    writeFileSync(lock, '')
    const old = new Date(Date.now() - 60_000)
    utimesSync(lock, old, old)
    const result = await downloadVerified(options())
    expect(result.sha256).toBe(SHA256)
    expect(readdirSync(directory)).toEqual(['image.img'])
  })

  describe('with a lock held by another process', () => {
    let holder: ChildProcess | undefined

    afterEach(() => {
      if (holder?.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL')
      holder = undefined
    })

    function startHolder(): number {
      holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
      expect(holder.pid).toBeTypeOf('number')
      return holder.pid!
    }

    it('waits for it and uses the file it downloaded', async () => {
      const pid = startHolder()
      writeFileSync(lock, `${pid}\n`)
      const result = downloadVerified(
        options({
          onWaitForOtherDownload: (holderPid) => {
            expect(holderPid).toBe(pid)
            // What the other process does when it is done: the file in place, then no lock.
            writeFileSync(destination, DATA, { mode: 0o644 })
            rmSync(lock)
          },
        }),
      )
      expect(await result).toMatchObject({ path: destination, waitedForOtherDownload: true, reusedExisting: false, sha256: SHA256 })
      expect(server.imageRequests()).toHaveLength(0)
    })

    it('downloads itself when the other process dies without removing its lock', async () => {
      const pid = startHolder()
      writeFileSync(lock, `${pid}\n`)
      const result = await downloadVerified(options({ onWaitForOtherDownload: () => void holder?.kill('SIGKILL') }))
      expect(result).toMatchObject({ waitedForOtherDownload: false, sha256: SHA256 })
      expect(server.imageRequests()).toHaveLength(1)
      expect(readdirSync(directory)).toEqual(['image.img'])
    })

    it('stops waiting when the caller aborts', async () => {
      writeFileSync(lock, `${startHolder()}\n`)
      const controller = new AbortController()
      const error = await failure(downloadVerified(options({ signal: controller.signal, onWaitForOtherDownload: () => controller.abort() })))
      expect(error.code).toBe('CANCELLED')
      expect(error.exitCode).toBe(ExitCode.CANCELLED)
      expect(existsSync(lock)).toBe(true) // the other process's lock is left alone
    })
  })

  it('reports an HTTP error with its status and leaves nothing behind', async () => {
    const error = await failure(downloadVerified(options({ url: server.url('/missing.img') })))
    expect(error.code).toBe('DOWNLOAD_FAILED')
    expect(error.exitCode).toBe(ExitCode.SYSTEM_ERROR)
    expect(error.message).toBe(`cannot download ${server.url('/missing.img')}: HTTP 404 Not Found`)
    expect(error.suggestions[0]).toMatch(/^the file is not there/)
    expect(readdirSync(directory)).toEqual([])
  })

  it('follows http redirects but not to another scheme', async () => {
    const result = await downloadVerified(options({ url: server.url('/redirect') }))
    expect(result.sha256).toBe(SHA256)
    expect(server.requests.map((request) => request.path)).toEqual(['/redirect', '/image.img'])

    rmSync(destination)
    const error = await failure(downloadVerified(options({ url: server.url('/redirect-to-file') })))
    expect(error.code).toBe('DOWNLOAD_FAILED')
    expect(error.message).toContain('redirects to "file:///etc/passwd", and hv follows redirects only to http(s) URLs')
    expect(readdirSync(directory)).toEqual([])
  })
})
