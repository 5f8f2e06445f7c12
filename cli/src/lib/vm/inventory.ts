/**
 * What `hv vm list` and `hv vm info` show, read in a constant number of virsh processes:
 * one for the states, sizes and autostart flags of every domain, one for every domain's hv
 * metadata element and addresses. Domains created by other tools (virt-manager, NixVirt)
 * are listed too; hv's metadata, when present, says who owns a VM and what hv created for it.
 */
import { XMLParser } from 'fast-xml-parser'
import { type DomainDescription, HV_METADATA_NAMESPACE, parseDomainXml } from '../libvirt/domain-xml.js'
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
}

export interface VmDetails extends VmSummary {
  uuid: string | undefined
  description: DomainDescription
  snapshots: string[]
}

export interface DomainStats {
  state: string
  /** balloon.maximum: the memory the domain is defined with. */
  memoryMiB: number
  vcpus: number
}

/** `domstats --raw --state [--balloon --vcpu]` → name → stats (libvirt reports memory in KiB). */
export function parseDomstats(text: string): Map<string, DomainStats> {
  const domains = new Map<string, DomainStats>()
  let current: DomainStats | undefined
  for (const line of text.split('\n')) {
    const domain = /^Domain: '(.*)'$/.exec(line.trim())
    if (domain) {
      current = { state: STATES[0], memoryMiB: 0, vcpus: 0 }
      domains.set(domain[1] ?? '', current)
      continue
    }
    const field = /^([\w.]+)=(\d+)$/.exec(line.trim())
    if (!field || !current) continue
    const value = Number(field[2])
    if (field[1] === 'state.state') current.state = STATES[value] ?? `state ${value}`
    else if (field[1] === 'balloon.maximum') current.memoryMiB = Math.round(value / 1024)
    else if (field[1] === 'vcpu.current') current.vcpus = value
  }
  return domains
}

/** `domstats --raw --state` → name → state. */
export function parseDomstatsStates(text: string): Map<string, string> {
  return new Map([...parseDomstats(text)].map(([name, stats]) => [name, stats.state]))
}

const metadataParser = new XMLParser({ ignoreAttributes: true, parseTagValue: false })

/**
 * The owner in hv's metadata element, as `virsh metadata --uri urn:hyper-nixos:hv:1` prints
 * it (the element alone, without namespace prefix); undefined when there is none.
 */
export function parseMetadataOwner(xml: string): string | undefined {
  if (!xml.trim()) return undefined
  try {
    const owner = (metadataParser.parse(xml) as { instance?: { owner?: unknown } }).instance?.owner
    return typeof owner === 'string' && owner.length > 0 && owner.length <= 64 ? owner : undefined
  } catch {
    return undefined // not our element: no owner
  }
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

async function statsAndAutostart(uri: string): Promise<{ stats: Map<string, DomainStats>; autostart: Set<string> }> {
  const [stats = '', autostart = ''] = await virshBatch(uri, [
    ['domstats', '--raw', '--state', '--balloon', '--vcpu'],
    ['list', '--all', '--autostart', '--name'],
  ])
  return { stats: parseDomstats(stats), autostart: new Set(names(autostart)) }
}

/**
 * Every domain of the connection, or only those `owner` created with hv. Sizes come from
 * domstats and the owner from hv's metadata element alone (not the whole domain XML), so a
 * listing stays cheap with hundreds of domains.
 */
export async function listVms(uri: string, options: { owner?: string } = {}): Promise<VmSummary[]> {
  const { stats, autostart } = await statsAndAutostart(uri)
  const domains = [...stats]
  const commands = domains.flatMap(([name, entry]) => [
    ['metadata', name, '--uri', HV_METADATA_NAMESPACE],
    entry.state === 'running' ? ['domifaddr', name, '--source', 'lease'] : ['echo'],
  ])
  const outputs = await virshBatch(uri, commands)
  const vms: VmSummary[] = []
  domains.forEach(([name, entry], index) => {
    const vm: VmSummary = {
      name,
      state: entry.state,
      vcpus: entry.vcpus,
      memoryMiB: entry.memoryMiB,
      autostart: autostart.has(name),
      owner: parseMetadataOwner(outputs[index * 2] ?? ''),
      ips: parseDomifaddr(outputs[index * 2 + 1] ?? ''),
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
  const description = parseDomainXml(xml)
  return {
    name,
    state,
    vcpus: description.vcpus,
    memoryMiB: description.memoryMiB,
    autostart: names(autostart).includes(name),
    owner: description.hv?.owner,
    ips: state === 'running' ? parseDomifaddr(addresses) : [],
    uuid: description.uuid,
    description,
    snapshots: names(snapshots),
  }
}

export interface DescribedDomain {
  state: string
  description: DomainDescription
}

/**
 * Every domain's state and description (from its persistent XML), by name: the VM a delete
 * or clone acts on, and who else uses a volume, in two virsh processes.
 */
export async function describeAll(uri: string): Promise<Map<string, DescribedDomain>> {
  const { stats } = await statsAndAutostart(uri)
  const domains = [...stats]
  const documents = await virshBatch(uri, domains.map(([name]) => ['dumpxml', '--inactive', name]))
  const described = new Map<string, DescribedDomain>()
  domains.forEach(([name, entry], index) => {
    if (documents[index]) described.set(name, { state: entry.state, description: parseDomainXml(documents[index]) })
  })
  return described
}
