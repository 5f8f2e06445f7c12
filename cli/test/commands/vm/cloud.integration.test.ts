/**
 * The everyday path, end to end on our machines (TCG, no internet): the cloud test guest
 * (debootstrap Debian with cloud-init, built by hv dev setup) served with its SHA512SUMS by
 * a local HTTP server posing as the Debian mirror; as the operator: hv image pull →
 * hv vm create --ssh-key ... --wait cloud-init (the guest phones home its address and host
 * key) → hv vm ssh NAME -- cat /etc/hostname → hv vm delete, leaving no volume, seed or key.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CloudGuestManifest, loadCloudGuest } from '../../../src/lib/guests/test-guests.js'
import { parseVolumeList } from '../../../src/lib/libvirt/volumes.js'
import { type Mirror, serveMirror } from '../../helpers/mirror.js'
import { OPERATOR, integrationBlocker, runHv } from '../../helpers/project.js'

const execFileAsync = promisify(execFile)
const URI = 'qemu:///system'
const VM = `hv-it-cloud-${process.pid.toString(36)}`
const IMAGE_FILE = 'debian-12-genericcloud-amd64.qcow2'

const blocker = (await integrationBlocker()) ?? (await loadCloudGuest().then(() => undefined, (error: Error) => error.message))
if (blocker) console.warn(`[skip] cloud-init end-to-end test: ${blocker}`)

async function sha512(path: string): Promise<string> {
  const hash = createHash('sha512')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

const volumes = async () => parseVolumeList((await execFileAsync('virsh', ['-c', URI, 'vol-list', 'hypervisor'])).stdout)

describe.skipIf(blocker !== undefined)('hv vm create --wait cloud-init, then hv vm ssh (cloud guest, TCG)', () => {
  let guest: CloudGuestManifest
  let dir: string
  let mirror: Mirror | undefined
  let registry: string
  let baseVolume: string | undefined
  const hv = (args: string[], timeoutMs = 120_000) =>
    runHv([...args.slice(0, 2), '--connect', URI, ...args.slice(2)], { user: OPERATOR, env: { HV_IMAGE_CACHE: join(dir, 'cache') }, timeoutMs })

  beforeAll(async () => {
    guest = await loadCloudGuest()
    dir = await mkdtemp(join(tmpdir(), 'hv-it-cloud-'))
    await chmod(dir, 0o755)
    await execFileAsync('install', ['-d', '-m', '0700', '-o', OPERATOR, join(dir, 'cache'), join(dir, 'keys')])
    const list = `${await sha512(guest.disk)}  ${IMAGE_FILE}\n`
    mirror = await serveMirror({ directory: 'debian-12', imageFile: IMAGE_FILE, imagePath: guest.disk, checksumFile: 'SHA512SUMS', checksums: () => list })
    registry = mirror.registry
  })

  afterAll(async () => {
    await execFileAsync('virsh', ['-c', URI, 'destroy', VM]).catch(() => undefined)
    await execFileAsync('virsh', ['-c', URI, 'undefine', VM]).catch(() => undefined)
    for (const volume of (await volumes()).filter((name) => name.startsWith(VM) || name === baseVolume)) {
      await execFileAsync('virsh', ['-c', URI, 'vol-delete', '--pool', 'hypervisor', volume]).catch(() => undefined)
    }
    mirror?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('pulls, creates with a key, learns address and host key by phone home, runs a command over SSH, deletes cleanly', { timeout: 900_000 }, async () => {
    const pulled = await hv(['image', 'pull', 'debian:12', '--registry', registry, '--json'], 300_000)
    expect(pulled.exitCode, pulled.stderr).toBe(0)
    const pull = JSON.parse(pulled.stdout)
    expect(pull).toMatchObject({ unverified: false, image: { alias: 'debian:12', verifiedWith: 'sha512' }, base: { pool: 'hypervisor', volume: expect.stringMatching(/^hv-base-/) } })
    baseVolume = pull.base.volume
    // On the system daemon the pool is the cache: the staged download is gone, its record stays.
    expect((await readdir(join(dir, 'cache'))).filter((name) => !name.endsWith('.json'))).toEqual([])

    const key = join(dir, 'keys', 'id_ed25519')
    await execFileAsync('runuser', ['-u', OPERATOR, '--', 'ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key])
    const created = await hv(
      ['vm', 'create', VM, '--image', 'debian:12', '--registry', registry, '--kernel', guest.kernel, '--initrd', guest.initrd, '--cmdline', guest.cmdline,
        '--ssh-key', `${key}.pub`, '--user', 'tester', '--memory', '1G', '--vcpus', '2', '--accel', 'tcg', '--wait', 'cloud-init', '--timeout', '600', '--json'],
      700_000,
    )
    expect(created.exitCode, created.stderr).toBe(0)
    const result = JSON.parse(created.stdout)
    expect(result.baseVolume).toEqual({ pool: 'hypervisor', volume: baseVolume })
    expect(result).toMatchObject({ name: VM, started: true, readiness: { user: 'tester', address: expect.stringMatching(/^192\.168\.122\.\d+$/), hostKey: expect.stringMatching(/^ssh-ed25519 /) } })
    expect(result.volumes).toEqual([{ pool: 'hypervisor', volume: `${VM}-root.qcow2` }, { pool: 'hypervisor', volume: `${VM}-seed.iso` }])

    const ip = await hv(['vm', 'ip', VM, '--json'])
    expect(JSON.parse(ip.stdout)).toEqual({ name: VM, address: result.readiness.address, source: 'phone-home' })

    const ssh = await hv(['vm', 'ssh', VM, '-i', key, '--', 'cat', '/etc/hostname'])
    expect(ssh.exitCode, ssh.stderr).toBe(0)
    expect(ssh.stdout.trim()).toBe(VM)
    // The remote command's exit status is hv's.
    expect((await hv(['vm', 'ssh', VM, '-i', key, '--', 'exit', '7'])).exitCode).toBe(7)

    const deleted = await hv(['vm', 'delete', VM, '--force', '--json'])
    expect(deleted.exitCode, deleted.stderr).toBe(0)
    expect(await volumes()).not.toEqual(expect.arrayContaining([`${VM}-root.qcow2`]))
    expect((await volumes()).filter((name) => name.startsWith(VM))).toEqual([])
    // No known_hosts or seed file of hv's is left in the temporary directory.
    expect((await readdir(tmpdir())).filter((name) => name.startsWith('hv-ssh-') || name.startsWith('hv-seed-'))).toEqual([])
  })
})
