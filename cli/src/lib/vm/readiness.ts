/**
 * What a guest reported when it became ready (address, SSH host key, login user), kept in
 * the domain's own metadata under hv's readiness namespace: `hv vm ip` and `hv vm ssh` read
 * it back, from any process, without asking the guest again.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser'
import { z } from 'zod'
import { ED25519_KEY_LINE, USER_NAME } from '../cloud-init/login.js'
import { virsh } from '../libvirt/virsh.js'
import { domainState } from './lifecycle.js'

export const READY_NAMESPACE = 'urn:hyper-nixos:hv:ready:1'

export const Readiness = z
  .object({
    address: z.union([z.ipv4(), z.ipv6()]),
    user: z.string().regex(USER_NAME),
    hostKey: z.string().regex(ED25519_KEY_LINE),
    reportedAt: z.iso.datetime(),
  })
  .strict()
export type Readiness = z.infer<typeof Readiness>

const builder = new XMLBuilder({ processEntities: true })
const parser = new XMLParser({ parseTagValue: false })

export async function recordReadiness(uri: string, name: string, readiness: Readiness): Promise<void> {
  const xml = builder.build({ ready: Readiness.parse(readiness) }) as string
  const live = (await domainState(uri, name)) === 'running' ? ['--live'] : []
  await virsh(uri, ['metadata', name, '--uri', READY_NAMESPACE, '--key', 'hvready', '--set', xml, '--config', ...live])
}

/** The recorded readiness, or undefined when the guest never reported (or the record is not valid). */
export async function readReadiness(uri: string, name: string): Promise<Readiness | undefined> {
  await domainState(uri, name)
  const { stdout, exitCode } = await virsh(uri, ['metadata', name, '--uri', READY_NAMESPACE], { allowedExitCodes: [1] })
  if (exitCode !== 0 || !stdout.trim()) return undefined
  const parsed = Readiness.safeParse((parser.parse(stdout) as { ready?: unknown }).ready)
  return parsed.success ? parsed.data : undefined
}
