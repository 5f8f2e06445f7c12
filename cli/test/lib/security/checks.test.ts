import { createHash } from 'node:crypto'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { auditGuarantees, HostProbe, runCheck, sysctlPath } from '../../../src/lib/security/checks.js'
import { type Check, SecurityReport } from '../../../src/lib/security/schema.js'
import { securityReport } from '../../helpers/host.js'

const execFileAsync = promisify(execFile)

/** Checks against this machine's real /proc, files, groups and processes; no substitutes. */
describe('security checks on the live host', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hv-checks-'))
  const file = join(dir, 'qemu.conf')
  await writeFile(file, 'user = "qemu-libvirtd"\ngroup = "qemu-libvirtd"\n')
  const sha256 = createHash('sha256').update(await readFile(file)).digest('hex')
  const kptr = (await readFile('/proc/sys/kernel/kptr_restrict', 'utf8')).trim()
  const rootGroup = (await execFileAsync('getent', ['group', 'root'])).stdout.trim()
  const rootMembers = (rootGroup.split(':')[3] ?? '').split(',').filter(Boolean)
  const ownComm = (await readFile('/proc/self/comm', 'utf8')).trim()
  const libvirtdConf = join(dir, 'libvirtd.conf')
  await writeFile(libvirtdConf, 'access_drivers = [ "polkit" ]\nauth_unix_rw = "polkit"\n')
  const probe = new HostProbe({ libvirtdConfigPath: libvirtdConf, sshdConfigPath: join(dir, 'sshd_config'), useSshdDump: false })
  await writeFile(join(dir, 'sshd_config'), 'PasswordAuthentication no\n')

  const cases: [string, Check, { status: string; found?: string; why?: string }][] = [
    ['file-exists', { kind: 'file-exists', path: file }, { status: 'pass', found: `${file} exists` }],
    ['file-exists, missing', { kind: 'file-exists', path: join(dir, 'nope') }, { status: 'fail', found: `${join(dir, 'nope')} does not exist` }],
    ['file-absent', { kind: 'file-absent', path: join(dir, 'nope') }, { status: 'pass' }],
    ['file-absent, present', { kind: 'file-absent', path: file }, { status: 'fail', found: `${file} exists` }],
    ['file-sha256', { kind: 'file-sha256', path: file, sha256: sha256.toUpperCase() }, { status: 'pass', found: `sha256 ${sha256}` }],
    ['file-sha256, changed', { kind: 'file-sha256', path: file, sha256: '0'.repeat(64) }, { status: 'fail', found: `sha256 ${sha256}` }],
    ['file-contains', { kind: 'file-contains', path: file, text: 'user = "qemu-libvirtd"' }, { status: 'pass' }],
    ['file-contains, not', { kind: 'file-contains', path: file, text: 'user = "root"' }, { status: 'fail', found: `${file} does not contain the text` }],
    ['sysctl', { kind: 'sysctl', key: 'kernel.kptr_restrict', value: ` ${kptr}\n` }, { status: 'pass', found: `kernel.kptr_restrict = ${kptr}` }],
    ['sysctl, other value', { kind: 'sysctl', key: 'kernel.kptr_restrict', value: '7' }, { status: 'fail', found: `kernel.kptr_restrict = ${kptr}` }],
    ['sysctl, unknown key', { kind: 'sysctl', key: 'kernel.hv_no_such_key', value: '1' }, { status: 'fail', found: 'kernel.hv_no_such_key does not exist on this kernel (no /proc/sys/kernel/hv_no_such_key)' }],
    ['sshd', { kind: 'sshd', key: 'passwordauthentication', value: 'no' }, { status: 'pass', found: `passwordauthentication no (${join(dir, 'sshd_config')})` }],
    ['sshd, default', { kind: 'sshd', key: 'permitrootlogin', value: 'no' }, { status: 'fail', found: `permitrootlogin prohibit-password (sshd's default (not set in ${join(dir, 'sshd_config')}))` }],
    ['group-members', { kind: 'group-members', group: 'root', members: [...rootMembers].reverse() }, { status: 'pass' }],
    ['group-members, other set', { kind: 'group-members', group: 'root', members: [...rootMembers, 'hv-nobody'] }, { status: 'fail' }],
    ['group-members, no group', { kind: 'group-members', group: 'hv-no-such-group', members: [] }, { status: 'fail', found: 'group hv-no-such-group does not exist' }],
    ['process', { kind: 'process', name: ownComm }, { status: 'pass', found: `${ownComm} is running` }],
    ['process, not running', { kind: 'process', name: 'hv-no-such-daemon' }, { status: 'fail', found: 'no process named hv-no-such-daemon is running' }],
    ['libvirtd-config', { kind: 'libvirtd-config', key: 'access_drivers', value: '["polkit"]' }, { status: 'pass', found: `access_drivers = [ "polkit" ] (${libvirtdConf})` }],
    ['libvirtd-config, other', { kind: 'libvirtd-config', key: 'auth_unix_rw', value: '"none"' }, { status: 'fail' }],
    ['libvirtd-config, unset', { kind: 'libvirtd-config', key: 'unix_sock_group', value: '"libvirt"' }, { status: 'fail', found: `unix_sock_group is not set in ${libvirtdConf} (libvirtd's built-in default applies)` }],
  ]

  it.each(cases)('%s', async (_name, check, expected) => {
    expect(await runCheck(check, probe)).toMatchObject(expected)
  })

  it('maps sysctl keys to /proc/sys paths', () => {
    expect(sysctlPath('net.ipv4.conf.all.rp_filter')).toBe('/proc/sys/net/ipv4/conf/all/rp_filter')
    expect(sysctlPath('net/ipv4/conf/eth0.10/rp_filter')).toBe('/proc/sys/net/ipv4/conf/eth0.10/rp_filter')
  })

  it('audits a whole security.json, in order, and counts the outcomes', async () => {
    const report = SecurityReport.parse(
      securityReport({
        guarantees: [
          { id: 'sysctl:kernel.kptr_restrict', description: 'Kernel pointers.', check: { kind: 'sysctl', key: 'kernel.kptr_restrict', value: kptr } },
          { id: 'qemu-not-root', description: 'QEMU is not root.', check: { kind: 'file-contains', path: file, text: 'user = "root"' } },
          { id: 'sshd:kbd', description: 'No kbd.', check: { kind: 'sshd', key: 'x11forwarding', value: 'no' } },
        ],
      }),
    )
    const { results, summary } = await auditGuarantees(report, probe)
    expect(results.map((result) => [result.id, result.status])).toEqual([
      ['sysctl:kernel.kptr_restrict', 'pass'],
      ['qemu-not-root', 'fail'],
      ['sshd:kbd', 'unknown'],
    ])
    expect(summary).toEqual({ pass: 1, fail: 1, unknown: 1 })
  })

  it('refuses a check kind it does not know, and a duplicate id', () => {
    const parsed = SecurityReport.safeParse(
      securityReport({
        guarantees: [
          { id: 'a', description: 'x', check: { kind: 'port-closed', port: 22 } },
          { id: 'b', description: 'x', check: { kind: 'process', name: 'auditd' } },
          { id: 'b', description: 'y', check: { kind: 'process', name: 'auditd' } },
        ],
      }),
    )
    expect(parsed.success).toBe(false)
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['guarantees.0.check.kind'])
    const duplicate = SecurityReport.safeParse(
      securityReport({ guarantees: [1, 2].map(() => ({ id: 'b', description: 'x', check: { kind: 'process', name: 'auditd' } })) }),
    )
    expect(duplicate.error?.issues.map((issue) => issue.message)).toEqual(['"b" appears twice'])
  })
})
