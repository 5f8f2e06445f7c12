import { CATALOG } from '../../lib/images/catalog.js'
import { type CachedImage, imageCacheDir, listCached } from '../../lib/images/store.js'
import { renderTable } from '../../lib/text/table.js'
import { HvCommand } from '../../base-command.js'

export interface ImageListResult {
  cacheDir: string
  aliases: { alias: string; description: string; cached: boolean }[]
  cached: CachedImage[]
}

export default class ImageList extends HvCommand {
  static override summary = 'list the known image aliases and the images you have pulled'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ImageListResult> {
    await this.parse(ImageList)
    const cacheDir = imageCacheDir()
    const cached = await listCached(cacheDir)
    const aliases = CATALOG.map((entry) => ({ alias: entry.alias, description: entry.description, cached: cached.some((image) => image.alias === entry.alias) }))
    for (const line of renderTable([['ALIAS', 'CACHED', 'DESCRIPTION'], ...aliases.map((entry) => [entry.alias, entry.cached ? 'yes' : '-', entry.description])])) this.log(line)
    const others = cached.filter((image) => !image.alias)
    if (others.length > 0) {
      this.log('')
      for (const line of renderTable([['URL', 'SHA256', 'MiB'], ...others.map((image) => [image.url, image.sha256.slice(0, 12), (image.bytes / 1048576).toFixed(0)])])) this.log(line)
    }
    return { cacheDir, aliases, cached }
  }
}
