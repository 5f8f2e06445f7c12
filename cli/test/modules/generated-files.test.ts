import { execFile } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { expectGolden, nixEval } from '../helpers/nix.js'

const execFileAsync = promisify(execFile)

/** Validates XML against libvirt's installed RelaxNG schemas (the real virt-xml-validate). */
async function validateLibvirtXml(xml: string, schema: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'hv-xml-')), `${schema}.xml`)
  await writeFile(file, xml)
  const { stdout, stderr } = await execFileAsync('virt-xml-validate', [file, schema])
  return stdout + stderr
}

const xml = (call: string) => nixEval<string>(`(import ./modules/virtualization/libvirt-xml.nix).${call}`)

describe('polkit rules (modules/security/polkit-rules.nix)', () => {
  it.each(['setup', 'hardened'])('the %s-phase rules equal the golden file', async (phase) => {
    const rules = await nixEval<string>(`import ./modules/security/polkit-rules.nix { phase = "${phase}"; }`)
    expect(rules).toBe(await expectGolden(`polkit-${phase}.rules`, rules))
  })

  it('only the hardened phase has access-control rules, and they never grant host-changing actions', async () => {
    const setup = await nixEval<string>('import ./modules/security/polkit-rules.nix { phase = "setup"; }')
    const hardened = await nixEval<string>('import ./modules/security/polkit-rules.nix { phase = "hardened"; }')
    expect(setup).not.toContain('org.libvirt.api.')
    for (const forbidden of ['network.write', 'network.save', 'network.start', 'node-device.', 'interface.', 'secret.', 'nwfilter', 'connect.write', 'domain.migrate', 'domain.core-dump', 'storage-pool.write', 'storage-pool.delete']) {
      expect(hardened, forbidden).not.toContain(`"org.libvirt.api.${forbidden}`)
    }
    expect(hardened).toContain('"org.libvirt.api.domain.start":true')
  })
})

describe('libvirt XML of the boot-time objects (modules/virtualization/libvirt-xml.nix)', () => {
  it('the storage pool is schema-valid and equals the golden file', async () => {
    const pool = await xml('directoryPool { name = "hypervisor"; path = "/var/lib/hypervisor/images"; }')
    expect(pool).toBe(await expectGolden('pool-hypervisor.xml', pool))
    expect(await validateLibvirtXml(pool, 'storagepool')).toContain('validates')
  })

  it('the NAT network is schema-valid and equals the golden file', async () => {
    const network = await xml(
      'natNetwork { name = "default"; bridge = "virbr0"; address = "192.168.122.1"; prefixLength = 24; dhcpStart = "192.168.122.2"; dhcpEnd = "192.168.122.254"; }',
    )
    expect(network).toBe(await expectGolden('network-default.xml', network))
    expect(await validateLibvirtXml(network, 'network')).toContain('validates')
  })

  it('a bridge network is schema-valid and equals the golden file', async () => {
    const network = await xml('bridgeNetwork { name = "br-lab"; bridge = "br-lab"; }')
    expect(network).toBe(await expectGolden('network-br-lab.xml', network))
    expect(await validateLibvirtXml(network, 'network')).toContain('validates')
  })

  it('escapes markup in values instead of letting it into the document', async () => {
    const pool = await xml(`directoryPool { name = "a<b>&'\\""; path = "/tmp/x</path><evil/>"; }`)
    expect(pool).toContain('<name>a&lt;b&gt;&amp;&apos;&quot;</name>')
    expect(pool).toContain('<path>/tmp/x&lt;/path&gt;&lt;evil/&gt;</path>')
    expect(pool).not.toContain('<evil/>')
  })
})
