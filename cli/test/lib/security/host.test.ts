import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readPhaseState, requireConsistentPhase, requireHost } from '../../../src/lib/security/host.js'
import { makeHost } from '../../helpers/host.js'

describe('the phase a host records', () => {
  it('is the phase file when exactly its marker exists', async () => {
    const host = await makeHost({ phase: 'hardened', noFeatures: true })
    expect(await readPhaseState(host.root)).toEqual({ phase: 'hardened', markers: ['hardened'], problems: [] })
    expect(await requireConsistentPhase(host.root)).toBe('hardened')
  })

  it('is a problem when the marker disagrees, is missing, or both exist', async () => {
    const mismatch = await makeHost({ phase: 'hardened', markers: ['setup'], noFeatures: true })
    expect((await readPhaseState(mismatch.root)).problems).toEqual([`${mismatch.root}/phase says hardened, but the marker is .phase-setup`])
    const none = await makeHost({ phase: 'setup', markers: [], noFeatures: true })
    expect((await readPhaseState(none.root)).problems).toEqual([`no phase marker in ${none.root} (.phase-setup or .phase-hardened)`])
    const both = await makeHost({ phase: 'setup', markers: ['setup', 'hardened'], noFeatures: true })
    expect((await readPhaseState(both.root)).problems).toEqual([`both phase markers exist in ${both.root}: .phase-setup and .phase-hardened`])
  })

  it('is a problem when the phase file is missing or says something else', async () => {
    const missing = await makeHost({ phase: null, markers: ['setup'], noFeatures: true })
    expect(await readPhaseState(missing.root)).toEqual({ phase: undefined, markers: ['setup'], problems: [`${missing.root}/phase is missing`] })
    const odd = await makeHost({ phase: 'relaxed', markers: ['setup'], noFeatures: true })
    expect((await readPhaseState(odd.root)).problems).toEqual([`${odd.root}/phase says "relaxed", which is neither setup nor hardened`])
    await expect(requireConsistentPhase(odd.root)).rejects.toMatchObject({ code: 'PHASE_INCONSISTENT', exitCode: 43 })
  })

  it('needs a host directory: NOT_A_HOST (exit 2) without one', async () => {
    const absent = join(await mkdtemp(join(tmpdir(), 'hv-')), 'hypervisor')
    await expect(requireHost({ HYPERVISOR_ROOT: absent })).rejects.toMatchObject({
      code: 'NOT_A_HOST',
      exitCode: 2,
      message: `this is not a Hyper-NixOS host: ${absent} does not exist`,
    })
  })
})
