import { CATALOG } from '../../lib/images/catalog.js'
import { type CachedImage, listCached, type PoolImage, poolImages } from '../../lib/images/store.js'
import { renderTable } from '../../lib/text/table.js'
import { ImageCommand } from '../../image-command.js'

export interface ImageListResult {
  cacheDir: string
  aliases: { alias: string; description: string; cached: boolean }[]
  cached: CachedImage[]
  /** On the system daemon: the pool's base volumes, with the VM disks made from each. */
  pool?: { name: string; images: PoolImage[] }
}

export default class ImageList extends ImageCommand {
  static override summary = 'list the known image aliases, the images you have pulled, and the pool\'s base images'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ImageListResult> {
    const { flags } = await this.parse(ImageList)
    const { cacheDir, pool } = await this.imageCache(flags.connect, flags.pool)
    const cached = await listCached(cacheDir)
    const aliases = CATALOG.map((entry) => ({ alias: entry.alias, description: entry.description, cached: cached.some((image) => image.alias === entry.alias) }))
    for (const line of renderTable([['ALIAS', 'CACHED', 'DESCRIPTION'], ...aliases.map((entry) => [entry.alias, entry.cached ? 'yes' : '-', entry.description])])) this.log(line)
    const others = cached.filter((image) => !image.alias)
    if (others.length > 0) {
      this.log('')
      for (const line of renderTable([['URL', 'SHA256', 'MiB'], ...others.map((image) => [image.url, image.sha256.slice(0, 12), (image.bytes / 1048576).toFixed(0)])])) this.log(line)
    }
    if (!pool) return { cacheDir, aliases, cached }
    const images = await poolImages(pool)
    if (images.length > 0) {
      this.log('')
      const pulledAs = (volume: string) => {
        const record = cached.find((image) => image.volume?.volume === volume)
        return record?.alias ?? record?.url ?? '(another user, or a local file)'
      }
      const rows = images.map((image) => [image.volume, pulledAs(image.volume), image.usedBy.length === 0 ? '-' : image.usedBy.join(' ')])
      for (const line of renderTable([[`POOL ${pool.pool}`, 'PULLED AS', 'VM DISKS ON IT'], ...rows])) this.log(line)
    }
    return { cacheDir, aliases, cached, pool: { name: pool.pool, images } }
  }
}
