import { Flags } from '@oclif/core'
import { pruneCache } from '../../lib/images/store.js'
import { ImageCommand } from '../../image-command.js'

export default class ImagePrune extends ImageCommand {
  static override summary = 'remove interrupted downloads (--all: every image no VM is made from)'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --all']
  static override flags = { all: Flags.boolean({ description: 'also remove every pulled image; in the pool, every base volume no VM disk uses', default: false }) }

  async run(): Promise<{ removed: string[]; kept: string[] }> {
    const { flags } = await this.parse(ImagePrune)
    const cache = await this.imageCache(flags.connect, flags.pool)
    const result = await pruneCache({ all: flags.all }, cache.cacheDir, cache.pool)
    this.log(result.removed.length === 0 ? 'nothing to remove' : `${this.theme.symbols.ok} removed ${result.removed.join(', ')}`)
    if (result.kept.length > 0) this.log(`kept (VMs are made from them): ${result.kept.join(', ')}`)
    return result
  }
}
