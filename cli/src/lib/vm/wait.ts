/**
 * `hv vm wait`: until a VM has an address, answers on SSH, has reported cloud-init done,
 * or has shut down — each from an event, not a sleep loop: libvirt's lifecycle events,
 * inotify on dnsmasq's lease file, the phone-home record.
 */
import { watch } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { dirname, join } from 'node:path'
import { XMLParser } from 'fast-xml-parser'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { DomainEventStream, lifecycleOf } from '../libvirt/events.js'
import { virsh } from '../libvirt/virsh.js'
import { vmDetails } from './inventory.js'
import { domainState, vmNotFound } from './lifecycle.js'
import { openPhoneHomeListener } from '../cloud-init/phone-home.js'
import { type Readiness, readExpectedPhoneHome, readReadiness, recordReadiness } from './readiness.js'

export type WaitFor = 'ip' | 'ssh' | 'cloud-init' | 'shutdown'

export interface WaitResult {
  name: string
  for: WaitFor
  address?: string
  seconds: number
}

/** Where libvirt's dnsmasq keeps the leases of a bridge (JSON, rewritten on every lease). */
export const LEASE_DIRECTORY = '/var/lib/libvirt/dnsmasq'

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_' })

function timeout(name: string, what: string, ms: number): HvError {
  return new HvError('TIMEOUT', `${name}: gave up after ${Math.round(ms / 1000)} s waiting for ${what}`, {
    exitCode: ExitCode.TIMEOUT,
    suggestions: [`hv vm console ${name}   # see what the guest is doing`],
  })
}

/** The lease for `mac` in a dnsmasq status file's JSON, if any. */
export function leaseAddress(statusJson: string, macs: readonly string[]): string | undefined {
  try {
    const leases = JSON.parse(statusJson) as { 'mac-address'?: string; 'ip-address'?: string; 'expiry-time'?: number }[]
    const now = Date.now() / 1000
    return leases.find((lease) => macs.includes((lease['mac-address'] ?? '').toLowerCase()) && (lease['expiry-time'] ?? now + 1) > now)?.['ip-address']
  } catch {
    return undefined // being rewritten: the next change event reads it again
  }
}

async function leaseFile(uri: string, network: string): Promise<string> {
  const { stdout } = await virsh(uri, ['net-dumpxml', network])
  const bridge = (parser.parse(stdout) as { network?: { bridge?: Record<string, string> } }).network?.bridge?.['@_name']
  if (!bridge) throw new HvError('NETWORK_NO_BRIDGE', `the network ${network} has no bridge whose leases hv could watch`, { exitCode: ExitCode.INVALID_ARGUMENT })
  return join(LEASE_DIRECTORY, `${bridge}.status`)
}

/** The VM's IPv4 address from its DHCP lease, as soon as dnsmasq writes it (inotify). */
export async function waitForLease(uri: string, name: string, timeoutMs: number): Promise<string> {
  if (!/^qemu:\/\/\/system/.test(uri)) {
    throw new HvError('UNSUPPORTED', `waiting for a lease works on this host's qemu:///system only (not ${uri})`, { exitCode: ExitCode.INVALID_ARGUMENT })
  }
  const vm = await vmDetails(uri, name)
  if (!vm) throw vmNotFound(name)
  const nic = vm.description.interfaces.find((candidate) => candidate.network && candidate.mac)
  if (!nic?.network || !nic.mac) throw new HvError('NO_NETWORK', `${name} has no NIC on a libvirt network`, { exitCode: ExitCode.INVALID_ARGUMENT })
  const file = await leaseFile(uri, nic.network)
  const macs = [nic.mac.toLowerCase()]
  return new Promise<string>((resolve, reject) => {
    const watcher = watch(dirname(file))
    const finish = (settle: () => void) => {
      clearTimeout(timer)
      watcher.close()
      settle()
    }
    const check = () =>
      void readFile(file, 'utf8').then(
        (text) => {
          const address = leaseAddress(text, macs)
          if (address) finish(() => resolve(address))
        },
        () => undefined, // not there yet: dnsmasq creates it with the first lease
      )
    const timer = setTimeout(() => finish(() => reject(timeout(name, 'a DHCP lease', timeoutMs))), timeoutMs)
    watcher.on('change', (_event, changed) => {
      if (String(changed) === file.split('/').pop()) check()
    })
    watcher.on('error', (error) => finish(() => reject(error)))
    check() // a lease from before the watch started
  })
}

/** Resolves when a TCP connection to address:port succeeds. */
function probe(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 3000 })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
  })
}

/**
 * Until sshd accepts connections. The host gets no event when a guest's port opens, so
 * this is the one retry loop: bounded by the timeout, backing off from 0.25 s to 4 s.
 */
export async function waitForPort(name: string, address: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (let delay = 250; Date.now() < deadline; delay = Math.min(delay * 2, 4000)) {
    if (await probe(address, port)) return
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))))
  }
  throw timeout(name, `port ${port} on ${address}`, timeoutMs)
}

export interface WaitHooks {
  /** hv listens for the guest's phone-home report at this URL (cloud-init, created without --wait). */
  onListening?: (url: string) => unknown
}

export async function waitForVm(uri: string, name: string, what: WaitFor, timeoutMs: number, hooks: WaitHooks = {}): Promise<WaitResult> {
  const started = performance.now()
  const seconds = () => Math.round((performance.now() - started) / 100) / 10
  if (what === 'shutdown') {
    const events = DomainEventStream.open(uri)
    try {
      const stopped = events.waitFor(lifecycleOf(name, 'Stopped'), timeoutMs, `${name} to shut down`)
      stopped.catch(() => {})
      if ((await domainState(uri, name)) === 'shut off') return { name, for: what, seconds: seconds() }
      await stopped
      return { name, for: what, seconds: seconds() }
    } finally {
      events.close()
    }
  }
  if (what === 'cloud-init') {
    const ready = (await readReadiness(uri, name)) ?? (await listenForLatePhoneHome(uri, name, timeoutMs, hooks))
    return { name, for: what, address: ready.address, seconds: seconds() }
  }
  const ready = await readReadiness(uri, name)
  const address = ready?.address ?? (await waitForLease(uri, name, timeoutMs))
  if (what === 'ssh') await waitForPort(name, address, 22, Math.max(1000, timeoutMs - (performance.now() - started)))
  return { name, for: what, address, seconds: seconds() }
}

/**
 * A VM created without waiting: its seed names a phone-home URL (domain metadata), where
 * hv listens now. cloud-init keeps retrying an unanswered report for about two minutes
 * (provision.ts); a report sent before that is lost, and the error says what to do instead.
 */
async function listenForLatePhoneHome(uri: string, name: string, timeoutMs: number, hooks: WaitHooks): Promise<Readiness> {
  const expected = await readExpectedPhoneHome(uri, name)
  if (!expected) {
    throw new HvError('NOT_REPORTED', `${name} has not reported cloud-init done to hv, and its seed asks for no report`, {
      exitCode: ExitCode.VM_NOT_RUNNING,
      suggestions: ['VMs created with --no-network or --no-cloud-init cannot report', `hv vm wait ${name} --for ssh   # without the report`],
    })
  }
  if ((await domainState(uri, name)) !== 'running') {
    throw new HvError('VM_NOT_RUNNING', `${name} is not running: start it, then wait`, { exitCode: ExitCode.VM_NOT_RUNNING, suggestions: [`hv vm start ${name}`] })
  }
  const url = new URL(expected.url)
  const listener = await openPhoneHomeListener({ host: url.hostname, ports: [Number(url.port), Number(url.port)], instanceId: expected.instanceId }).catch((error: unknown) => {
    throw new HvError('PHONE_HOME_UNAVAILABLE', `cannot listen on ${url.host}, where ${name} reports: the port is taken (another hv vm wait for ${name}?)`, {
      exitCode: ExitCode.SYSTEM_ERROR,
      suggestions: [`hv vm wait ${name} --for ssh   # without the report`],
      cause: error,
    })
  })
  try {
    await hooks.onListening?.(listener.url)
    const report = await listener.wait(timeoutMs).catch((error: unknown) => {
      if (error instanceof HvError && error.code === 'TIMEOUT') {
        throw new HvError('TIMEOUT', `${name} did not report cloud-init done within ${Math.round(timeoutMs / 1000)} s`, {
          exitCode: ExitCode.TIMEOUT,
          suggestions: [
            'if cloud-init finished more than about two minutes before this wait began, its report is gone: wait for SSH instead',
            `hv vm wait ${name} --for ssh`,
            `hv vm console ${name}   # see what it is doing`,
          ],
        })
      }
      throw error
    })
    const readiness: Readiness = { address: report.address, user: expected.user, hostKey: report.hostKey, reportedAt: report.receivedAt }
    await recordReadiness(uri, name, readiness)
    return readiness
  } finally {
    listener.close()
  }
}
