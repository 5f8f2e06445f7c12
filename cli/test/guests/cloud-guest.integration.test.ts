/**
 * The cloud test guest that hv dev setup builds really works: booted by the
 * operator from a copy-on-write overlay with a NoCloud seed, cloud-init creates
 * the user with the given SSH key and passwordless sudo, and SSH logs in.
 */
import { execFile } from 'node:child_process'
import { chmod, chown, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { watchOutput } from '../../src/lib/exec.js'
import { loadCloudGuest } from '../../src/lib/guests/test-guests.js'
import { kernelBootDomainXml } from '../../src/lib/libvirt/domain-xml.js'
import { OPERATOR, integrationBlocker } from '../helpers/project.js'

const execFileAsync = promisify(execFile)
const URI = 'qemu:///system'
const DOMAIN = 'hv-it-cloud'
const READY = 'HV_CLOUD_GUEST_READY'

const blocker = (await integrationBlocker()) ?? (await loadCloudGuest().then(() => undefined, (error: Error) => error.message))
if (blocker) console.warn(`[skip] cloud guest integration test: ${blocker}`)

function asOperator(program: string, args: string[], env: Record<string, string> = {}) {
  return execFileAsync('runuser', ['-u', OPERATOR, '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), program, ...args], {
    timeout: 120_000,
  })
}

describe.skipIf(blocker !== undefined)('the cloud test guest (debootstrap Debian, cloud-init, TCG)', () => {
  afterAll(async () => {
    await asOperator('virsh', ['-c', URI, 'destroy', DOMAIN]).catch(() => undefined)
    await asOperator('virsh', ['-c', URI, 'undefine', DOMAIN]).catch(() => undefined)
  })

  it('boots for the operator, runs cloud-init from a NoCloud seed, and accepts SSH with the injected key', { timeout: 600_000 }, async () => {
    const guest = await loadCloudGuest()
    const dir = await mkdtemp(join(tmpdir(), 'hv-cloud-'))
    const [uid, gid] = await Promise.all(['-u', '-g'].map(async (flag) => Number((await execFileAsync('id', [flag, OPERATOR])).stdout.trim())))
    await chown(dir, uid ?? 0, gid ?? 0)
    await chmod(dir, 0o755)

    await asOperator('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')])
    const publicKey = (await execFileAsync('cat', [join(dir, 'key.pub')])).stdout.trim()
    await writeFile(
      join(dir, 'user-data'),
      `#cloud-config\nusers:\n  - name: tester\n    sudo: "ALL=(ALL) NOPASSWD:ALL"\n    ssh_authorized_keys: ["${publicKey}"]\nfinal_message: "${READY}"\n`,
    )
    await writeFile(join(dir, 'meta-data'), `instance-id: ${DOMAIN}\nlocal-hostname: ${DOMAIN}\n`)
    await asOperator('cloud-localds', [join(dir, 'seed.iso'), join(dir, 'user-data'), join(dir, 'meta-data')])
    await asOperator('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', guest.disk, join(dir, 'overlay.qcow2')])

    const xml = kernelBootDomainXml({
      name: DOMAIN,
      memoryMiB: 1024,
      vcpus: 2,
      accel: 'tcg',
      kernel: guest.kernel,
      initrd: guest.initrd,
      cmdline: guest.cmdline,
      network: 'default',
      disks: [
        { path: join(dir, 'overlay.qcow2'), format: 'qcow2' },
        { path: join(dir, 'seed.iso'), format: 'raw', device: 'cdrom' },
      ],
      metadata: { owner: OPERATOR, createdAt: new Date().toISOString(), image: `hv-test-guest:cloud:${guest.key}` },
    })
    await writeFile(join(dir, 'domain.xml'), xml, { mode: 0o644 })
    await asOperator('virsh', ['-c', URI, 'define', '--validate', join(dir, 'domain.xml')])

    // cloud-init's final_message on the console is the push that says "ready".
    const consoleOutput = await watchOutput(
      'runuser',
      ['-u', OPERATOR, '--', 'script', '-qfec', 'exec virsh -c "$HV_LIBVIRT_URI" start "$HV_DOMAIN" --console', '/dev/null'],
      { env: { HV_LIBVIRT_URI: URI, HV_DOMAIN: DOMAIN }, timeoutMs: 540_000, until: (text) => text.includes(READY), waitingFor: `${READY} on ${DOMAIN}'s console` },
    )
    expect(consoleOutput).toContain(READY)

    const { stdout: addresses } = await asOperator('virsh', ['-c', URI, 'domifaddr', DOMAIN, '--source', 'lease'])
    const ip = /ipv4\s+(\d+\.\d+\.\d+\.\d+)\//.exec(addresses)?.[1]
    expect(ip, addresses).toBeDefined()

    const { stdout } = await asOperator('ssh', [
      '-i', join(dir, 'key'),
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=no',
      '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'ConnectTimeout=20',
      `tester@${ip}`,
      'id -un; sudo -n id -un; cloud-init status',
    ])
    expect(stdout.trim().split('\n')).toEqual(['tester', 'root', 'status: done'])
  })
})
