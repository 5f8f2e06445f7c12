/**
 * `hv dev demo`: boots the tiny test guest through libvirt as the calling user
 * and shows it in the domain list, in one step: the README's main job. `hv vm create`,
 * `hv vm start --console` and `hv vm list` do the same for any VM.
 */
import { userInfo } from 'node:os'
import { loadTinyGuest } from '../guests/test-guests.js'
import { watchOutput } from '../exec.js'
import { type Acceleration, kernelBootDomainXml } from '../libvirt/domain-xml.js'
import { defineDomain, type DomainSummary, listDomains, virsh } from '../libvirt/virsh.js'

export interface DemoOptions {
  uri: string
  name: string
  accel: Acceleration
  network: string | undefined
  memoryMiB: number
  timeoutMs: number
  /** Asked before an existing domain of the same name is destroyed and replaced; throws to refuse. */
  confirmReplace?: (name: string, state: string) => Promise<void>
  onProgress?: (message: string) => Promise<void>
}

export interface DemoResult {
  uri: string
  domain: string
  accel: Acceleration
  kernelRelease: string
  readyMarker: string
  bootSeconds: number
  /** What the guest printed on its serial console up to the ready marker. */
  console: string[]
  replacedExisting: boolean
  domains: DomainSummary[]
}

export async function runTinyDemo(options: DemoOptions): Promise<DemoResult> {
  const say = options.onProgress ?? (async () => {})
  const guest = await loadTinyGuest()
  const existing = (await listDomains(options.uri)).find((domain) => domain.name === options.name)
  if (existing) {
    await options.confirmReplace?.(existing.name, existing.state)
    await say(`replacing the previous demo domain ${options.name} (${existing.state})`)
    // Undefining a running domain would leave it running as a transient one.
    if (existing.state === 'running' || existing.state === 'paused') await virsh(options.uri, ['destroy', options.name])
    await virsh(options.uri, ['undefine', options.name])
  }

  const xml = kernelBootDomainXml({
    name: options.name,
    memoryMiB: options.memoryMiB,
    vcpus: 1,
    accel: options.accel,
    kernel: guest.kernel,
    initrd: guest.initrd,
    cmdline: guest.cmdline,
    network: options.network,
    metadata: { owner: userInfo().username, createdAt: new Date().toISOString(), image: `hv-test-guest:tiny:${guest.key}` },
  })
  await say(`defining ${options.name} on ${options.uri} (${options.accel === 'tcg' ? 'TCG, software emulation' : 'KVM'})`)
  await defineDomain(options.uri, xml)

  await say(`starting ${options.name} and watching its serial console for ${guest.readyMarker}`)
  const started = performance.now()
  // `virsh console` needs a terminal: `script` gives it one. The URI and name
  // reach virsh through the environment, never through the shell string.
  const consoleOutput = await watchOutput('script', ['-qfec', 'exec virsh -c "$HV_LIBVIRT_URI" start "$HV_DOMAIN" --console', '/dev/null'], {
    env: { HV_LIBVIRT_URI: options.uri, HV_DOMAIN: options.name },
    timeoutMs: options.timeoutMs,
    until: (output) => output.includes(guest.readyMarker),
    waitingFor: `${guest.readyMarker} on the console of ${options.name}`,
  })
  const bootSeconds = Math.round((performance.now() - started) / 100) / 10

  return {
    uri: options.uri,
    domain: options.name,
    accel: options.accel,
    kernelRelease: guest.kernelRelease,
    readyMarker: guest.readyMarker,
    bootSeconds,
    console: consoleOutput
      .replaceAll('\r', '')
      .split('\n')
      .filter((line) => line.startsWith('tiny-guest:') || line.includes(guest.readyMarker)),
    replacedExisting: existing !== undefined,
    domains: await listDomains(options.uri),
  }
}
