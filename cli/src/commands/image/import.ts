import { Args } from '@oclif/core'
import { resolve } from 'node:path'
import { HvCommand } from '../../base-command.js'
import { type CachedImage, importImage } from '../../lib/images/store.js'

export default class ImageImport extends HvCommand {
  static override summary = 'add a local disk image to your image cache (checked with qemu-img, named by its sha256)'
  static override examples = ['<%= config.bin %> <%= command.id %> ./my-appliance.qcow2']
  static override args = { file: Args.string({ description: 'a qcow2 or raw image without a backing file', required: true }) }

  async run(): Promise<CachedImage> {
    const { args } = await this.parse(ImageImport)
    const image = await importImage(resolve(args.file))
    this.log(`${this.theme.symbols.ok} imported ${args.file}\n  sha256 ${image.sha256}`)
    return image
  }
}
