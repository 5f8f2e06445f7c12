/**
 * The main job, for real: the unprivileged operator boots the tiny guest through
 * the system libvirtd (polkit decides), the guest answers on its serial console
 * and gets a DHCP lease, powers off cleanly on ACPI shutdown, and a user outside
 * the operator group is refused.
 */
import { execFile } from 'node:child_process'
import { chown, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { watchOutput } from '../../../src/lib/exec.js'
import { OPERATOR, integrationBlocker, runHv, userExists } from '../../helpers/project.js'

const execFileAsync = promisify(execFile)
const URI = 'qemu:///system'
const DOMAIN = 'hv-it-tiny'
const OUTSIDER = 'hv-outsider'

const blocker = await integrationBlocker()
if (blocker) console.warn(`[skip] demo integration tests: ${blocker}`)

function asOperator(args: string[]) {
  return execFileAsync('runuser', ['-u', OPERATOR, '--', 'virsh', '-c', URI, ...args])
}

async function operatorIds(): Promise<[number, number]> {
  const [uid, gid] = await Promise.all(['-u', '-g'].map(async (flag) => Number((await execFileAsync('id', [flag, OPERATOR])).stdout.trim())))
  return [uid ?? 0, gid ?? 0]
}

async function removeDomain(): Promise<void> {
  await asOperator(['destroy', DOMAIN]).catch(() => undefined)
  await asOperator(['undefine', DOMAIN]).catch(() => undefined)
}

describe.skipIf(blocker !== undefined)('hv dev demo as the operator, on the real libvirtd (TCG)', () => {
  beforeAll(async () => {
    await removeDomain()
    if (!(await userExists(OUTSIDER))) await execFileAsync('useradd', ['--create-home', OUTSIDER])
  })
  afterAll(removeDomain)

  it('boots the tiny guest without sudo, sees its marker and DHCP address, and lists it', { timeout: 300_000 }, async () => {
    const { stdout, stderr, exitCode } = await runHv(['dev', 'demo', '--name', DOMAIN, '--timeout', '240', '--json'], {
      user: OPERATOR,
      timeoutMs: 280_000,
    })
    expect(exitCode, stderr).toBe(0)
    const result = JSON.parse(stdout)
    expect(result).toMatchObject({ uri: URI, domain: DOMAIN, accel: 'tcg', readyMarker: 'HV_TINY_GUEST_READY' })
    expect(result.bootSeconds).toBeGreaterThan(0)
    expect(result.console).toContain('HV_TINY_GUEST_READY')
    expect(result.console.join('\n')).toMatch(/tiny-guest: eth0 address 192\.168\.\d+\.\d+\/\d+/)
    expect(result.domains).toContainEqual({ name: DOMAIN, state: 'running' })
    // The operator sees it with plain virsh too, and hv wrote its metadata.
    const { stdout: xml } = await asOperator(['dumpxml', DOMAIN])
    expect(xml).toContain(`<hv:owner>${OPERATOR}</hv:owner>`)
  })

  it('says which URI it talks to under --verbose', { timeout: 300_000 }, async () => {
    const { stderr, exitCode } = await runHv(['dev', 'demo', '--name', DOMAIN, '--verbose', '--no-network'], { user: OPERATOR, timeoutMs: 280_000 })
    expect(exitCode, stderr).toBe(0)
    expect(stderr).toContain('libvirt: using qemu:///system: the demo boots on the system daemon')
    expect(stderr).toContain(`replacing the previous demo domain ${DOMAIN} (running)`)
  })

  it('asks a beginner before replacing the domain, and refuses to ask without a terminal', async () => {
    const settings = await mkdtemp(join(tmpdir(), 'hv-beginner-'))
    await chown(settings, ...(await operatorIds()))
    const beginner = { XDG_CONFIG_HOME: settings }
    expect((await runHv(['settings', 'set', '--experience', 'beginner'], { user: OPERATOR, env: beginner })).exitCode).toBe(0)
    const { stderr, exitCode } = await runHv(['dev', 'demo', '--name', DOMAIN], { user: OPERATOR, env: beginner })
    expect(exitCode).toBe(4)
    expect(stderr).toContain('The guest is a Debian kernel and a busybox initramfs') // beginners get the explanation
    expect(stderr).toContain(
      `Error (CONFIRMATION_REQUIRED): "Destroy and replace the existing domain ${DOMAIN} (running)?" needs a confirmation, but there is no terminal to ask on\nTry this:\n  - re-run with --yes to confirm`,
    )
    // Nothing was lost: the domain still runs.
    expect((await asOperator(['domstate', DOMAIN])).stdout.trim()).toBe('running')
  })

  it('gives an expert terse output: the result, no progress notes', { timeout: 300_000 }, async () => {
    const settings = await mkdtemp(join(tmpdir(), 'hv-expert-'))
    await chown(settings, ...(await operatorIds()))
    const expert = { XDG_CONFIG_HOME: settings }
    expect((await runHv(['settings', 'set', '--experience', 'expert'], { user: OPERATOR, env: expert })).exitCode).toBe(0)
    const { stdout, stderr, exitCode } = await runHv(['dev', 'demo', '--name', DOMAIN, '--no-network'], { user: OPERATOR, env: expert, timeoutMs: 280_000 })
    expect(exitCode, stderr).toBe(0)
    expect(stderr).toBe('')
    expect(stdout).toMatch(new RegExp(`^\\[ok\\] ${DOMAIN} booted in [\\d.]+ s \\(HV_TINY_GUEST_READY seen\\)`))
  })

  it('powers off cleanly on an ACPI shutdown, seen as a libvirt lifecycle event', { timeout: 120_000 }, async () => {
    // Listen first, then ask: libvirt pushes the Stopped event, nothing polls.
    const stopped = watchOutput('virsh', ['-c', URI, 'event', '--domain', DOMAIN, '--event', 'lifecycle', '--loop'], {
      timeoutMs: 90_000,
      until: (output) => /Stopped Shutdown/.test(output),
      waitingFor: `the Stopped event of ${DOMAIN}`,
    })
    await asOperator(['shutdown', DOMAIN])
    expect(await stopped).toMatch(new RegExp(`event 'lifecycle' for domain '?${DOMAIN}'?: Stopped Shutdown`))
    expect((await asOperator(['domstate', DOMAIN])).stdout.trim()).toBe('shut off')
  })

  it('refuses a user outside the operator group, and says how to get access', async () => {
    const { stdout, exitCode } = await runHv(['dev', 'demo', '--name', DOMAIN, '--json'], { user: OUTSIDER })
    expect(exitCode).toBe(3)
    const envelope = JSON.parse(stdout)
    expect(envelope).toMatchObject({ status: 3, code: 'LIBVIRT_PERMISSION_DENIED' })
    // `hv dev setup` installs Hyper-NixOS's polkit rules, which answer outsiders with a
    // refusal (not polkit's default "no agent to ask for a password").
    expect(envelope.message).toMatch(/authentication failed: access denied by policy/)
    expect(envelope.suggestions[0]).toMatch(/hypervisor-operators/)
  })
})
