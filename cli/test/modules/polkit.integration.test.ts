import { execFile } from 'node:child_process'
import { mkdtemp, chmod, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nixEval } from '../helpers/nix.js'
import { OPERATOR, isRoot, userExists } from '../helpers/project.js'
import { type IsolatedLibvirtd, installPolkitRules, removePolkitRules, startIsolatedLibvirtd } from '../helpers/system-services.js'

/**
 * The generated polkit rules, for real: installed into the running polkitd, enforced by a
 * real libvirtd configured as in the hardened phase (access_drivers = [ "polkit" ]),
 * exercised by the operator and an outsider through runuser.
 */

const execFileAsync = promisify(execFile)
const OUTSIDER = 'hv-outsider'
const RULES_FILE = '/etc/polkit-1/rules.d/04-hyper-nixos-test-hardened.rules'
const PREFIX = `hv-pk-${process.pid}`

async function blocker(): Promise<string | undefined> {
  if (!isRoot()) return 'needs root (installs polkit rules, starts libvirtd, switches users with runuser)'
  if (!(await userExists(OPERATOR))) return `no operator account ${OPERATOR}: run hv dev setup first`
  try {
    await execFileAsync('dbus-send', ['--system', '--print-reply', '--dest=org.freedesktop.PolicyKit1', '/org/freedesktop/PolicyKit1/Authority', 'org.freedesktop.DBus.Peer.Ping'])
  } catch {
    return 'polkitd does not answer on the system bus: run hv dev setup first'
  }
  return undefined
}

interface VirshResult {
  exitCode: number
  output: string
}

async function virshAs(user: string, uri: string, ...args: string[]): Promise<VirshResult> {
  try {
    const { stdout, stderr } = await execFileAsync('runuser', ['-u', user, '--', 'virsh', '--quiet', '--connect', uri, ...args], { timeout: 60_000 })
    return { exitCode: 0, output: stdout + stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { exitCode: failed.code ?? -1, output: (failed.stdout ?? '') + (failed.stderr ?? '') }
  }
}

const why = await blocker()
if (why) console.warn(`[skip] polkit integration tests: ${why}`)

describe.skipIf(why !== undefined)('the generated polkit rules, enforced by real polkitd and libvirtd', () => {
  let hardened: IsolatedLibvirtd
  let files: string

  beforeAll(async () => {
    if (!(await userExists(OUTSIDER))) await execFileAsync('useradd', ['--create-home', OUTSIDER])
    const rules = await nixEval<string>('import ./modules/security/polkit-rules.nix { phase = "hardened"; }')
    await installPolkitRules(RULES_FILE, rules)
    hardened = await startIsolatedLibvirtd('access_drivers = [ "polkit" ]\n')
    files = await mkdtemp(join(tmpdir(), `${PREFIX}-`))
    await chmod(files, 0o755)
    // Pools are host configuration: root defines them, as the NixOS module does at boot.
    for (const pool of ['hypervisor', `${PREFIX}-other`]) {
      const xml = await nixEval<string>(`(import ./modules/virtualization/libvirt-xml.nix).directoryPool { name = "${pool}"; path = "${files}/${pool}"; }`)
      await writeFile(join(files, `${pool}.xml`), xml)
      await execFileAsync('virsh', ['--connect', hardened.uri, 'pool-define', join(files, `${pool}.xml`)])
      await execFileAsync('virsh', ['--connect', hardened.uri, 'pool-build', pool])
      await execFileAsync('virsh', ['--connect', hardened.uri, 'pool-start', pool])
    }
    await writeFile(
      join(files, 'domain.xml'),
      `<domain type="qemu"><name>${PREFIX}-vm</name><memory unit="MiB">32</memory><os><type arch="x86_64">hvm</type></os></domain>\n`,
    )
    await writeFile(join(files, 'network.xml'), `<network><name>${PREFIX}-net</name><bridge name="hvpk${process.pid % 10000}"/></network>\n`)
    await chmod(join(files, 'domain.xml'), 0o644)
    await chmod(join(files, 'network.xml'), 0o644)
  }, 120_000)

  afterAll(async () => {
    await virshAs('root', 'qemu:///system', 'net-undefine', `${PREFIX}-net`)
    await hardened?.stop()
    await removePolkitRules(RULES_FILE)
    if (files) await rm(files, { recursive: true, force: true })
  }, 120_000)

  it('hardened: the operator runs the VM lifecycle without sudo', async () => {
    expect(await virshAs(OPERATOR, hardened.uri, 'define', join(files, 'domain.xml'))).toMatchObject({ exitCode: 0 })
    expect(await virshAs(OPERATOR, hardened.uri, 'start', `${PREFIX}-vm`)).toMatchObject({ exitCode: 0 })
    const listing = await virshAs(OPERATOR, hardened.uri, 'list', '--name')
    expect(listing.output.split('\n')).toContain(`${PREFIX}-vm`)
    expect(await virshAs(OPERATOR, hardened.uri, 'destroy', `${PREFIX}-vm`)).toMatchObject({ exitCode: 0 })
    expect(await virshAs(OPERATOR, hardened.uri, 'undefine', `${PREFIX}-vm`)).toMatchObject({ exitCode: 0 })
  })

  it('hardened: the operator creates and deletes volumes in the hypervisor pool, and nowhere else', async () => {
    expect(await virshAs(OPERATOR, hardened.uri, 'vol-create-as', 'hypervisor', `${PREFIX}.qcow2`, '1M', '--format', 'qcow2')).toMatchObject({ exitCode: 0 })
    expect(await virshAs(OPERATOR, hardened.uri, 'vol-delete', `${PREFIX}.qcow2`, '--pool', 'hypervisor')).toMatchObject({ exitCode: 0 })
    const elsewhere = await virshAs(OPERATOR, hardened.uri, 'vol-create-as', `${PREFIX}-other`, `${PREFIX}.qcow2`, '1M')
    expect(elsewhere.exitCode).toBe(1)
    expect(elsewhere.output).toContain('access denied')
  })

  it.each([
    ['net-define', (dir: string) => ['net-define', join(dir, 'network.xml')]],
    ['nodedev-list', () => ['nodedev-list']],
    ['iface-list', () => ['iface-list']],
    ['secret-list', () => ['secret-list']],
    ['pool-destroy', () => ['pool-destroy', 'hypervisor']],
  ])('hardened: the operator is refused %s', async (_name, args) => {
    const refused = await virshAs(OPERATOR, hardened.uri, ...args(files))
    expect(refused.exitCode).toBe(1)
    expect(refused.output).toContain('access denied')
  })

  it('hardened: root keeps full access (polkit always authorises uid 0)', async () => {
    expect(await virshAs('root', hardened.uri, 'nodedev-list', '--cap', 'system')).toMatchObject({ exitCode: 0 })
  })

  it.each([
    ['hardened', () => hardened.uri],
    ['setup', () => 'qemu:///system'],
  ])('%s: an outsider cannot even connect', async (_phase, uri) => {
    const refused = await virshAs(OUTSIDER, uri(), 'list', '--all')
    expect(refused.exitCode).toBe(1)
    expect(refused.output).toContain('access denied by policy')
  })

  it('setup: the operator connection is unrestricted (root-equivalent), e.g. it may define a network', async () => {
    const defined = await virshAs(OPERATOR, 'qemu:///system', 'net-define', join(files, 'network.xml'))
    expect(defined).toMatchObject({ exitCode: 0 })
    expect(await virshAs(OPERATOR, 'qemu:///system', 'net-undefine', `${PREFIX}-net`)).toMatchObject({ exitCode: 0 })
  })
})
