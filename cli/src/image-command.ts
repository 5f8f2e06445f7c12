import { Flags } from '@oclif/core'
import { HvCommand } from './base-command.js'
import { type ImagePool, imageCacheDir, imagePool } from './lib/images/store.js'
import { vmTarget } from './lib/vm/target.js'

/** Where `hv image` keeps images: the pool on the system daemon, else the per-user cache (lib/images/store.ts). */
export interface ImageCache {
  cacheDir: string
  pool: ImagePool | undefined
  /** hv.json's site mirror, when the host names one. */
  registry: string | undefined
}

export abstract class ImageCommand extends HvCommand {
  static override baseFlags = {
    ...HvCommand.baseFlags,
    pool: Flags.string({ description: 'the storage pool images go to on the system daemon (default: hv.json, else hypervisor)', helpGroup: 'GLOBAL' }),
  }

  protected async imageCache(connectFlag: string | undefined, poolFlag: string | undefined): Promise<ImageCache> {
    const target = await vmTarget(await this.connection(connectFlag))
    const pool = await imagePool(target.uri, poolFlag ?? target.pool)
    this.verbose(pool ? `images: pool ${pool.pool} on ${pool.uri}` : `images: per-user cache ${imageCacheDir()} (${target.uri} is not the system daemon or has no pool ${poolFlag ?? target.pool})`)
    return { cacheDir: imageCacheDir(), pool, registry: target.imageRegistry }
  }
}
