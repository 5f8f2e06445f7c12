/**
 * `hv vm delete`: removes the domain with its NVRAM, TPM state and snapshot metadata, and
 * the volumes hv created for it (its metadata lists them) — never a volume another VM
 * still lists (a linked clone's base), and nothing hv did not create.
 */
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { deleteVolume, type VolumeRef } from '../libvirt/volumes.js'
import { virsh } from '../libvirt/virsh.js'
import { describeAll } from './inventory.js'
import { vmNotFound } from './lifecycle.js'

export interface DeleteResult {
  name: string
  wasRunning: boolean
  removedVolumes: VolumeRef[]
  /** hv's volumes left in place: --keep-disks, or still listed by another VM. */
  keptVolumes: (VolumeRef & { why: string })[]
}

const key = (ref: VolumeRef) => `${ref.pool}/${ref.volume}`

export async function deleteVm(uri: string, name: string, options: { force: boolean; keepDisks: boolean }): Promise<DeleteResult> {
  const domains = await describeAll(uri)
  const target = domains.get(name)
  if (!target) throw vmNotFound(name)
  const { state, description } = target
  const running = state !== 'shut off'
  if (running && !options.force) {
    throw new HvError('VM_RUNNING', `${name} is ${state}: stop it before deleting it`, {
      exitCode: ExitCode.VM_RUNNING,
      suggestions: [`hv vm stop ${name}`, `hv vm delete ${name} --force   # destroy it first`],
    })
  }
  const hvVolumes = [...(description.hv?.volumes ?? []), ...(description.hv?.seed ? [description.hv.seed] : [])]
  const usedElsewhere = new Set<string>()
  for (const [other, { description: otherDescription }] of domains) {
    if (other === name) continue
    for (const volume of otherDescription.hv?.volumes ?? []) usedElsewhere.add(key(volume))
    for (const disk of otherDescription.disks) if (disk.source.kind === 'volume') usedElsewhere.add(key(disk.source))
  }

  if (running) await virsh(uri, ['destroy', name], { allowedExitCodes: [1] })
  const undefineFlags = ['--snapshots-metadata', '--checkpoints-metadata', ...(description.firmware === 'uefi' ? ['--nvram'] : []), ...(description.tpm ? ['--tpm'] : [])]
  await virsh(uri, ['undefine', name, ...undefineFlags])

  const result: DeleteResult = { name, wasRunning: running, removedVolumes: [], keptVolumes: [] }
  for (const volume of hvVolumes) {
    if (options.keepDisks) result.keptVolumes.push({ ...volume, why: '--keep-disks' })
    else if (usedElsewhere.has(key(volume))) result.keptVolumes.push({ ...volume, why: 'another VM still uses it' })
    else if (await deleteVolume(uri, volume)) result.removedVolumes.push(volume)
  }
  return result
}
