/**
 * Starting and stopping VMs. Waiting is event-driven: a stop subscribes to libvirt's
 * domain events before it asks the guest to shut down, and returns on the "Stopped" event.
 */
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { DomainEventStream, lifecycleOf } from '../libvirt/events.js'
import { virshBatch } from '../libvirt/virsh-batch.js'
import { virsh } from '../libvirt/virsh.js'
import { parseDomstatsStates } from './inventory.js'

export async function domainState(uri: string, name: string): Promise<string> {
  const [stats = ''] = await virshBatch(uri, [['domstats', '--raw', '--state', name]])
  const state = parseDomstatsStates(stats).get(name)
  if (state === undefined) throw vmNotFound(name)
  return state
}

export function vmNotFound(name: string): HvError {
  return new HvError('VM_NOT_FOUND', `no VM named ${JSON.stringify(name)}`, {
    exitCode: ExitCode.VM_NOT_FOUND,
    suggestions: ['hv vm list   # the VMs you can see'],
  })
}

export interface StartResult {
  name: string
  state: 'running'
  /** False when it was running already (start is idempotent). */
  started: boolean
  note?: string
}

export async function startVm(uri: string, name: string): Promise<StartResult> {
  const state = await domainState(uri, name)
  if (state === 'running') return { name, state: 'running', started: false, note: `${name} is already running` }
  if (state === 'paused') {
    await virsh(uri, ['resume', name])
    return { name, state: 'running', started: true, note: `${name} was paused: resumed` }
  }
  await virsh(uri, ['start', name])
  return { name, state: 'running', started: true }
}

export interface StopResult {
  name: string
  state: 'shut off'
  /** How it stopped: the guest shut down (ACPI), was destroyed after the timeout (--force), or was already off. */
  how: 'shutdown' | 'destroyed' | 'already-off'
  seconds: number
}

export interface StopOptions {
  timeoutMs: number
  /** Destroy the VM when it has not shut down within the timeout. */
  force: boolean
}

/** ACPI shutdown, then wait for libvirt's Stopped event; --force destroys after the timeout. */
export async function stopVm(uri: string, name: string, options: StopOptions): Promise<StopResult> {
  const started = performance.now()
  const seconds = () => Math.round((performance.now() - started) / 100) / 10
  const state = await domainState(uri, name)
  if (state === 'shut off') return { name, state: 'shut off', how: 'already-off', seconds: 0 }
  const events = DomainEventStream.open(uri)
  try {
    const stopped = events.waitFor(lifecycleOf(name, 'Stopped'), options.timeoutMs, `${name} to shut down`)
    stopped.catch(() => {}) // handled below; avoids an unhandled rejection while we send the request
    await virsh(uri, ['shutdown', name, '--mode', 'acpi'])
    try {
      await stopped
      return { name, state: 'shut off', how: 'shutdown', seconds: seconds() }
    } catch (error) {
      // The stream may have subscribed after a very fast shutdown: one look at the state
      // (not a polling loop) before calling it a timeout.
      if ((await domainState(uri, name)) === 'shut off') return { name, state: 'shut off', how: 'shutdown', seconds: seconds() }
      if (!options.force) {
        throw new HvError('TIMEOUT', `${name} did not shut down within ${Math.round(options.timeoutMs / 1000)} s`, {
          exitCode: ExitCode.TIMEOUT,
          suggestions: [`hv vm stop ${name} --force   # destroy it after the timeout`, `hv vm kill ${name}   # pull the plug now`],
          cause: error,
        })
      }
    }
    await virsh(uri, ['destroy', name])
    return { name, state: 'shut off', how: 'destroyed', seconds: seconds() }
  } finally {
    events.close()
  }
}

/** Pulls the plug (virsh destroy); a VM that is off already is not an error. */
export async function killVm(uri: string, name: string): Promise<{ name: string; state: 'shut off'; killed: boolean }> {
  const state = await domainState(uri, name)
  if (state === 'shut off') return { name, state: 'shut off', killed: false }
  await virsh(uri, ['destroy', name])
  return { name, state: 'shut off', killed: true }
}

export async function restartVm(uri: string, name: string, options: StopOptions): Promise<{ name: string; stop: StopResult; start: StartResult }> {
  const stop = await stopVm(uri, name, options)
  const start = await startVm(uri, name)
  return { name, stop, start }
}

export async function setAutostart(uri: string, name: string, on: boolean): Promise<{ name: string; autostart: boolean }> {
  await domainState(uri, name)
  await virsh(uri, on ? ['autostart', name] : ['autostart', '--disable', name])
  return { name, autostart: on }
}
