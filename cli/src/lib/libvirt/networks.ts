import { XMLParser } from 'fast-xml-parser'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { virsh } from './virsh.js'

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_' })

/** The host's IPv4 address on a libvirt network (its bridge), where guests can reach hv. */
export async function networkHostAddress(uri: string, network: string): Promise<string> {
  const { stdout } = await virsh(uri, ['net-dumpxml', network])
  const ips = (parser.parse(stdout) as { network?: { ip?: unknown } }).network?.ip
  const list = (Array.isArray(ips) ? ips : ips ? [ips] : []) as Record<string, string>[]
  const ipv4 = list.find((ip) => (ip['@_family'] ?? 'ipv4') === 'ipv4' && ip['@_address'])
  if (!ipv4) {
    throw new HvError('NETWORK_NO_ADDRESS', `the network ${network} gives the host no IPv4 address: guests cannot report to hv`, {
      exitCode: ExitCode.INVALID_ARGUMENT,
      suggestions: ['use a NAT network such as "default", or create without --wait cloud-init'],
    })
  }
  return ipv4['@_address'] ?? ''
}
