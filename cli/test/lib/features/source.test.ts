import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadFeatures } from '../../../src/lib/features/source.js'
import { makeHost, resolveReport } from '../../helpers/host.js'
import { PROJECT_ROOT } from '../../helpers/project.js'

describe('where hv features reads the registry', () => {
  it("reads the host's features.json when there is one", async () => {
    const host = await makeHost({ resolveArgs: '{ enabled = { tpm = true; }; }' })
    const loaded = await loadFeatures({ HYPERVISOR_ROOT: host.root }, tmpdir())
    expect(loaded.source).toBe('host')
    expect(loaded.from).toBe(join(host.root, 'features.json'))
    expect(loaded.report.features.tpm?.enabled).toBe(true)
  })

  it("evaluates the checkout's registry defaults with nix-instantiate when there is no host file", async () => {
    const empty = await mkdtemp(join(tmpdir(), 'hv-nohost-'))
    const loaded = await loadFeatures({ HYPERVISOR_ROOT: empty, HV_PROJECT_ROOT: PROJECT_ROOT }, tmpdir())
    expect(loaded.source).toBe('checkout')
    expect(loaded.from).toBe(join(PROJECT_ROOT, 'modules', 'features', 'resolve.nix'))
    expect(JSON.parse(JSON.stringify(loaded.report))).toEqual(await resolveReport())
  })

  it('refuses an invalid host file, naming the field, rather than falling back', async () => {
    const host = await makeHost()
    await writeFile(join(host.root, 'features.json'), JSON.stringify({ schemaVersion: 1 }))
    await expect(loadFeatures({ HYPERVISOR_ROOT: host.root }, tmpdir())).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      exitCode: 4,
      message: expect.stringContaining(`${join(host.root, 'features.json')} is invalid:\n  phase: `),
    })
  })

  it('refuses an HV_PROJECT_ROOT that is not a checkout', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'hv-nohost-'))
    await expect(loadFeatures({ HYPERVISOR_ROOT: empty, HV_PROJECT_ROOT: empty }, tmpdir())).rejects.toMatchObject({ code: 'NOT_A_CHECKOUT' })
  })
})
