import { execFile } from 'node:child_process'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { makeHost, securityReport } from '../../helpers/host.js'
import { isRoot, OPERATOR, runHv, userExists } from '../../helpers/project.js'

const execFileAsync = promisify(execFile)

/** security.json with checks built from this machine's real values, so they pass here. */
async function passingGuarantees(root: string): Promise<unknown[]> {
  const kptr = (await readFile('/proc/sys/kernel/kptr_restrict', 'utf8')).trim()
  const rootMembers = ((await execFileAsync('getent', ['group', 'root'])).stdout.trim().split(':')[3] ?? '').split(',').filter(Boolean)
  return [
    { id: 'phase-marker', description: 'The phase marker matches the configuration.', check: { kind: 'file-exists', path: join(root, '.phase-setup') } },
    { id: 'no-other-phase-marker', description: 'No marker of the other phase is left behind.', check: { kind: 'file-absent', path: join(root, '.phase-hardened') } },
    { id: 'sysctl:kernel.kptr_restrict', description: `Kernel setting kernel.kptr_restrict is ${kptr}.`, check: { kind: 'sysctl', key: 'kernel.kptr_restrict', value: kptr } },
    { id: 'root-group', description: 'The root group has its members.', check: { kind: 'group-members', group: 'root', members: rootMembers } },
  ]
}

describe('hv security audit', () => {
  it('prints pass per guarantee and exits 0 when all hold', async () => {
    const host = await makeHost()
    await writeFile(join(host.root, 'security.json'), JSON.stringify(securityReport({ guarantees: await passingGuarantees(host.root) })))
    const { stdout, exitCode } = await runHv(['security', 'audit'], { env: host.env })
    expect(exitCode).toBe(0)
    const kptr = (await readFile('/proc/sys/kernel/kptr_restrict', 'utf8')).trim()
    expect(stdout).toBe(
      [
        `Guarantees of the setup phase (${join(host.root, 'security.json')}):`,
        'pass  phase-marker                 The phase marker matches the configuration.',
        'pass  no-other-phase-marker        No marker of the other phase is left behind.',
        `pass  sysctl:kernel.kptr_restrict  Kernel setting kernel.kptr_restrict is ${kptr}.`,
        'pass  root-group                   The root group has its members.',
        '',
        '4 checks: 4 passed, 0 failed, 0 unknown',
        '',
      ].join('\n'),
    )
  })

  it('shows what was found for a failing check and exits 43; --json puts every result in data', async () => {
    const host = await makeHost()
    const kptr = (await readFile('/proc/sys/kernel/kptr_restrict', 'utf8')).trim()
    const wrong = kptr === '2' ? '1' : '2'
    const guarantees = [
      ...(await passingGuarantees(host.root)),
      { id: 'sysctl:kptr-wrong', description: 'Deliberately wrong.', check: { kind: 'sysctl', key: 'kernel.kptr_restrict', value: wrong } },
      { id: 'auditd', description: 'auditd is running.', check: { kind: 'process', name: 'hv-no-such-auditd' } },
    ]
    await writeFile(join(host.root, 'security.json'), JSON.stringify(securityReport({ guarantees })))
    const human = await runHv(['security', 'audit'], { env: host.env })
    expect(human.exitCode).toBe(43)
    expect(human.stdout).toContain(
      [
        `fail  sysctl:kptr-wrong            Deliberately wrong.`,
        `    expected: kernel.kptr_restrict = ${wrong}; found: kernel.kptr_restrict = ${kptr}`,
        'fail  auditd                       auditd is running.',
        '    expected: a process named hv-no-such-auditd is running; found: no process named hv-no-such-auditd is running',
        '',
        '6 checks: 4 passed, 2 failed, 0 unknown',
      ].join('\n'),
    )
    expect(human.stderr).toMatch(/^Error \(SECURITY_CHECK_FAILED\): 2 of 6 guarantees of the setup phase do not hold: sysctl:kptr-wrong, auditd\n/)

    const json = await runHv(['security', 'audit', '--json'], { env: host.env })
    expect(json.exitCode).toBe(43)
    const envelope = JSON.parse(json.stdout)
    expect(envelope).toMatchObject({ status: 43, code: 'SECURITY_CHECK_FAILED', data: { phase: 'setup', summary: { pass: 4, fail: 2, unknown: 0 } } })
    expect(envelope.data.results[4]).toEqual({
      id: 'sysctl:kptr-wrong',
      description: 'Deliberately wrong.',
      check: { kind: 'sysctl', key: 'kernel.kptr_restrict', value: wrong },
      status: 'fail',
      found: `kernel.kptr_restrict = ${kptr}`,
    })
  })

  it('refuses an invalid security.json, naming the field', async () => {
    const host = await makeHost({ security: securityReport({ guarantees: [{ id: 'x', description: 'x', check: { kind: 'port-closed', port: 22 } }] }) })
    const { stderr, exitCode } = await runHv(['security', 'audit'], { env: host.env })
    expect(exitCode).toBe(4)
    expect(stderr).toContain(`Error (CONFIG_INVALID): ${join(host.root, 'security.json')} is invalid:\n  guarantees.0.check.kind: `)
  })

  it('says there is nothing to check without security.json (exit 2)', async () => {
    const host = await makeHost()
    const { stderr, exitCode } = await runHv(['security', 'audit'], { env: host.env })
    expect(exitCode).toBe(2)
    expect(stderr).toMatch(/^Error \(SECURITY_REPORT_MISSING\): .*security\.json is missing: there are no guarantees to check\n/)
  })
})

const canSwitchUser = isRoot() && (await userExists(OPERATOR))
if (!canSwitchUser) console.warn(`[skip] hv security audit as a non-root user: needs root and the ${OPERATOR} account (hv dev setup creates it)`)

describe('hv security audit as a non-root user', () => {
  it.skipIf(!canSwitchUser)('marks a check it cannot read as unknown, says why, and exits 0 when nothing failed', async () => {
    const host = await makeHost()
    const secret = join(host.root, 'root-only.conf')
    await writeFile(secret, 'user = "qemu-libvirtd"\n')
    await chmod(secret, 0o600)
    await writeFile(
      join(host.root, 'security.json'),
      JSON.stringify(securityReport({ guarantees: [{ id: 'qemu-not-root', description: 'QEMU is not root.', check: { kind: 'file-contains', path: secret, text: 'user = "qemu-libvirtd"' } }] })),
    )
    const { stdout, exitCode } = await runHv(['security', 'audit'], { env: host.env, user: OPERATOR })
    expect(exitCode).toBe(0)
    expect(stdout).toContain(
      [
        'unknown  qemu-not-root  QEMU is not root.',
        `    unknown: cannot read ${secret}: permission denied (run as root: sudo hv security audit)`,
        '',
        '1 check: 0 passed, 0 failed, 1 unknown',
        'Some checks need root: sudo hv security audit',
      ].join('\n'),
    )
  })
})
