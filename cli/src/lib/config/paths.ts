import { resolve } from 'node:path'

/** Where the NixOS modules write what hv reads on a host: hv.json, features.json, security.json, phase. */
export const DEFAULT_HYPERVISOR_ROOT = '/etc/hypervisor'

/** The host's Hyper-NixOS directory: HYPERVISOR_ROOT relocates it (tests, dev machines), as in scripts/lib/common.sh. */
export function hypervisorRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.HYPERVISOR_ROOT ? resolve(env.HYPERVISOR_ROOT) : DEFAULT_HYPERVISOR_ROOT
}
