/**
 * `hv vm create` with cloud-init: a NoCloud seed with the user and SSH keys, and — with
 * `--wait cloud-init` — a phone-home listener on the VM network's host address, so that
 * hv learns the guest's address and SSH host key the moment cloud-init finishes.
 * Without `--wait` the seed still names a phone-home URL (a port free at creation), kept
 * in the domain's metadata, where a later `hv vm wait --for cloud-init` listens.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openPhoneHomeListener, type PhoneHomeListener } from '../cloud-init/phone-home.js'
import { buildSeed, writeSeedIso } from '../cloud-init/seed.js'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { networkHostAddress } from '../libvirt/networks.js'
import { type CreateRequest, type CreateResult, createVm } from './create.js'
import { type Readiness, recordExpectedPhoneHome, recordReadiness } from './readiness.js'

/**
 * cloud-init retries a phone home nobody answers every 3 s: 40 tries keep the report
 * available for about two minutes after cloud-init finishes, for an `hv vm wait` started
 * late (the retries delay nothing but cloud-init's own completion).
 */
const LATE_PHONE_HOME_TRIES = 40

export interface CloudInitRequest {
  user: string
  sshKeys: string[]
  userDataFile?: string
  /** Start the VM and wait until cloud-init reports (phone home). */
  wait: boolean
  timeoutMs: number
  phoneHomePorts: readonly [number, number]
}

export interface ProvisionResult extends CreateResult {
  instanceId: string
  readiness: Readiness | undefined
  /** Seconds from `virsh start` to the phone-home report. */
  readySeconds: number | undefined
}

export async function createWithCloudInit(
  uri: string,
  request: CreateRequest,
  cloudInit: CloudInitRequest,
  say: (message: string) => Promise<void> = async () => {},
): Promise<ProvisionResult> {
  const instanceId = `${request.name}-${randomUUID().slice(0, 8)}`
  // QEMU's locally administered prefix; the seed's network-config matches this NIC by it.
  const mac = `52:54:00:${[...randomBytes(3)].map((byte) => byte.toString(16).padStart(2, '0')).join(':')}`
  const dir = await mkdtemp(join(tmpdir(), 'hv-seed-'))
  let listener: PhoneHomeListener | undefined
  let laterPhoneHome: string | undefined
  try {
    if (cloudInit.wait) {
      if (!request.network) {
        throw new HvError('INVALID_ARGUMENT', '--wait cloud-init needs a network: the guest reports to hv over it', {
          exitCode: ExitCode.INVALID_ARGUMENT,
          suggestions: ['drop --no-network, or create without --wait'],
        })
      }
      const host = await networkHostAddress(uri, request.network)
      listener = await openPhoneHomeListener({ host, ports: cloudInit.phoneHomePorts, instanceId })
    } else if (request.network) {
      // Only to choose a port that is free now: the listener goes at once, `hv vm wait` opens it again.
      const probe = await openPhoneHomeListener({ host: await networkHostAddress(uri, request.network), ports: cloudInit.phoneHomePorts, instanceId }).catch(() => undefined)
      probe?.close()
      if (probe) laterPhoneHome = probe.url
    }
    const userData = cloudInit.userDataFile ? await readFile(cloudInit.userDataFile, 'utf8') : undefined
    const seed = buildSeed({
      vmName: request.name,
      instanceId,
      user: cloudInit.user,
      sshKeys: cloudInit.sshKeys,
      userData,
      ...(request.network ? { macAddress: mac } : {}),
      ...(listener ? { phoneHome: { url: listener.url } } : laterPhoneHome ? { phoneHome: { url: laterPhoneHome, tries: LATE_PHONE_HOME_TRIES } } : {}),
    })
    const seedIso = join(dir, 'seed.iso')
    await writeSeedIso(seed, seedIso)
    const started = performance.now()
    const created = await createVm(uri, { ...request, mac, seedIso, start: request.start || cloudInit.wait }, say)
    if (laterPhoneHome) await recordExpectedPhoneHome(uri, request.name, { url: laterPhoneHome, instanceId, user: cloudInit.user })
    if (!listener) return { ...created, instanceId, readiness: undefined, readySeconds: undefined }
    await say(`waiting for ${request.name} to report ready (cloud-init phone home to ${listener.url})`)
    const report = await listener.wait(cloudInit.timeoutMs)
    const readySeconds = Math.round((performance.now() - started) / 100) / 10
    const readiness: Readiness = { address: report.address, user: cloudInit.user, hostKey: report.hostKey, reportedAt: report.receivedAt }
    await recordReadiness(uri, request.name, readiness)
    return { ...created, instanceId, readiness, readySeconds }
  } finally {
    listener?.close()
    await rm(dir, { recursive: true, force: true })
  }
}
