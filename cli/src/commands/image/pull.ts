import { Args, Flags } from '@oclif/core'
import { ImageCommand } from '../../image-command.js'
import { registryFlag } from '../../image-flags.js'
import { type PullResult, pullImage } from '../../lib/images/store.js'

export default class ImagePull extends ImageCommand {
  static override summary = 'download a cloud image, verified against its published checksum'
  static override description = `Resolves an alias (hv image list shows them) to the official image and the checksum list published beside it, or takes a URL with --sha256. The download streams to a partial file while its checksum is computed, resumes after an interruption (run the same command again), and becomes the cached image only once verified. Two pulls of one image share one download.

On the system daemon the verified image enters the storage pool once, as a base volume every operator's VMs share (the staged download is then removed); elsewhere it stays in your per-user cache.

An image that cannot be verified is refused unless --insecure.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> debian:12',
    '<%= config.bin %> <%= command.id %> https://example.org/disk.qcow2 --sha256 0123abcd...',
    '<%= config.bin %> <%= command.id %> ubuntu:24.04 --registry http://mirror.lan/images --json',
  ]
  static override args = { image: Args.string({ description: 'an alias such as ubuntu:24.04, or an http(s) URL', required: true }) }
  static override flags = {
    sha256: Flags.string({ description: 'the expected SHA-256 of a URL' }),
    insecure: Flags.boolean({ description: 'accept an image that cannot be verified (you are warned)', default: false }),
    registry: registryFlag,
  }

  async run(): Promise<PullResult> {
    const { args, flags } = await this.parse(ImagePull)
    if (flags.insecure) this.logToStderr(this.theme.warning(`${this.theme.symbols.warn} --insecure: the image will not be verified; use it only if you trust its source otherwise`))
    let lastShown = 0
    const cache = await this.imageCache(flags.connect, flags.pool)
    const result = await pullImage({
      reference: args.image,
      sha256: flags.sha256,
      insecure: flags.insecure,
      registry: flags.registry ?? cache.registry,
      onProgress: (progress) => {
        if (this.jsonEnabled()) {
          // Progress events as JSON lines on stderr; stdout keeps the result.
          process.stderr.write(`${JSON.stringify({ event: 'progress', ...progress })}\n`)
        } else if (process.stderr.isTTY && Date.now() - lastShown > 200) {
          lastShown = Date.now()
          const percent = progress.totalBytes ? ` ${Math.floor((progress.receivedBytes / progress.totalBytes) * 100)}%` : ''
          process.stderr.write(`\r  ${(progress.receivedBytes / 1048576).toFixed(1)} MiB${percent}   `)
        }
      },
    }, cache.cacheDir, cache.pool)
    if (process.stderr.isTTY && !this.jsonEnabled()) process.stderr.write('\n')
    const how = result.reusedExisting ? 'already cached' : result.resumedFromBytes > 0 ? `resumed at ${result.resumedFromBytes} bytes` : 'downloaded'
    this.log(`${this.theme.symbols.ok} ${result.image.alias ?? result.image.url}: ${how}, ${result.unverified ? 'NOT verified' : `verified (${result.image.verifiedWith})`}`)
    this.log(`  sha256 ${result.image.sha256}`)
    if (result.base) this.log(`  in pool ${result.base.pool} as ${result.base.volume}`)
    return result
  }
}
