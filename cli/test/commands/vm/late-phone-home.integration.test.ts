/**
 * `hv vm wait --for cloud-init` for a VM created without --wait: the seed names a
 * phone-home URL kept in the domain's metadata, and the wait listens there. The tiny guest
 * has no cloud-init, so this test sends the report itself, as cloud-init's phone_home
 * module does (a form POST of instance_id, hostname and the ed25519 host key); listener,
 * metadata, polkit and libvirt are the real ones. The whole path with a real cloud-init
 * guest is cloud.integration.test.ts (through hv vm create --wait cloud-init).
 */
import { execFile, spawn } from 'node:child_process'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTinyGuest, type TinyGuestManifest } from '../../../src/lib/guests/test-guests.js'
import { CLI_BIN, OPERATOR, integrationBlocker, runHv } from '../../helpers/project.js'

const execFileAsync = promisify(execFile)
const URI = 'qemu:///system'
const VM = `hv-it-late-${process.pid.toString(36)}`
const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2 root@late'

const blocker = await integrationBlocker()
if (blocker) console.warn(`[skip] late phone-home integration test: ${blocker}`)

describe.skipIf(blocker !== undefined)('hv vm wait --for cloud-init after hv vm create without --wait', () => {
  let dir: string
  let guest: TinyGuestManifest
  const hv = (args: string[]) => runHv([...args, '--connect', URI, '--json'], { user: OPERATOR, timeoutMs: 180_000 })

  beforeAll(async () => {
    guest = await loadTinyGuest()
    dir = await mkdtemp(join(tmpdir(), 'hv-it-late-'))
    await chmod(dir, 0o755)
    await execFileAsync('runuser', ['-u', OPERATOR, '--', 'ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')]).catch(async () => {
      await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')])
      await chmod(join(dir, 'key.pub'), 0o644)
    })
  })

  afterAll(async () => {
    await execFileAsync('virsh', ['-c', URI, 'destroy', VM]).catch(() => undefined)
    await runHv(['vm', 'delete', VM, '--force', '--connect', URI], { user: OPERATOR }).catch(() => undefined)
    await rm(dir, { recursive: true, force: true })
  })

  it('listens at the URL the seed names, and records what the guest reports', { timeout: 300_000 }, async () => {
    const created = await hv(['vm', 'create', VM, '--kernel', guest.kernel, '--initrd', guest.initrd, '--cmdline', guest.cmdline, '--ssh-key', join(dir, 'key.pub'), '--user', 'tester', '--memory', '128M', '--accel', 'tcg', '--start'])
    expect(created.exitCode, created.stderr).toBe(0)
    const { result } = { result: JSON.parse(created.stdout) }
    expect(result.readiness).toBeUndefined()

    const wait = spawn('runuser', ['-u', OPERATOR, '--', process.execPath, CLI_BIN, 'vm', 'wait', VM, '--for', 'cloud-init', '--timeout', '120', '--connect', URI, '--json'], { env: { ...process.env, NO_COLOR: '1' } })
    let stdout = ''
    let stderr = ''
    wait.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    const exited = new Promise<number | null>((resolve) => wait.on('close', resolve))
    // The wait says where it listens (an event line on stderr under --json): report there then.
    const url = await new Promise<string>((resolve, reject) => {
      wait.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk
        const event = stderr.split('\n').find((line) => line.includes('"event":"listening"'))
        if (event) resolve(JSON.parse(event).url as string)
      })
      void exited.then((code) => reject(new Error(`hv vm wait exited ${code} before listening: ${stderr}`)))
    })
    expect(url).toMatch(new RegExp(`^http://192\\.168\\.122\\.1:\\d+/phone-home/${VM}-[0-9a-f]{8}$`))
    const instanceId = decodeURIComponent(url.split('/').pop() ?? '')
    const response = await fetch(url, { method: 'POST', body: new URLSearchParams({ instance_id: instanceId, hostname: VM, pub_key_ed25519: HOST_KEY }) })
    expect(response.status).toBe(200)

    expect(await exited, stderr).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ name: VM, for: 'cloud-init', address: '192.168.122.1' })
    const ip = await hv(['vm', 'ip', VM])
    expect(JSON.parse(ip.stdout)).toEqual({ name: VM, address: '192.168.122.1', source: 'phone-home' })
    // Recorded: a second wait returns at once, without listening.
    const again = await hv(['vm', 'wait', VM, '--for', 'cloud-init', '--timeout', '5'])
    expect(again.exitCode, again.stderr).toBe(0)
    expect(again.stderr).not.toContain('listening')
  })
})
