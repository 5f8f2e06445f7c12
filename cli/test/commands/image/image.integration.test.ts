/**
 * `hv image` and `hv vm create --image ALIAS` as the operator, against a local HTTP server
 * posing as the image registry (no internet here): a small qcow2 image and the SHA512SUMS
 * list published beside it, in the layout of a mirror (URL/debian-12/).
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Mirror, serveMirror } from '../../helpers/mirror.js'
import { OPERATOR, integrationBlocker, runHv } from '../../helpers/project.js'

const execFileAsync = promisify(execFile)
const URI = 'qemu:///system'
const VM = `hv-it-img-${process.pid.toString(36)}`
const IMAGE_FILE = 'debian-12-genericcloud-amd64.qcow2'

const blocker = await integrationBlocker()
if (blocker) console.warn(`[skip] hv image integration tests: ${blocker}`)

describe.skipIf(blocker !== undefined)('hv image as the operator, from a local registry', () => {
  let dir: string
  let cache: string
  let mirror: Mirror | undefined
  let registry: string
  let sha256: string
  let requests: string[] = []
  let checksums = ''

  const hv = (args: string[]) => runHv([...args, '--json'], { user: OPERATOR, env: { HV_IMAGE_CACHE: cache }, timeoutMs: 120_000 }).then((run) => ({ ...run, result: run.stdout ? JSON.parse(run.stdout) : undefined }))

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hv-it-registry-'))
    await chmod(dir, 0o755) // the operator reaches its cache inside
    cache = join(dir, 'cache')
    await execFileAsync('install', ['-d', '-m', '0700', '-o', OPERATOR, cache])
    const image = join(dir, IMAGE_FILE)
    await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '48M'])
    const bytes = await readFile(image)
    sha256 = createHash('sha256').update(bytes).digest('hex')
    checksums = `${createHash('sha512').update(bytes).digest('hex')}  ${IMAGE_FILE}\n${'0'.repeat(128)}  debian-12-nocloud-amd64.qcow2\n`
    mirror = await serveMirror({ directory: 'debian-12', imageFile: IMAGE_FILE, imagePath: image, checksumFile: 'SHA512SUMS', checksums: () => checksums })
    registry = mirror.registry
    requests = mirror.requests
  })

  afterAll(async () => {
    await execFileAsync('virsh', ['-c', URI, 'destroy', VM]).catch(() => undefined)
    await execFileAsync('virsh', ['-c', URI, 'undefine', VM]).catch(() => undefined)
    await execFileAsync('virsh', ['-c', URI, 'vol-delete', '--pool', 'hypervisor', `${VM}-root.qcow2`]).catch(() => undefined)
    await execFileAsync('virsh', ['-c', URI, 'vol-delete', '--pool', 'hypervisor', `hv-base-${sha256.slice(0, 16)}.qcow2`]).catch(() => undefined)
    mirror?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('pulls an alias verified against the published list, then reuses the cache', async () => {
    const first = await hv(['image', 'pull', 'debian:12', '--registry', registry])
    expect(first.exitCode, first.stderr).toBe(0)
    expect(first.result).toMatchObject({ reusedExisting: false, unverified: false, image: { alias: 'debian:12', sha256, verifiedWith: 'sha512' } })
    expect((await stat(first.result.path)).mode & 0o777).toBe(0o644)
    expect(await readdir(cache)).toEqual(expect.arrayContaining([first.result.image.file, `${first.result.image.file}.json`]))
    expect((await readdir(cache)).filter((name) => name.endsWith('.partial') || name.endsWith('.lock'))).toEqual([])

    // The host's hv.json can name the mirror instead of --registry (hypervisor.cli.imageRegistry).
    const hostConfig = join(dir, 'hv.json')
    await writeFile(hostConfig, JSON.stringify({ imageRegistry: registry }), { mode: 0o644 })
    const again = await runHv(['image', 'pull', 'debian:12', '--json'], { user: OPERATOR, env: { HV_IMAGE_CACHE: cache, HV_HOST_CONFIG: hostConfig } })
    expect(again.exitCode, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ reusedExisting: true })
    expect(requests.filter((line) => line.endsWith(IMAGE_FILE))).toHaveLength(1)
    const listed = await hv(['image', 'list'])
    expect(listed.result.aliases).toContainEqual(expect.objectContaining({ alias: 'debian:12', cached: true }))
  })

  it('on the system daemon the cache is the pool: one base volume, VMs on overlays, removal refused while used', { timeout: 120_000 }, async () => {
    const base = `hv-base-${sha256.slice(0, 16)}.qcow2`
    const downloads = () => requests.filter((line) => line.endsWith(IMAGE_FILE)).length
    const before = downloads()
    const pulled = await hv(['image', 'pull', 'debian:12', '--registry', registry, '--connect', URI])
    expect(pulled.exitCode, pulled.stderr).toBe(0)
    // The verified per-user file was moved into the pool (no new download), leaving only its record.
    expect(pulled.result).toMatchObject({ base: { pool: 'hypervisor', volume: base, format: 'qcow2', virtualSizeBytes: 48 * 1024 * 1024 }, image: { volume: { volume: base } } })
    expect(downloads()).toBe(before)
    expect((await readdir(cache)).filter((name) => !name.endsWith('.json'))).toEqual([])

    const created = await hv(['vm', 'create', VM, '--image', 'debian:12', '--no-cloud-init', '--registry', registry, '--memory', '128M', '--no-network', '--accel', 'tcg', '--connect', URI])
    expect(created.exitCode, created.stderr).toBe(0)
    expect(created.result.baseVolume.volume).toBe(base)
    expect(downloads()).toBe(before)
    const listed = await hv(['image', 'list', '--connect', URI])
    expect(listed.result.pool.images).toContainEqual(expect.objectContaining({ volume: base, usedBy: [`${VM}-root.qcow2`] }))

    const refused = await hv(['image', 'rm', 'debian:12', '--connect', URI])
    expect(refused).toMatchObject({ exitCode: 4, result: { message: `debian:12 is the base of ${VM}-root.qcow2 in pool hypervisor` } })
    const deleted = await hv(['vm', 'delete', VM, '--connect', URI])
    expect(deleted.result.removedVolumes).toEqual([{ pool: 'hypervisor', volume: `${VM}-root.qcow2` }])
    const removed = await hv(['image', 'rm', 'debian:12', '--connect', URI])
    expect(removed.exitCode, removed.stderr).toBe(0)
    const volumes = (await execFileAsync('virsh', ['-c', URI, 'vol-list', '--pool', 'hypervisor'])).stdout
    expect(volumes).not.toContain(base)
    expect((await hv(['image', 'list'])).result.cached).toEqual([])
  })

  it('refuses what it cannot verify or should not fetch, each with a clear error', async () => {
    const cases: [string[], number, RegExp][] = [
      [['image', 'pull', 'debian:99'], 4, /unknown image alias "debian:99"/],
      [['image', 'pull', 'https://user:secret@example.org/x.img', '--sha256', 'a'.repeat(64)], 4, /must not contain a user name or password/],
      [['image', 'pull', 'ftp://example.org/x.img', '--sha256', 'a'.repeat(64)], 4, /http:\/\/ or https:\/\//],
      [['image', 'pull', 'file:///etc/shadow', '--insecure'], 4, /http:\/\/ or https:\/\//],
      [['image', 'pull', `${registry}debian-12/${IMAGE_FILE}`], 43, /cannot verify/],
      [['image', 'pull', `${registry}debian-12/${IMAGE_FILE}`, '--sha256', 'xyz'], 4, /64 hexadecimal digits/],
      [['image', 'pull', `${registry}debian-12/${IMAGE_FILE}`, '--sha256', 'b'.repeat(64)], 43, /checksum|digest/i],
      [['image', 'pull', `${registry}missing.img`, '--sha256', 'b'.repeat(64)], 31, /404/],
      [['image', 'rm', 'ubuntu:24.04'], 4, /no cached image/],
    ]
    for (const [args, exitCode, message] of cases) {
      const run = await hv(args)
      expect(run.exitCode, `${args.join(' ')}: ${run.stdout}${run.stderr}`).toBe(exitCode)
      expect(run.result.message).toMatch(message)
      if (exitCode === 4 && args[2] === 'debian:99') expect(run.result.suggestions[0]).toContain('ubuntu:24.04')
    }
    expect((await readdir(cache)).filter((name) => name.endsWith('.partial') || name.endsWith('.lock'))).toEqual([])
  })

  it('imports a local image, refusing one with a backing file', async () => {
    const own = join(dir, 'own.qcow2')
    const layered = join(dir, 'layered.qcow2')
    await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', own, '8M'])
    await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', own, '-F', 'qcow2', layered])
    await execFileAsync('chmod', ['0644', own, layered])
    const imported = await hv(['image', 'import', own])
    expect(imported.exitCode, imported.stderr).toBe(0)
    expect(imported.result).toMatchObject({ file: expect.stringMatching(/^sha256-[0-9a-f]{64}\.img$/), url: `file://${own}` })
    expect((await hv(['image', 'list'])).result.cached).toContainEqual(expect.objectContaining({ sha256: imported.result.sha256 }))
    const refused = await hv(['image', 'import', layered])
    expect(refused).toMatchObject({ exitCode: 4, result: { message: `${layered}: has a backing file (${own})` } })
    expect((await readdir(cache)).filter((name) => name.endsWith('.partial'))).toEqual([])
    expect((await hv(['image', 'rm', imported.result.sha256.slice(0, 12)])).exitCode).toBe(0)
  })

  it('removes a cached image from the per-user cache', async () => {
    expect((await hv(['image', 'pull', 'debian:12', '--registry', registry])).exitCode).toBe(0)
    const removed = await hv(['image', 'rm', 'debian:12'])
    expect(removed.exitCode, removed.stderr).toBe(0)
    expect((await hv(['image', 'list'])).result.cached).toEqual([])
    expect(await readdir(cache)).toEqual([])
  })
})
