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
/** Where a guest created without waiting will phone home, so that a later `hv vm wait --for cloud-init` can listen there. */
export const PHONE_HOME_NAMESPACE = 'urn:hyper-nixos:hv:phone-home:1'

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

/** The phone-home a seed asks for: URL (host address and port of the VM network) and the login user. */
export const ExpectedPhoneHome = z
  .object({
    url: z.url({ protocol: /^http$/ }),
    instanceId: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/),
    user: z.string().regex(USER_NAME),
  })
  .strict()
export type ExpectedPhoneHome = z.infer<typeof ExpectedPhoneHome>

export async function recordExpectedPhoneHome(uri: string, name: string, expected: ExpectedPhoneHome): Promise<void> {
  const xml = builder.build({ phonehome: ExpectedPhoneHome.parse(expected) }) as string
  const live = (await domainState(uri, name)) === 'running' ? ['--live'] : []
  await virsh(uri, ['metadata', name, '--uri', PHONE_HOME_NAMESPACE, '--key', 'hvphonehome', '--set', xml, '--config', ...live])
}

export async function readExpectedPhoneHome(uri: string, name: string): Promise<ExpectedPhoneHome | undefined> {
  const { stdout, exitCode } = await virsh(uri, ['metadata', name, '--uri', PHONE_HOME_NAMESPACE], { allowedExitCodes: [1] })
  if (exitCode !== 0 || !stdout.trim()) return undefined
  const parsed = ExpectedPhoneHome.safeParse((parser.parse(stdout) as { phonehome?: unknown }).phonehome)
  return parsed.success ? parsed.data : undefined
}
