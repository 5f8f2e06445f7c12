/**
 * What `hv vm list` and `hv vm info` show, read in a constant number of virsh processes:
 * one for the states and autostart flags of every domain, one for every domain's XML and
 * addresses. Domains created by other tools (virt-manager, NixVirt) are listed too; hv's
 * metadata, when present, says who owns a VM and what hv created for it.
 */
import { type DomainDescription, parseDomainXml } from '../libvirt/domain-xml.js'
import { virshBatch } from '../libvirt/virsh-batch.js'

/** libvirt's virDomainState, as `domstats --state` reports it. */
const STATES = ['no state', 'running', 'blocked', 'paused', 'shutting down', 'shut off', 'crashed', 'suspended'] as const

export interface VmSummary {
  name: string
  state: string
  vcpus: number
  memoryMiB: number
  autostart: boolean
  /** The Unix user who created it with hv; undefined for VMs hv did not create. */
  owner: string | undefined
  /** Addresses from the NAT network's DHCP leases (running VMs only). */
  ips: string[]
  /** Why the VM's XML could not be read (then vcpus and memory are 0): listing goes on. */
  problem?: string
}

export interface VmDetails extends VmSummary {
  uuid: string | undefined
  description: DomainDescription
  snapshots: string[]
}

/** `domstats --raw --state` → name → state. */
export function parseDomstatsStates(text: string): Map<string, string> {
  const states = new Map<string, string>()
  let current: string | undefined
  for (const line of text.split('\n')) {
    const domain = /^Domain: '(.*)'$/.exec(line.trim())
    if (domain) {
      current = domain[1] ?? ''
      states.set(current, STATES[0])
      continue
    }
    const state = /^state\.state=(\d+)$/.exec(line.trim())
    if (state && current !== undefined) states.set(current, STATES[Number(state[1])] ?? `state ${state[1]}`)
  }
  return states
}

/** The IPv4/IPv6 addresses (without prefix length) of `domifaddr` output. */
export function parseDomifaddr(text: string): string[] {
  return text
    .split('\n')
    .map((line) => /\s(ipv[46])\s+(\S+?)(?:\/\d+)?\s*$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => match[2] ?? '')
}

function names(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter(Boolean)
}

async function statesAndAutostart(uri: string): Promise<{ states: Map<string, string>; autostart: Set<string> }> {
  const [stats = '', autostart = ''] = await virshBatch(uri, [
    ['domstats', '--raw', '--state'],
    ['list', '--all', '--autostart', '--name'],
  ])
  return { states: parseDomstatsStates(stats), autostart: new Set(names(autostart)) }
}

function summary(name: string, state: string, autostart: boolean, xml: string, addresses: string): VmSummary & { description: DomainDescription } {
  const description = parseDomainXml(xml)
  return {
    name,
    state,
    vcpus: description.vcpus,
    memoryMiB: description.memoryMiB,
    autostart,
    owner: description.hv?.owner,
    ips: parseDomifaddr(addresses),
    description,
  }
}

/** Every domain of the connection, or only those `owner` created with hv. */
export async function listVms(uri: string, options: { owner?: string } = {}): Promise<VmSummary[]> {
  const { states, autostart } = await statesAndAutostart(uri)
  const domains = [...states.keys()].filter((name) => !name.includes('\n'))
  const commands = domains.flatMap((name) => [
    ['dumpxml', name],
    states.get(name) === 'running' ? ['domifaddr', name, '--source', 'lease'] : ['echo'],
  ])
  const outputs = await virshBatch(uri, commands)
  const vms: VmSummary[] = []
  domains.forEach((name, index) => {
    const xml = outputs[index * 2]
    if (!xml) return // undefined between the two calls
    let vm: VmSummary
    try {
      const { description: _description, ...rest } = summary(name, states.get(name) ?? 'no state', autostart.has(name), xml, outputs[index * 2 + 1] ?? '')
      vm = rest
    } catch (error) {
      // One unreadable (or tampered) domain must not hide the others.
      vm = { name, state: states.get(name) ?? 'no state', vcpus: 0, memoryMiB: 0, autostart: autostart.has(name), owner: undefined, ips: [], problem: (error as Error).message }
    }
    if (options.owner === undefined || vm.owner === options.owner) vms.push(vm)
  })
  return vms.sort((a, b) => a.name.localeCompare(b.name))
}

/** One domain in detail; undefined when there is none of that name. */
export async function vmDetails(uri: string, name: string): Promise<VmDetails | undefined> {
  const [stats = '', autostart = '', xml = '', addresses = '', snapshots = ''] = await virshBatch(uri, [
    ['domstats', '--raw', '--state', name],
    ['list', '--all', '--autostart', '--name'],
    ['dumpxml', name],
    ['domifaddr', name, '--source', 'lease'],
    ['snapshot-list', name, '--name'],
  ])
  if (!xml) return undefined
  const state = parseDomstatsStates(stats).get(name) ?? 'no state'
  const vm = summary(name, state, names(autostart).includes(name), xml, state === 'running' ? addresses : '')
  return { ...vm, uuid: vm.description.uuid, snapshots: names(snapshots) }
}

/** Every domain's description (from its XML), by name: who else uses a volume, before deleting it. */
export async function describeAll(uri: string): Promise<Map<string, DomainDescription>> {
  const { states } = await statesAndAutostart(uri)
  const domains = [...states.keys()]
  const documents = await virshBatch(uri, domains.map((name) => ['dumpxml', '--inactive', name]))
  const descriptions = new Map<string, DomainDescription>()
  domains.forEach((name, index) => {
    if (documents[index]) descriptions.set(name, parseDomainXml(documents[index]))
  })
  return descriptions
}
