/**
 * `hv vm` for real: the unprivileged operator, through polkit, on the system libvirtd,
 * with the tiny guest under TCG. Its init keeps a boot counter in the first bytes of its
 * disk and prints it on the serial console, so what a snapshot, a revert or a clone did
 * to the disk is seen by booting the guest, as a user would.
 */
import { execFile } from 'node:child_process'
import { access, chmod, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { watchOutput } from '../../../src/lib/exec.js'
import { parseVolumeList } from '../../../src/lib/libvirt/volumes.js'
import { loadTinyGuest, type TinyGuestManifest } from '../../../src/lib/guests/test-guests.js'
import { CLI_BIN, OPERATOR, integrationBlocker, runHv, userExists } from '../../helpers/project.js'

const execFileAsync = promisify(execFile)
const URI = 'qemu:///system'
const CONNECT = ['--connect', URI]
const IMAGES_DIR = '/var/lib/hypervisor/images'
const OUTSIDER = 'hv-outsider'
/** Every domain and volume of this file starts with it: found and removed even after a failure. */
const PREFIX = `hv-it-vm-${process.pid.toString(36)}`
const VM = `${PREFIX}-a`
const CLONE = `${PREFIX}-b`
const RACE = `${PREFIX}-race`

const blocker = await integrationBlocker()
if (blocker) console.warn(`[skip] hv vm integration tests: ${blocker}`)

const hv = (args: string[], timeoutMs = 120_000) => runHv([...args, ...CONNECT], { user: OPERATOR, timeoutMs })
const json = async (args: string[], timeoutMs?: number) => {
  const run = await hv([...args, '--json'], timeoutMs)
  return { ...run, result: run.stdout ? JSON.parse(run.stdout) : undefined }
}

/** What the guest printed between starting and its ready marker, through `hv vm start --console`. */
async function bootAndRead(name: string, guest: TinyGuestManifest): Promise<string> {
  const output = await watchOutput(
    'runuser',
    ['-u', OPERATOR, '--', 'script', '-qfec', 'exec "$HV_NODE" "$HV_CLI" vm start "$HV_VM" --console --connect qemu:///system', '/dev/null'],
    {
      env: { HV_NODE: process.execPath, HV_CLI: CLI_BIN, HV_VM: name, NO_COLOR: '1' },
      timeoutMs: 150_000,
      until: (text) => text.includes(guest.readyMarker),
      waitingFor: `${guest.readyMarker} on the console of ${name}`,
    },
  )
  return output.replaceAll('\r', '')
}

async function stop(name: string): Promise<void> {
  const { result, exitCode, stderr } = await json(['vm', 'stop', name, '--timeout', '120'])
  expect(exitCode, stderr).toBe(0)
  expect(result).toMatchObject({ name, state: 'shut off', how: 'shutdown' })
}

const exists = (path: string) => access(path).then(() => true, () => false)

async function leftovers(): Promise<{ domains: string[]; volumes: string[]; files: string[] }> {
  const virsh = (...args: string[]) => execFileAsync('virsh', ['-c', URI, ...args]).then(({ stdout }) => stdout.split('\n').map((line) => line.trim()).filter(Boolean))
  const ours = (names: string[]) => names.filter((name) => name.startsWith(PREFIX))
  return {
    domains: ours(await virsh('list', '--all', '--name')),
    volumes: ours(parseVolumeList((await virsh('vol-list', 'hypervisor')).join('\n'))),
    files: ours(await readdir(IMAGES_DIR).catch(() => [])),
  }
}

async function cleanUp(): Promise<void> {
  const { domains, volumes } = await leftovers()
  for (const domain of domains) {
    await execFileAsync('virsh', ['-c', URI, 'destroy', domain]).catch(() => undefined)
    await execFileAsync('virsh', ['-c', URI, 'undefine', domain, '--snapshots-metadata', '--nvram']).catch(() => undefined)
  }
  for (const volume of volumes) await execFileAsync('virsh', ['-c', URI, 'vol-delete', '--pool', 'hypervisor', volume]).catch(() => undefined)
}

describe.skipIf(blocker !== undefined)('hv vm as the operator on the real libvirtd (TCG)', () => {
  let guest: TinyGuestManifest
  const kernelArgs = () => ['--kernel', guest.kernel, '--initrd', guest.initrd, '--cmdline', guest.cmdline, '--accel', 'tcg', '--memory', '256M']

  beforeAll(async () => {
    guest = await loadTinyGuest()
    await cleanUp()
    if (!(await userExists(OUTSIDER))) await execFileAsync('useradd', ['--create-home', OUTSIDER])
  })
  afterAll(cleanUp)

  it('create → boot (console) → snapshot → change → revert → stop by ACPI → clone → delete, leaving nothing', { timeout: 900_000 }, async () => {
    const created = await json(['vm', 'create', VM, ...kernelArgs(), '--disk-size', '64M'])
    expect(created.exitCode, created.stderr).toBe(0)
    expect(created.result).toMatchObject({ name: VM, accel: 'tcg', firmware: 'bios', started: false, volumes: [{ pool: 'hypervisor', volume: `${VM}-root.qcow2` }] })

    expect(await bootAndRead(VM, guest)).toContain('tiny-guest: boot 1 of this disk')
    const listed = await json(['vm', 'list', '--mine'])
    expect(listed.result.vms).toContainEqual(expect.objectContaining({ name: VM, state: 'running', owner: OPERATOR, vcpus: 1, memoryMiB: 256 }))
    await stop(VM)

    const snapshot = await json(['vm', 'snapshot', 'create', VM, 'first-boot'])
    expect(snapshot.exitCode, snapshot.stderr).toBe(0)
    expect((await json(['vm', 'snapshot', 'list', VM])).result.snapshots).toEqual([expect.objectContaining({ name: 'first-boot', current: true })])

    // The change: another boot bumps the counter on the disk.
    expect(await bootAndRead(VM, guest)).toContain('tiny-guest: boot 2 of this disk')
    await stop(VM)
    const reverted = await json(['vm', 'snapshot', 'revert', VM, 'first-boot'])
    expect(reverted.exitCode, reverted.stderr).toBe(0)
    // Reverted to one boot, this boot is the second again (not the third).
    expect(await bootAndRead(VM, guest)).toContain('tiny-guest: boot 2 of this disk')
    await stop(VM)

    expect((await json(['vm', 'clone', VM, CLONE])).result).toMatchObject({ code: 'HAS_SNAPSHOTS' })
    expect((await json(['vm', 'snapshot', 'delete', VM, 'first-boot'])).exitCode).toBe(0)
    const clone = await json(['vm', 'clone', VM, CLONE])
    expect(clone.exitCode, clone.stderr).toBe(0)
    expect(clone.result).toMatchObject({ source: VM, name: CLONE, mode: 'linked' })
    // The clone carries the source's disk; each then writes only its own overlay.
    expect(await bootAndRead(CLONE, guest)).toContain('tiny-guest: boot 3 of this disk')
    await stop(CLONE)
    expect(await bootAndRead(VM, guest)).toContain('tiny-guest: boot 3 of this disk')

    const refused = await json(['vm', 'delete', VM])
    expect(refused).toMatchObject({ exitCode: 23, result: { code: 'VM_RUNNING' } })
    const deleted = await json(['vm', 'delete', VM, '--force'])
    expect(deleted.exitCode, deleted.stderr).toBe(0)
    expect(deleted.result.keptVolumes).toEqual([{ pool: 'hypervisor', volume: `${VM}-root.qcow2`, why: 'another VM still uses it' }])
    expect((await json(['vm', 'delete', CLONE])).exitCode).toBe(0)
    expect(await leftovers()).toEqual({ domains: [], volumes: [], files: [] })
  })

  it('start is idempotent, stop of a VM that is off is not an error, a missing VM is exit 21', { timeout: 300_000 }, async () => {
    expect((await json(['vm', 'create', VM, ...kernelArgs(), '--no-network'])).exitCode).toBe(0)
    expect((await json(['vm', 'stop', VM])).result).toMatchObject({ how: 'already-off' })
    expect((await json(['vm', 'start', VM])).result).toMatchObject({ started: true })
    expect((await json(['vm', 'start', VM])).result).toMatchObject({ started: false, note: `${VM} is already running` })
    expect((await json(['vm', 'autostart', VM, 'on'])).result).toEqual({ name: VM, autostart: true })
    expect((await json(['vm', 'info', VM])).result).toMatchObject({ name: VM, state: 'running', autostart: true, owner: OPERATOR })
    expect((await json(['vm', 'kill', VM])).result).toEqual({ name: VM, state: 'shut off', killed: true })
    const resized = await json(['vm', 'resize', VM, '--memory', '320M', '--vcpus', '2'])
    expect(resized.result).toMatchObject({ memoryMiB: 320, vcpus: 2, pendingRestart: false })
    expect((await json(['vm', 'delete', VM])).exitCode).toBe(0)
    const missing = await json(['vm', 'info', VM])
    expect(missing).toMatchObject({ exitCode: 21, result: { code: 'VM_NOT_FOUND', suggestions: [expect.stringContaining('hv vm list')] } })
    expect(await leftovers()).toEqual({ domains: [], volumes: [], files: [] })
  })

  it('from an image: a copy-on-write overlay on a shared base; UEFI variables and TPM state go with the VM', { timeout: 300_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hv-it-image-'))
    await chmod(dir, 0o755)
    const image = join(dir, 'disk.qcow2')
    const layered = join(dir, 'layered.qcow2')
    await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '32M'])
    await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', image, '-F', 'qcow2', layered])
    await chmod(image, 0o644)
    await chmod(layered, 0o644)
    let base: string | undefined
    try {
      const withBacking = await json(['vm', 'create', VM, '--image', layered, '--no-cloud-init'])
      expect(withBacking).toMatchObject({ exitCode: 4, result: { code: 'INVALID_IMAGE', message: expect.stringContaining('has a backing file') } })

      const created = await json(['vm', 'create', VM, '--image', image, '--no-cloud-init', '--disk-size', '64M', '--memory', '128M', '--no-network', '--firmware', 'uefi', '--tpm', '--accel', 'tcg'])
      expect(created.exitCode, created.stderr).toBe(0)
      base = created.result.baseVolume.volume
      expect(base).toMatch(/^hv-base-[0-9a-f]{16}\.qcow2$/)
      const overlay = await execFileAsync('virsh', ['-c', URI, 'vol-dumpxml', '--pool', 'hypervisor', `${VM}-root.qcow2`])
      expect(overlay.stdout).toContain(`<path>${IMAGES_DIR}/${base}</path>`)
      expect(overlay.stdout).toMatch(/<capacity unit='bytes'>67108864<\/capacity>/)

      const { result: info } = await json(['vm', 'info', VM])
      expect(info.description).toMatchObject({ firmware: 'uefi', tpm: true })
      expect((await json(['vm', 'start', VM])).exitCode).toBe(0)
      const { uuid } = info
      const nvram = `/var/lib/libvirt/qemu/nvram/${VM}_VARS.fd`
      expect(await exists(nvram)).toBe(true)
      expect(await exists(`/var/lib/libvirt/swtpm/${uuid}`)).toBe(true)

      const deleted = await json(['vm', 'delete', VM, '--force'])
      expect(deleted.result).toMatchObject({ wasRunning: true, removedVolumes: [{ pool: 'hypervisor', volume: `${VM}-root.qcow2` }], keptVolumes: [] })
      expect(await exists(nvram)).toBe(false)
      expect(await exists(`/var/lib/libvirt/swtpm/${uuid}`)).toBe(false)
      // The base is shared by content: it stays for the next VM from the same image.
      expect((await execFileAsync('virsh', ['-c', URI, 'vol-info', '--pool', 'hypervisor', base!])).stdout).toContain(base)
    } finally {
      if (base) await execFileAsync('virsh', ['-c', URI, 'vol-delete', '--pool', 'hypervisor', base]).catch(() => undefined)
      await rm(dir, { recursive: true, force: true })
    }
    expect(await leftovers()).toEqual({ domains: [], volumes: [], files: [] })
  })

  it('waits for events: the DHCP lease (inotify on the lease file), and the shutdown (libvirt event)', { timeout: 300_000 }, async () => {
    const created = await json(['vm', 'create', VM, ...kernelArgs(), '--wait', 'ip', '--timeout', '240'], 280_000)
    expect(created.exitCode, created.stderr).toBe(0)
    expect(created.result.waited).toMatchObject({ for: 'ip', address: expect.stringMatching(/^192\.168\.122\.\d+$/) })
    expect((await json(['vm', 'ip', VM])).result).toEqual({ name: VM, address: created.result.waited.address, source: 'dhcp-lease' })
    const waiting = json(['vm', 'wait', VM, '--for', 'shutdown', '--timeout', '120'])
    expect((await json(['vm', 'stop', VM])).exitCode).toBe(0)
    expect((await waiting).result).toMatchObject({ name: VM, for: 'shutdown' })
    expect((await json(['vm', 'wait', VM, '--for', 'cloud-init'])).result).toMatchObject({ code: 'NOT_REPORTED' })
    expect((await json(['vm', 'delete', VM])).exitCode).toBe(0)
    expect(await leftovers()).toEqual({ domains: [], volumes: [], files: [] })
  })

  it('ten parallel creates of one name: one VM, nine "VM exists" (exit 22), one volume', { timeout: 300_000 }, async () => {
    const runs = await Promise.all(Array.from({ length: 10 }, () => json(['vm', 'create', RACE, ...kernelArgs(), '--disk-size', '16M'])))
    const exitCodes = runs.map((run) => run.exitCode).sort((a, b) => a - b)
    expect(exitCodes).toEqual([0, 22, 22, 22, 22, 22, 22, 22, 22, 22])
    for (const run of runs.filter((run) => run.exitCode === 22)) expect(run.result).toMatchObject({ code: 'VM_EXISTS' })
    expect(await leftovers()).toEqual({ domains: [RACE], volumes: [`${RACE}-root.qcow2`], files: [`${RACE}-root.qcow2`] })
    expect((await json(['vm', 'delete', RACE])).exitCode).toBe(0)
    expect(await leftovers()).toEqual({ domains: [], volumes: [], files: [] })
  })

  it('hostile input is refused with a clear error and defines nothing', { timeout: 120_000 }, async () => {
    const cases: [string[], number, RegExp][] = [
      [['vm', 'create', '<evil/>', '--disk-size', '16M'], 4, /invalid VM name/],
      [['vm', 'create', 'a;rm -rf ~', '--disk-size', '16M'], 4, /invalid VM name/],
      [['vm', 'create', '$(reboot)', '--disk-size', '16M'], 4, /invalid VM name/],
      [['vm', 'create', '../../etc/passwd', '--disk-size', '16M'], 4, /invalid VM name/],
      [['vm', 'create', 'wеb', '--disk-size', '16M'], 4, /invalid VM name/], // Cyrillic "е"
      [['vm', 'create', 'x'.repeat(64), '--disk-size', '16M'], 4, /invalid VM name/],
      [['vm', 'create', `${PREFIX}-h`, '--disk-size', '16M', '--memory', '99999999G'], 4, /memory/],
      [['vm', 'create', `${PREFIX}-h`, '--disk-size', '-1'], 4, /--disk-size "-1" is not a size/],
      [['vm', 'create', `${PREFIX}-h`, '--disk-size', '100T'], 4, /at most 64 TiB/],
      [['vm', 'create', `${PREFIX}-h`, '--image', '../../../../etc/shadow', '--no-cloud-init'], 4, /cannot be read|not a disk image/],
      [['vm', 'create', `${PREFIX}-h`, '--disk-size', '16M', '--network', 'net"><evil'], 4, /network/],
      [['vm', 'info', 'a\nb'], 4, /invalid VM name/],
      [['vm', 'create', `${PREFIX}-h`, '--disk-size', '16M', '--ssh-key', '/nonexistent/key.pub'], 4, /key\.pub/],
      [['vm', 'create', `${PREFIX}-h`, '--disk-size', '16M', '--ssh-key', '/etc/hostname'], 4, /not an SSH public key|public key/i],
      [['vm', 'create', `${PREFIX}-h`, '--disk-size', '16M', '--ssh-key', '/etc/ssh/ssh_host_ed25519_key'], 4, /cannot read the SSH key .*permission denied/],
    ]
    for (const [args, exitCode, message] of cases) {
      const run = await json(args)
      expect(run.exitCode, `${args.join(' ')}: ${run.stdout}${run.stderr}`).toBe(exitCode)
      expect(run.result.message).toMatch(message)
    }
    expect(await leftovers()).toEqual({ domains: [], volumes: [], files: [] })
  })

  it('refuses an account outside hypervisor-operators and says how to get access', async () => {
    const run = await runHv(['vm', 'list', '--json', ...CONNECT], { user: OUTSIDER })
    expect(run.exitCode).toBe(3)
    expect(JSON.parse(run.stdout)).toMatchObject({ code: 'LIBVIRT_PERMISSION_DENIED', suggestions: [expect.stringContaining('hypervisor-operators'), expect.any(String)] })
  })
})
