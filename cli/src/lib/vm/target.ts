/**
 * Where `hv vm` works: the libvirt URI (--connect, LIBVIRT_DEFAULT_URI, hv.json, then
 * libvirt's default), the storage pool and network for new VMs, and the VM defaults the
 * host's features chose (hv.json).
 */
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { type Connection, loadHostConfig } from '../config/connection.js'
import type { VmDefaults } from '../config/schemas.js'

export const DEFAULT_POOL = 'hypervisor'
export const DEFAULT_NETWORK = 'default'
/** The ports guests phone home to when hv.json names none (the module's default range). */
export const DEFAULT_PHONE_HOME_PORTS: readonly [number, number] = [42420, 42439]
const SYSTEM_SOCKETS = ['/run/libvirt/libvirt-sock', '/var/run/libvirt/libvirt-sock']

export interface VmTarget {
  uri: string
  pool: string
  network: string
  /** hv.json's site mirror for image aliases (--registry and HV_IMAGE_REGISTRY come first). */
  imageRegistry: string | undefined
  defaults: VmDefaults
  /** Ports guests phone home to (hv.json on a host, where the firewall opens them on VM bridges). */
  phoneHomePorts: readonly [number, number]
  /** Set when a non-root user landed on qemu:///session while a system daemon exists. */
  sessionWarning: string | undefined
}

async function systemDaemonRuns(): Promise<boolean> {
  for (const socket of SYSTEM_SOCKETS) {
    try {
      await access(socket, constants.F_OK)
      return true
    } catch {
      // not this one
    }
  }
  return false
}

export async function vmTarget(connection: Connection, isRoot = process.getuid?.() === 0): Promise<VmTarget> {
  const host = connection.hostConfigFound ? await loadHostConfig(connection.hostConfigPath) : undefined
  const uri = connection.uri ?? (isRoot ? 'qemu:///system' : 'qemu:///session')
  let sessionWarning: string | undefined
  if (connection.uri === undefined && !isRoot && (await systemDaemonRuns())) {
    sessionWarning =
      "libvirt: using your per-user daemon (qemu:///session) because nothing names a URI; the system daemon runs too. For the host's VMs use --connect qemu:///system (or LIBVIRT_DEFAULT_URI, or /etc/hypervisor/hv.json on a Hyper-NixOS host)."
  }
  return {
    uri,
    pool: connection.storagePool ?? DEFAULT_POOL,
    network: connection.network ?? DEFAULT_NETWORK,
    imageRegistry: host?.imageRegistry,
    defaults: host?.defaults ?? {},
    phoneHomePorts: host?.phoneHomePorts ? [host.phoneHomePorts.from, host.phoneHomePorts.to] : DEFAULT_PHONE_HOME_PORTS,
    sessionWarning,
  }
}
