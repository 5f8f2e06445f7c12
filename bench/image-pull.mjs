#!/usr/bin/env node
// 1. `hv image pull URL --sha256 HEX --json` of a file of deterministic random bytes served
//    by a node:http server on 127.0.0.1 (in this process, streamed with content-length),
//    against `curl -sS -o FILE URL` alone and against `curl ... && sha256sum FILE`. Every hv
//    run gets a fresh, empty HV_IMAGE_CACHE (hv would otherwise reuse the verified file).
//    Medians of repeated runs (one round of warm-up first), as MiB/s and ratios.
//    Targets: hv >= 0.95x curl's throughput, and faster than curl + sha256sum.
// 2. Readiness latency: from the guest's phone-home POST being sent to the real listener
//    (cli/dist/lib/cloud-init/phone-home.js) resolving wait(); a new listener each time.
//    Target: median <= 50 ms.
// Usage: node bench/image-pull.mjs [size] [runs] [latency-runs]
//   size: MiB, or with a suffix (512M, 1G); default 1G, made smaller (with a note) when the
//   temporary directory has less than 4x that free. runs default 5, latency-runs 200.
// Temporary files live in os.tmpdir() and are removed, also when interrupted.
// Writes bench/results/image-pull.json. Exits 0 whether or not the targets are met.
import { spawn, spawnSync } from 'node:child_process'
import { createCipheriv, createHash } from 'node:crypto'
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { createServer, request as httpRequest } from 'node:http'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CannotRun, cleanup, cleanups, fail, interruption } from './lib/cleanup.mjs'

const MiB = 1 << 20
const positional = process.argv.slice(2)
const sizeArg = positional[0] ?? '1G'
const runs = Number(positional[1] ?? 5)
const latencyRuns = Number(positional[2] ?? 200)
const warmups = 1
const latencyWarmups = 10
const latencyPorts = [42460, 42479]
const hv = fileURLToPath(new URL('../cli/bin/run.js', import.meta.url))
const phoneHomeModule = new URL('../cli/dist/lib/cloud-init/phone-home.js', import.meta.url).href
const resultFile = fileURLToPath(new URL('./results/image-pull.json', import.meta.url))
const env = { ...process.env, NO_COLOR: '1', LC_ALL: 'C' }

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// ---- cleanup: idempotent, also on signals and errors ----
function checkInterrupted() {
  if (interruption.signal) fail(`interrupted by ${interruption.signal}`)
}

function parseSize(text) {
  const match = /^(\d+(?:\.\d+)?)([KMG]?)i?B?$/i.exec(text)
  if (!match) return undefined
  const scale = { '': MiB, K: 1024, M: MiB, G: 1024 * MiB }[match[2].toUpperCase()]
  const bytes = Math.floor(Number(match[1]) * scale)
  return bytes >= MiB ? bytes : undefined
}
const formatSize = (bytes) => (bytes >= 1024 * MiB && bytes % (1024 * MiB) === 0 ? `${bytes / (1024 * MiB)} GiB` : `${(bytes / MiB).toFixed(bytes % MiB ? 1 : 0)} MiB`)

/** The file (served) and one download at a time: 4x the size leaves room for the rest. */
function chooseSize(requested, dir) {
  const stats = statfsSync(dir)
  const free = Number(stats.bavail) * Number(stats.bsize)
  if (free >= 4 * requested) return { size: requested, free }
  let size = 1024 * MiB
  while (size > 16 * MiB && 4 * size > free) size /= 2
  if (4 * size > free) fail(`only ${formatSize(free)} free in ${dir}; need at least 64 MiB`)
  size = Math.min(size, requested)
  console.log(`note: only ${formatSize(free)} free in the temporary directory (${dir}); using ${formatSize(size)} instead of ${formatSize(requested)}`)
  return { size, free }
}

// ---- the file: AES-128-CTR keystream under a fixed key, i.e. the same bytes every time ----
async function writeRandomFile(path, size) {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 0x68), Buffer.alloc(16, 0x76))
  const zeros = Buffer.alloc(4 * MiB)
  const hash = createHash('sha256')
  const file = await open(path, 'w', 0o600)
  try {
    for (let written = 0; written < size; ) {
      const chunk = cipher.update(zeros.subarray(0, Math.min(zeros.length, size - written)))
      hash.update(chunk)
      await file.write(chunk)
      written += chunk.length
      checkInterrupted()
    }
  } finally {
    await file.close()
  }
  return hash.digest('hex')
}

function serve(path, size) {
  const server = createServer((request, response) => {
    if (request.url !== '/image.raw' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.statusCode = 404
      return void response.end()
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) })
    if (request.method === 'HEAD') return void response.end()
    const stream = createReadStream(path, { highWaterMark: MiB })
    stream.on('error', () => response.destroy())
    response.on('close', () => stream.destroy())
    stream.pipe(response)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(server))
  })
}

// ---- measuring: children run asynchronously, the server lives in this event loop ----
class RunFailed extends Error {}
let current
/** Registered after the work directory and the server, so that it runs before them. */
async function stopCurrentChild() {
  const child = current
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await Promise.race([exited, sleep(5000)])
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL')
    await Promise.race([exited, sleep(2000)])
  }
}

/** Runs one command to completion; returns its wall time (ms) and stdout. */
function timeOnce(command, args, extraEnv = {}) {
  checkInterrupted()
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, ...extraEnv } })
    current = child
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (data) => (stdout += data))
    child.stderr.setEncoding('utf8').on('data', (data) => (stderr = (stderr + data).slice(-4096)))
    child.once('error', (error) => reject(new RunFailed(`${command}: ${error.message}`)))
    child.once('close', (status, signal) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      current = undefined
      if (interruption.signal) return reject(new CannotRun(`interrupted by ${interruption.signal}`))
      if (status !== 0) {
        const tail = stderr.trim().split('\n').slice(-2).join(' / ')
        const name = command === process.execPath ? 'node' : command
        return reject(new RunFailed(`${name} ${args.slice(0, 4).join(' ')} ... exited ${status ?? signal}: ${tail}`))
      }
      resolve({ ms, stdout })
    })
  })
}

async function waitForHv() {
  for (let attempt = 0; attempt <= 10; attempt += 1) {
    if (spawnSync(process.execPath, [hv, 'image', 'pull', '--help'], { stdio: 'ignore', env }).status === 0) return
    await sleep(3000)
    checkInterrupted()
  }
  fail('node cli/bin/run.js image pull --help keeps failing (cli/dist missing or being rebuilt?)')
}

async function importPhoneHome() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return (await import(`${phoneHomeModule}?attempt=${attempt}`)).openPhoneHomeListener
    } catch (error) {
      if (attempt >= 10) fail(`cannot load cli/dist (run npm run build in cli?): ${error.message}`)
      await sleep(3000)
      checkInterrupted()
    }
  }
}

const summarize = (times) => {
  const sorted = [...times].sort((a, b) => a - b)
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
  return { median: sorted[Math.floor(sorted.length / 2)], p95: at(0.95), min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length }
}

// ---- part 1: pulls ----
async function measurePulls(work, url, sha256, size) {
  const out = join(work, 'curl.out')
  const kinds = {
    curl: async () => {
      const { ms } = await timeOnce('curl', ['-sS', '-o', out, url])
      rmSync(out, { force: true })
      return ms
    },
    curlSha256sum: async () => {
      const { ms, stdout } = await timeOnce('bash', ['-c', 'curl -sS -o "$1" "$2" && sha256sum "$1"', 'bash', out, url])
      rmSync(out, { force: true })
      if (!stdout.startsWith(sha256)) throw new RunFailed(`sha256sum printed ${stdout.trim()}, expected ${sha256}`)
      return ms
    },
    hv: async () => {
      for (let attempt = 1; ; attempt += 1) {
        const cache = mkdtempSync(join(work, 'cache-'))
        try {
          // qemu:///session: the per-user cache, i.e. the download alone, as curl does it (on the
          // system daemon a pull also uploads the image into the pool, which curl never does).
          const { ms, stdout } = await timeOnce(process.execPath, [hv, 'image', 'pull', url, '--sha256', sha256, '--json', '--connect', 'qemu:///session'], { HV_IMAGE_CACHE: cache })
          checkPull(stdout, sha256, size)
          return ms
        } catch (error) {
          if (!(error instanceof RunFailed) || attempt >= 3) throw error
          console.error(`${error.message}; retrying that run`)
          await waitForHv()
        } finally {
          rmSync(cache, { recursive: true, force: true })
        }
      }
    },
  }
  const times = { curl: [], curlSha256sum: [], hv: [] }
  for (let round = 0; round < warmups + runs; round += 1) {
    // Interleaved, so that drift (page cache, other load) touches all three alike.
    for (const [name, once] of Object.entries(kinds)) {
      try {
        const ms = await once()
        if (round >= warmups) times[name].push(ms)
      } catch (error) {
        fail(error.message)
      }
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, list]) => [name, summarize(list)]))
}

function checkPull(stdout, sha256, size) {
  let parsed
  try {
    parsed = JSON.parse(stdout)
  } catch (error) {
    throw new RunFailed(`hv image pull --json printed no JSON: ${error.message}`)
  }
  const result = parsed.result ?? parsed
  if (result.reusedExisting) throw new RunFailed('hv image pull reused a cached image: the cache was not empty')
  if (result.image?.sha256 !== sha256 || result.image?.bytes !== size) {
    throw new RunFailed(`hv image pull reported sha256 ${result.image?.sha256} and ${result.image?.bytes} bytes, expected ${sha256} and ${size}`)
  }
}

// ---- part 2: readiness latency ----
const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2 root@hv-bench'

function postPhoneHome(url, instanceId) {
  const body = new URLSearchParams({ instance_id: instanceId, hostname: 'hv-bench', pub_key_ed25519: HOST_KEY }).toString()
  return new Promise((resolve, reject) => {
    // agent: false, so the connection closes after the answer and listener.close() completes.
    const request = httpRequest(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume()
      response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`phone-home POST answered ${response.statusCode}`))))
    })
    request.on('error', reject)
    request.end(body)
  })
}

async function measureReadiness(openPhoneHomeListener) {
  const times = []
  for (let i = 0; i < latencyWarmups + latencyRuns; i += 1) {
    checkInterrupted()
    const instanceId = `hv-bench-${process.pid}-${i}`
    const listener = await openPhoneHomeListener({ host: '127.0.0.1', ports: latencyPorts, instanceId })
    try {
      const ready = listener.wait(5000)
      const started = process.hrtime.bigint()
      const posted = postPhoneHome(listener.url, instanceId)
      const report = await ready
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      await posted
      if (report.hostKey !== HOST_KEY || report.instanceId !== instanceId) fail('the listener reported another host key or instance id')
      if (i >= latencyWarmups) times.push(ms)
    } catch (error) {
      fail(`readiness run ${i + 1}: ${error.message}`)
    } finally {
      listener.close()
    }
  }
  return summarize(times)
}

async function main() {
  const requested = parseSize(sizeArg)
  if (requested === undefined || !(runs >= 1) || !(latencyRuns >= 1)) fail('usage: node bench/image-pull.mjs [size, e.g. 1G or 256M] [runs] [latency-runs]')
  for (const tool of ['curl', 'sha256sum']) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) fail(`${tool} not found`)
  }
  await waitForHv()
  const { size, free } = chooseSize(requested, tmpdir())
  const work = mkdtempSync(join(tmpdir(), 'hv-bench-image-pull-'))
  cleanups.push(() => rmSync(work, { recursive: true, force: true }))

  const source = join(work, 'image.raw')
  const generated = process.hrtime.bigint()
  const sha256 = await writeRandomFile(source, size)
  console.log(`generated ${formatSize(size)} of deterministic random bytes in ${(Number(process.hrtime.bigint() - generated) / 1e9).toFixed(1)} s (sha256 ${sha256.slice(0, 16)}...)`)
  const server = await serve(source, size)
  cleanups.push(() => new Promise((resolve) => {
    server.closeAllConnections?.()
    server.close(() => resolve())
  }))
  cleanups.push(stopCurrentChild)
  const url = `http://127.0.0.1:${server.address().port}/image.raw`

  console.log(`pulling ${formatSize(size)} from a local node:http server, median of ${runs} runs (+${warmups} warm-up), interleaved`)
  const ms = await measurePulls(work, url, sha256, size)
  const mibps = (m) => size / MiB / (m.median / 1000)
  const throughput = { curl: mibps(ms.curl), curlSha256sum: mibps(ms.curlSha256sum), hv: mibps(ms.hv) }

  console.log(`readiness: phone-home POST to wait() resolving, ${latencyRuns} runs (+${latencyWarmups} warm-up), a new listener each`)
  const openPhoneHomeListener = await importPhoneHome()
  const readiness = await measureReadiness(openPhoneHomeListener)

  const result = {
    benchmark: 'image-pull',
    date: new Date().toISOString(),
    node: process.version,
    curl: spawnSync('curl', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0],
    cpus: cpus().length,
    bytes: size,
    requestedBytes: requested,
    tmpFreeBytes: free,
    sha256,
    ms,
    mibPerSecond: throughput,
    ratios: {
      hvThroughputOverCurl: throughput.hv / throughput.curl,
      hvThroughputOverCurlSha256sum: throughput.hv / throughput.curlSha256sum,
      hvTimeOverCurlSha256sum: ms.hv.median / ms.curlSha256sum.median,
    },
    readinessMs: readiness,
    targets: {
      hvAtLeast095xCurl: throughput.hv / throughput.curl >= 0.95,
      hvFasterThanCurlSha256sum: ms.hv.median < ms.curlSha256sum.median,
      readinessMedianAtMost50ms: readiness.median <= 50,
    },
  }
  const row = (name, m, note = '') => console.log(`${name.padEnd(34)} ${m.median.toFixed(0).padStart(7)} ms ${mibps(m).toFixed(0).padStart(6)} MiB/s  ${note}`)
  row('curl -o FILE', ms.curl)
  row('curl -o FILE && sha256sum FILE', ms.curlSha256sum)
  row('hv image pull --sha256 --json', ms.hv, `${result.ratios.hvThroughputOverCurl.toFixed(2)}x curl's throughput, ${result.ratios.hvThroughputOverCurlSha256sum.toFixed(2)}x curl + sha256sum's`)
  console.log(`${'readiness (phone-home -> wait())'.padEnd(34)} ${readiness.median.toFixed(2).padStart(7)} ms median, ${readiness.p95.toFixed(2)} ms p95`)
  const met = (ok) => (ok ? 'met' : 'NOT met')
  console.log(`target hv >= 0.95x curl's throughput: ${met(result.targets.hvAtLeast095xCurl)} (${result.ratios.hvThroughputOverCurl.toFixed(3)}x)`)
  console.log(`target hv faster than curl + sha256sum: ${met(result.targets.hvFasterThanCurlSha256sum)} (${result.ratios.hvTimeOverCurlSha256sum.toFixed(3)}x its time)`)
  console.log(`target readiness median <= 50 ms: ${met(result.targets.readinessMedianAtMost50ms)} (${readiness.median.toFixed(2)} ms)`)

  mkdirSync(join(resultFile, '..'), { recursive: true })
  writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`)
  console.log(`\nbench/results/image-pull.json:\n${JSON.stringify(result, null, 2)}`)
}

let code = 0
try {
  await main()
} catch (error) {
  console.error(error instanceof CannotRun ? `image-pull bench could not run: ${error.message}` : error)
  code = interruption.signal === 'SIGINT' ? 130 : interruption.signal === 'SIGTERM' ? 143 : 1
}
await cleanup()
process.exit(code)
