/** `hv vm snapshot`: libvirt's snapshots (internal qcow2 snapshots, with memory when the VM runs). */
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { DomainName } from '../libvirt/names.js'
import { virsh } from '../libvirt/virsh.js'
import { domainState } from './lifecycle.js'

/** Snapshot names follow the rule of VM names. */
export const SnapshotName = DomainName

export function snapshotName(name: string): string {
  const parsed = SnapshotName.safeParse(name)
  if (!parsed.success) {
    throw new HvError('INVALID_NAME', `invalid snapshot name ${JSON.stringify(name)}: ${parsed.error.issues[0]?.message}`, { exitCode: ExitCode.INVALID_ARGUMENT })
  }
  return parsed.data
}

export interface Snapshot {
  name: string
  createdAt: string
  /** The VM's state when it was taken: 'running' snapshots include memory. */
  state: string
  current: boolean
}

/** `snapshot-list` table rows (Name, Creation Time, State). */
export function parseSnapshotList(text: string): Omit<Snapshot, 'current'>[] {
  return text
    .split('\n')
    .slice(2)
    .map((line) => /^\s*(\S+)\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4})\s+(.+?)\s*$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ name: match[1] ?? '', createdAt: match[2] ?? '', state: match[3] ?? '' }))
}

function snapshotNotFound(vm: string, name: string, cause: unknown): HvError {
  return new HvError('SNAPSHOT_NOT_FOUND', `${vm} has no snapshot named ${name}`, {
    exitCode: ExitCode.INVALID_ARGUMENT,
    suggestions: [`hv vm snapshot list ${vm}`],
    cause,
  })
}

async function onSnapshot<T>(vm: string, name: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action()
  } catch (error) {
    if (error instanceof HvError && /snapshot not found|no domain snapshot with matching name/i.test(error.message)) throw snapshotNotFound(vm, name, error)
    throw error
  }
}

export async function listSnapshots(uri: string, vm: string): Promise<Snapshot[]> {
  await domainState(uri, vm)
  const [{ stdout: table }, { stdout: current }] = await Promise.all([
    virsh(uri, ['snapshot-list', vm]),
    virsh(uri, ['snapshot-current', vm, '--name'], { allowedExitCodes: [1] }),
  ])
  return parseSnapshotList(table).map((snapshot) => ({ ...snapshot, current: snapshot.name === current.trim() }))
}

export async function createSnapshot(uri: string, vm: string, name: string, description = ''): Promise<Snapshot> {
  await domainState(uri, vm)
  try {
    await virsh(uri, ['snapshot-create-as', vm, name, ...(description ? ['--description', description] : [])])
  } catch (error) {
    if (error instanceof HvError && /already exists/i.test(error.message)) {
      throw new HvError('SNAPSHOT_EXISTS', `${vm} already has a snapshot named ${name}`, { exitCode: ExitCode.INVALID_ARGUMENT, cause: error })
    }
    throw error
  }
  const created = (await listSnapshots(uri, vm)).find((snapshot) => snapshot.name === name)
  if (!created) throw new HvError('LIBVIRT_ERROR', `libvirt did not record snapshot ${name}`, { exitCode: ExitCode.LIBVIRT_ERROR })
  return created
}

export async function revertSnapshot(uri: string, vm: string, name: string): Promise<{ vm: string; snapshot: string; state: string }> {
  await onSnapshot(vm, name, () => virsh(uri, ['snapshot-revert', vm, name]))
  return { vm, snapshot: name, state: await domainState(uri, vm) }
}

export async function deleteSnapshot(uri: string, vm: string, name: string): Promise<{ vm: string; snapshot: string; deleted: true }> {
  await onSnapshot(vm, name, () => virsh(uri, ['snapshot-delete', vm, name]))
  return { vm, snapshot: name, deleted: true }
}
