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

/** A record hv keeps in a domain's metadata: one element in a namespace of its own, validated both ways. */
interface MetadataRecord<T> {
  namespace: string
  /** The XML prefix libvirt writes the element with. */
  key: string
  element: string
  schema: z.ZodType<T>
}

async function writeRecord<T>(uri: string, name: string, record: MetadataRecord<T>, value: T): Promise<void> {
  const xml = builder.build({ [record.element]: record.schema.parse(value) }) as string
  const live = (await domainState(uri, name)) === 'running' ? ['--live'] : []
  await virsh(uri, ['metadata', name, '--uri', record.namespace, '--key', record.key, '--set', xml, '--config', ...live])
}

/** The record, or undefined when there is none (or it is not valid). */
async function readRecord<T>(uri: string, name: string, record: MetadataRecord<T>): Promise<T | undefined> {
  const { stdout, exitCode } = await virsh(uri, ['metadata', name, '--uri', record.namespace], { allowedExitCodes: [1] })
  if (exitCode !== 0 || !stdout.trim()) return undefined
  const parsed = record.schema.safeParse((parser.parse(stdout) as Record<string, unknown>)[record.element])
  return parsed.success ? parsed.data : undefined
}

const READY_RECORD: MetadataRecord<Readiness> = { namespace: READY_NAMESPACE, key: 'hvready', element: 'ready', schema: Readiness }

export async function recordReadiness(uri: string, name: string, readiness: Readiness): Promise<void> {
  await writeRecord(uri, name, READY_RECORD, readiness)
}

/** The recorded readiness, or undefined when the guest never reported (or the record is not valid). */
export async function readReadiness(uri: string, name: string): Promise<Readiness | undefined> {
  await domainState(uri, name)
  return readRecord(uri, name, READY_RECORD)
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

const PHONE_HOME_RECORD: MetadataRecord<ExpectedPhoneHome> = { namespace: PHONE_HOME_NAMESPACE, key: 'hvphonehome', element: 'phonehome', schema: ExpectedPhoneHome }

export async function recordExpectedPhoneHome(uri: string, name: string, expected: ExpectedPhoneHome): Promise<void> {
  await writeRecord(uri, name, PHONE_HOME_RECORD, expected)
}

export async function readExpectedPhoneHome(uri: string, name: string): Promise<ExpectedPhoneHome | undefined> {
  return readRecord(uri, name, PHONE_HOME_RECORD)
}
