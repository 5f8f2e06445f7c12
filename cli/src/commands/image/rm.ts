import { Args } from '@oclif/core'
import { type CachedImage, removeCached } from '../../lib/images/store.js'
import { HvCommand } from '../../base-command.js'

export default class ImageRm extends HvCommand {
  static override summary = 'remove a pulled image from your cache (VMs made from it keep their pool copy)'
  static override examples = ['<%= config.bin %> <%= command.id %> debian:12', '<%= config.bin %> <%= command.id %> 3f2a9c01']
  static override args = { image: Args.string({ description: 'an alias, URL, or the first digits of its sha256', required: true }) }

  async run(): Promise<CachedImage> {
    const { args } = await this.parse(ImageRm)
    const image = await removeCached(args.image)
    this.log(`${this.theme.symbols.ok} removed ${image.alias ?? image.url}`)
    return image
  }
}
