/**
 * A local HTTP server posing as an image mirror (no internet here): `<registry>/<dir>/<file>`
 * serves a file from disk with its content-length, and the checksum list published beside
 * it. It records every request line, so a test can count downloads.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Mirror {
  /** The base URL, ending in `/`: what --registry takes. */
  registry: string
  /** `GET /path` lines, in order. */
  requests: string[]
  close(): void
}

export async function serveMirror(options: { directory: string; imageFile: string; imagePath: string; checksumFile: string; checksums: () => string }): Promise<Mirror> {
  const requests: string[] = []
  const server: Server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`)
    if (request.url === `/${options.directory}/${options.checksumFile}`) return void response.end(options.checksums())
    if (request.url === `/${options.directory}/${options.imageFile}`) {
      void stat(options.imagePath).then((info) => {
        response.setHeader('content-length', String(info.size))
        createReadStream(options.imagePath).pipe(response)
      })
      return
    }
    response.statusCode = 404
    response.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { registry: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests, close: () => server.close() }
}
