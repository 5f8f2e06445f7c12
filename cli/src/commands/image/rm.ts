import { Args } from '@oclif/core'
import { type CachedImage, removeCached } from '../../lib/images/store.js'
import { ImageCommand } from '../../image-command.js'

export default class ImageRm extends ImageCommand {
  static override summary = 'remove a pulled image (in the pool: refused while VMs are made from it)'
  static override examples = ['<%= config.bin %> <%= command.id %> debian:12', '<%= config.bin %> <%= command.id %> 3f2a9c01']
  static override args = { image: Args.string({ description: 'an alias, URL, or the first digits of its sha256', required: true }) }

  async run(): Promise<CachedImage> {
    const { args, flags } = await this.parse(ImageRm)
    const cache = await this.imageCache(flags.connect, flags.pool)
    const image = await removeCached(args.image, cache.cacheDir, cache.pool)
    this.log(`${this.theme.symbols.ok} removed ${image.alias ?? image.url}`)
    return image
  }
}
