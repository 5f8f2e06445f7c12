import { join } from 'node:path'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { readValidatedJson } from './json-file.js'
import { DEFAULT_HYPERVISOR_ROOT, hypervisorRoot } from './paths.js'
import { HostConfig, LibvirtUri } from './schemas.js'

export const DEFAULT_HOST_CONFIG_PATH = join(DEFAULT_HYPERVISOR_ROOT, 'hv.json')

export type UriSource = 'flag' | 'env' | 'host-config' | 'libvirt-default'

/** Which libvirt URI hv talks to, and why: shown by --verbose and in --json results. */
export interface Connection {
  /** undefined means "libvirt's own default" (qemu:///system for root, qemu:///session otherwise). */
  uri: string | undefined
  source: UriSource
  storagePool: string | undefined
  network: string | undefined
  hostConfigPath: string
  hostConfigFound: boolean
}

export interface ConnectionInputs {
  connectFlag: string | undefined
  env: NodeJS.ProcessEnv
  hostConfigPath?: string
}

/** hv.json's path: HV_HOST_CONFIG names the file, else it is in HYPERVISOR_ROOT (default /etc/hypervisor). */
export function hostConfigPath(env: NodeJS.ProcessEnv): string {
  return env.HV_HOST_CONFIG || join(hypervisorRoot(env), 'hv.json')
}

export function loadHostConfig(path: string): Promise<HostConfig | undefined> {
  return readValidatedJson(path, HostConfig, `fix ${path}, or regenerate it with nixos-rebuild switch`)
}

function validUri(value: string, from: string): string {
  const parsed = LibvirtUri.safeParse(value)
  if (!parsed.success) {
    throw new HvError('INVALID_ARGUMENT', `${from} "${value}" is not a libvirt URI`, {
      exitCode: ExitCode.INVALID_ARGUMENT,
      suggestions: ['use a URI such as qemu:///system or qemu+ssh://user@host/system'],
    })
  }
  return parsed.data
}

/**
 * Precedence, lowest first: hv.json (the host's defaults), LIBVIRT_DEFAULT_URI
 * (the user's environment), --connect (this invocation).
 */
export async function resolveConnection(inputs: ConnectionInputs): Promise<Connection> {
  const path = inputs.hostConfigPath ?? hostConfigPath(inputs.env)
  const host = await loadHostConfig(path)
  const base = {
    storagePool: host?.storagePool,
    network: host?.network,
    hostConfigPath: path,
    hostConfigFound: host !== undefined,
  }
  if (inputs.connectFlag !== undefined) return { ...base, uri: validUri(inputs.connectFlag, '--connect'), source: 'flag' }
  const fromEnv = inputs.env.LIBVIRT_DEFAULT_URI
  if (fromEnv) return { ...base, uri: validUri(fromEnv, 'LIBVIRT_DEFAULT_URI'), source: 'env' }
  if (host?.uri) return { ...base, uri: host.uri, source: 'host-config' }
  return { ...base, uri: undefined, source: 'libvirt-default' }
}

export function describeConnection(connection: Connection): string {
  const uri = connection.uri ?? "libvirt's default URI"
  const why: Record<UriSource, string> = {
    flag: 'from --connect',
    env: 'from LIBVIRT_DEFAULT_URI',
    'host-config': `from ${connection.hostConfigPath}`,
    'libvirt-default': `no --connect, LIBVIRT_DEFAULT_URI or ${connection.hostConfigPath}`,
  }
  return `libvirt: ${uri} (${why[connection.source]})`
}
