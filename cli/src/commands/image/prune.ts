import { Flags } from '@oclif/core'
import { pruneCache } from '../../lib/images/store.js'
import { HvCommand } from '../../base-command.js'

export default class ImagePrune extends HvCommand {
  static override summary = 'remove interrupted downloads from your image cache (--all: every image)'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --all']
  static override flags = { all: Flags.boolean({ description: 'also remove every pulled image', default: false }) }

  async run(): Promise<{ removed: string[] }> {
    const { flags } = await this.parse(ImagePrune)
    const result = await pruneCache({ all: flags.all })
    this.log(result.removed.length === 0 ? 'nothing to remove' : `${this.theme.symbols.ok} removed ${result.removed.length} files`)
    return result
  }
}
