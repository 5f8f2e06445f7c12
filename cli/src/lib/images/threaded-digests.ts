/**
 * Digests computed on a worker thread, beside the download: the downloading thread only
 * moves bytes (socket → file) and then hands each written chunk over to the worker
 * (transferred, not copied), which hashes it. Hashing thus overlaps the transfer on the
 * second core instead of following it (`curl && sha256sum`) or slowing it down. Bytes
 * already on disk (a resumed partial, a cached file being re-verified) the worker reads
 * from the file itself.
 */
import { Worker } from 'node:worker_threads'

export type DigestAlgorithm = 'sha256' | 'sha512'

// Plain CommonJS, run with `eval`: no file to locate at run time (dist or the sources under test).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const { openSync, readSync, closeSync } = require('node:fs')
const hashes = workerData.algorithms.map((algorithm) => createHash(algorithm))
let bytes = 0
const update = (view) => {
  for (const hash of hashes) hash.update(view)
  bytes += view.length
}
parentPort.on('message', (message) => {
  if (message.kind === 'chunks') {
    for (const buffer of message.buffers) update(new Uint8Array(buffer))
  } else if (message.kind === 'file') {
    const fd = openSync(message.path, 'r')
    try {
      const buffer = Buffer.allocUnsafe(4 * 1024 * 1024)
      for (let position = 0; position < message.length; ) {
        const read = readSync(fd, buffer, 0, Math.min(buffer.length, message.length - position), position)
        if (read === 0) throw new Error(message.path + ' is shorter than ' + message.length + ' bytes')
        update(buffer.subarray(0, read))
        position += read
      }
    } finally {
      closeSync(fd)
    }
  } else {
    parentPort.postMessage({ bytes, digests: hashes.map((hash) => hash.digest('hex')) })
  }
})
`

export interface DigestResult {
  bytes: number
  /** Lower-case hexadecimal, by algorithm. */
  digests: Record<DigestAlgorithm, string>
}

/** An owned copy of a chunk's bytes as a whole ArrayBuffer, which can be transferred. */
function transferable(chunk: Uint8Array): ArrayBuffer {
  const { buffer } = chunk
  if (buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === buffer.byteLength) return buffer
  return buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength) as ArrayBuffer
}

export class ThreadedDigests {
  private readonly worker: Worker
  private readonly result: Promise<DigestResult>

  constructor(algorithms: DigestAlgorithm[]) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { algorithms } })
    this.result = new Promise((resolve, reject) => {
      this.worker.once('message', (message: { bytes: number; digests: string[] }) => {
        const digests = Object.fromEntries(algorithms.map((algorithm, index) => [algorithm, message.digests[index]])) as Record<DigestAlgorithm, string>
        resolve({ bytes: message.bytes, digests })
      })
      this.worker.once('error', reject)
      this.worker.once('exit', (code) => reject(new Error(`the hashing thread stopped (exit ${code})`)))
    })
    // A failure nobody awaits yet is reported by finish(), never as an unhandled rejection.
    this.result.catch(() => undefined)
  }

  /** Hashes the first `length` bytes of a file (before any chunk given later). */
  file(path: string, length: number): void {
    if (length > 0) this.worker.postMessage({ kind: 'file', path, length })
  }

  /** Hashes these chunks next. They are handed over: the caller must not use them again. */
  chunks(chunks: readonly Uint8Array[]): void {
    const buffers = chunks.map(transferable)
    this.worker.postMessage({ kind: 'chunks', buffers }, buffers)
  }

  /** Everything is given: resolves with the digests and the byte count. */
  async finish(): Promise<DigestResult> {
    this.worker.postMessage({ kind: 'end' })
    try {
      return await this.result
    } finally {
      await this.worker.terminate()
    }
  }

  /** Stops (the download failed or was cancelled). */
  async cancel(): Promise<void> {
    await this.worker.terminate()
  }
}
