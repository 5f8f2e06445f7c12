import { join } from 'node:path'
import { z } from 'zod'
import { readValidatedJson } from '../config/json-file.js'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { AbsolutePath } from '../libvirt/names.js'

export const DEFAULT_GUEST_CACHE = '/var/cache/hyper-nixos/guests'

/** manifest.json written by scripts/guests/build-tiny-guest.sh. */
export const TinyGuestManifest = z.object({
  name: z.literal('tiny'),
  key: z.string(),
  kernel: AbsolutePath,
  initrd: AbsolutePath,
  cmdline: z.string(),
  readyMarker: z.string().min(1),
  kernelRelease: z.string(),
})
export type TinyGuestManifest = z.infer<typeof TinyGuestManifest>

export function guestCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HV_GUEST_CACHE || DEFAULT_GUEST_CACHE
}

export async function loadTinyGuest(cacheDir = guestCacheDir()): Promise<TinyGuestManifest> {
  const path = join(cacheDir, 'tiny', 'current', 'manifest.json')
  const manifest = await readValidatedJson(path, TinyGuestManifest, 'rebuild it: sudo scripts/guests/build-tiny-guest.sh --force')
  if (!manifest) {
    throw new HvError('GUEST_NOT_BUILT', `the tiny test guest is not built (no ${path})`, {
      exitCode: ExitCode.MISSING_DEPENDENCY,
      suggestions: ['sudo hv dev setup'],
    })
  }
  return manifest
}
