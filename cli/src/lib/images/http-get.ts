/**
 * One GET over node:http(s), redirects followed by hand: only to http(s) targets, at
 * most ten, with the request's headers kept. node:http rather than fetch: its body is a
 * plain stream of large Buffers (fetch's web streams cost about half the throughput of an
 * image download here), and it loads nothing at startup.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'

const MAX_REDIRECTS = 10
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/** The response of the last hop, and the URL it came from. */
export interface HttpResponse {
  url: URL
  status: number
  statusText: string
  header(name: string): string | undefined
  body: IncomingMessage
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause instanceof Error ? error.cause.message : undefined
  return cause && cause !== error.message ? `${error.message} (${cause})` : error.message
}

/** Drops a response's body we do not read (and its connection). */
export function discard(response: HttpResponse): void {
  response.body.destroy()
}

function once(url: URL, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const request = send(url, { method: 'GET', headers, ...(signal ? { signal } : {}) }, resolve)
    request.on('error', reject)
    request.end()
  })
}

/**
 * GET `url`. `onNetworkError` turns a failure to connect (DNS, refused, reset before the
 * headers, an aborted signal) into the caller's error; HTTP statuses are the caller's to judge.
 */
export async function httpGet(url: string | URL, options: { headers?: Record<string, string>; signal?: AbortSignal; onNetworkError: (error: unknown, at: URL) => Error }): Promise<HttpResponse> {
  let current = new URL(url)
  const headers = options.headers ?? {}
  for (let hops = 0; ; hops++) {
    let message: IncomingMessage
    try {
      message = await once(current, headers, options.signal)
    } catch (error) {
      throw options.onNetworkError(error, current)
    }
    const at = current
    const response: HttpResponse = {
      url: at,
      status: message.statusCode ?? 0,
      statusText: message.statusMessage ?? '',
      header: (name) => {
        const value = message.headers[name.toLowerCase()]
        return Array.isArray(value) ? value.join(', ') : value
      },
      body: message,
    }
    if (!REDIRECT_STATUSES.has(response.status)) return response
    const location = response.header('location')
    discard(response)
    if (!location) throw new HvError('DOWNLOAD_FAILED', `cannot download ${at.href}: HTTP ${response.status} without a Location`, { exitCode: ExitCode.SYSTEM_ERROR })
    if (hops >= MAX_REDIRECTS) {
      throw new HvError('DOWNLOAD_FAILED', `cannot download ${new URL(url).href}: more than ${MAX_REDIRECTS} redirects`, { exitCode: ExitCode.SYSTEM_ERROR, suggestions: ['check the URL'] })
    }
    const next = URL.canParse(location, at) ? new URL(location, at) : undefined
    if (!next || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
      throw new HvError('DOWNLOAD_FAILED', `cannot download ${new URL(url).href}: ${at.href} redirects to ${JSON.stringify(location.slice(0, 200))}, and hv follows redirects only to http(s) URLs`, {
        exitCode: ExitCode.SYSTEM_ERROR,
        suggestions: ['use the final http(s) URL of the file, or a mirror (--registry URL)'],
      })
    }
    current = next
  }
}

/** Reads a whole (small) body as text, refusing more than `maxBytes`. */
export async function readText(response: HttpResponse, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    total += chunk.length
    if (total > maxBytes) {
      discard(response)
      return undefined
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}
