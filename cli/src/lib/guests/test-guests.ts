/**
 * The test guests built by scripts/guests/build-*-guest.sh into the guest cache,
 * read back through their manifest.json.
 */
import { join } from 'node:path'
import { type ZodType, z } from 'zod'
import { readValidatedJson } from '../config/json-file.js'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { AbsolutePath } from '../libvirt/names.js'

export const DEFAULT_GUEST_CACHE = '/var/cache/hyper-nixos/guests'

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

export const CloudGuestManifest = z.object({
  name: z.literal('cloud'),
  key: z.string(),
  disk: AbsolutePath,
  kernel: AbsolutePath,
  initrd: AbsolutePath,
  cmdline: z.string(),
  kernelRelease: z.string(),
})
export type CloudGuestManifest = z.infer<typeof CloudGuestManifest>

export function guestCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HV_GUEST_CACHE || DEFAULT_GUEST_CACHE
}

async function loadGuest<T>(name: string, schema: ZodType<T>, cacheDir: string): Promise<T> {
  const path = join(cacheDir, name, 'current', 'manifest.json')
  const manifest = await readValidatedJson(path, schema, `rebuild it: sudo scripts/guests/build-${name}-guest.sh --force`)
  if (!manifest) {
    throw new HvError('GUEST_NOT_BUILT', `the ${name} test guest is not built (no ${path})`, {
      exitCode: ExitCode.MISSING_DEPENDENCY,
      suggestions: ['sudo hv dev setup'],
    })
  }
  return manifest
}

export function loadTinyGuest(cacheDir = guestCacheDir()): Promise<TinyGuestManifest> {
  return loadGuest('tiny', TinyGuestManifest, cacheDir)
}

export function loadCloudGuest(cacheDir = guestCacheDir()): Promise<CloudGuestManifest> {
  return loadGuest('cloud', CloudGuestManifest, cacheDir)
}
