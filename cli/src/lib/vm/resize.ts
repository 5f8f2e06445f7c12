/**
 * `hv vm resize`: memory and vCPUs in the persistent definition (they apply at the next
 * start; a running VM says so), and the root disk, which only grows (live through QEMU when
 * the VM runs, through the volume otherwise).
 */
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { volumeInfo } from '../libvirt/volumes.js'
import { virsh } from '../libvirt/virsh.js'
import { vmDetails } from './inventory.js'
import { vmNotFound } from './lifecycle.js'

export interface ResizeRequest {
  memoryMiB?: number
  vcpus?: number
  diskSizeBytes?: number
}

export interface ResizeResult {
  name: string
  memoryMiB: number
  vcpus: number
  diskSizeBytes: number | undefined
  /** Memory and vCPU changes of a running VM take effect when it next starts. */
  pendingRestart: boolean
}

export async function resizeVm(uri: string, name: string, request: ResizeRequest): Promise<ResizeResult> {
  if (request.memoryMiB === undefined && request.vcpus === undefined && request.diskSizeBytes === undefined) {
    throw new HvError('INVALID_ARGUMENT', 'nothing to resize: give --memory, --vcpus or --disk-size', { exitCode: ExitCode.INVALID_ARGUMENT })
  }
  const vm = await vmDetails(uri, name)
  if (!vm) throw vmNotFound(name)
  const running = vm.state !== 'shut off'
  if (request.memoryMiB !== undefined) {
    const kib = `${request.memoryMiB * 1024}KiB`
    await virsh(uri, ['setmaxmem', name, kib, '--config'])
    await virsh(uri, ['setmem', name, kib, '--config'])
  }
  if (request.vcpus !== undefined) {
    await virsh(uri, ['setvcpus', name, `${request.vcpus}`, '--config', '--maximum'])
    await virsh(uri, ['setvcpus', name, `${request.vcpus}`, '--config'])
  }
  let diskSizeBytes: number | undefined
  if (request.diskSizeBytes !== undefined) {
    const root = vm.description.disks.find((disk) => disk.device === 'disk' && disk.source.kind === 'volume')
    if (!root || root.source.kind !== 'volume') {
      throw new HvError('NO_DISK', `${name} has no disk volume to resize`, { exitCode: ExitCode.INVALID_ARGUMENT })
    }
    const volume = await volumeInfo(uri, root.source)
    if (!volume) throw new HvError('LIBVIRT_ERROR', `the disk volume ${root.source.volume} of ${name} is missing`, { exitCode: ExitCode.LIBVIRT_ERROR })
    if (request.diskSizeBytes < volume.capacityBytes) {
      throw new HvError('DISK_SHRINK', `disks only grow: ${name}'s disk is ${volume.capacityBytes} bytes, asked for ${request.diskSizeBytes}`, {
        exitCode: ExitCode.INVALID_ARGUMENT,
        suggestions: ['shrinking would cut off the guest file system; give a larger size'],
      })
    }
    if (running) await virsh(uri, ['blockresize', name, root.target, `${request.diskSizeBytes}B`])
    else await virsh(uri, ['vol-resize', '--pool', root.source.pool, root.source.volume, `${request.diskSizeBytes}`])
    diskSizeBytes = request.diskSizeBytes
  }
  const after = await vmDetails(uri, name)
  return {
    name,
    memoryMiB: running ? (request.memoryMiB ?? after?.memoryMiB ?? vm.memoryMiB) : (after?.memoryMiB ?? vm.memoryMiB),
    vcpus: running ? (request.vcpus ?? after?.vcpus ?? vm.vcpus) : (after?.vcpus ?? vm.vcpus),
    diskSizeBytes,
    pendingRestart: running && (request.memoryMiB !== undefined || request.vcpus !== undefined),
  }
}
