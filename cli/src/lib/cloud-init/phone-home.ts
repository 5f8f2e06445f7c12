/**
 * Readiness pushed by the guest, never polled: the seed asks cloud-init to phone home
 * (its phone_home module POSTs instance id, hostname and SSH host key once cloud-init's
 * final stage runs, after sshd is up) to a short-lived HTTP listener hv opens on the VM
 * network's host address. hv thus learns the guest's address and its host key, so
 * `hv vm ssh` verifies the key instead of trusting on first use.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { ED25519_KEY_LINE } from './login.js'

export interface PhoneHome {
  instanceId: string
  address: string
  hostname: string | undefined
  /** The guest's ed25519 host key, as an OpenSSH public key line. */
  hostKey: string
  receivedAt: string
}

export interface PhoneHomeListener {
  url: string
  port: number
  /** The guest's report; a TIMEOUT error after timeoutMs. */
  wait(timeoutMs: number): Promise<PhoneHome>
  close(): void
}

const MAX_BODY = 64 * 1024

async function readBody(request: IncomingMessage): Promise<string> {
  let body = ''
  for await (const chunk of request) {
    body += (chunk as Buffer).toString('utf8')
    if (body.length > MAX_BODY) throw new Error('body too large')
  }
  return body
}

function listen(server: Server, host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onError = () => resolve(false)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve(true)
    })
  })
}

/**
 * Listens on `host` at the first free port of `ports` for POST /phone-home/<instanceId>.
 * Anything else gets a 404; a report for another instance id is ignored.
 */
export async function openPhoneHomeListener(options: { host: string; ports: readonly [number, number]; instanceId: string }): Promise<PhoneHomeListener> {
  let deliver: (report: PhoneHome) => void = () => {}
  const reported = new Promise<PhoneHome>((resolve) => {
    deliver = resolve
  })
  const path = `/phone-home/${encodeURIComponent(options.instanceId)}`
  const server = createServer((request, response) => {
    void (async () => {
      if (request.method !== 'POST' || request.url !== path) {
        response.statusCode = 404
        return void response.end()
      }
      try {
        const form = new URLSearchParams(await readBody(request))
        const hostKey = (form.get('pub_key_ed25519') ?? '').trim()
        if (form.get('instance_id') !== options.instanceId || !ED25519_KEY_LINE.test(hostKey)) {
          response.statusCode = 400
          return void response.end()
        }
        response.end('ok\n')
        deliver({
          instanceId: options.instanceId,
          address: (request.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
          hostname: form.get('hostname') ?? undefined,
          hostKey,
          receivedAt: new Date().toISOString(),
        })
      } catch {
        response.statusCode = 400
        response.end()
      }
    })()
  })
  let bound = false
  for (let port = options.ports[0]; port <= options.ports[1] && !bound; port++) bound = await listen(server, options.host, port)
  if (!bound) {
    throw new HvError('PHONE_HOME_UNAVAILABLE', `no free port in ${options.ports[0]}-${options.ports[1]} on ${options.host} for the guest to report readiness`, {
      exitCode: ExitCode.SYSTEM_ERROR,
      suggestions: ['too many VMs are being created at once; retry, or create without --wait'],
    })
  }
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://${options.host}:${port}${path}`,
    port,
    wait(timeoutMs) {
      return new Promise<PhoneHome>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new HvError('TIMEOUT', `the guest did not report ready within ${Math.round(timeoutMs / 1000)} s`, { exitCode: ExitCode.TIMEOUT, suggestions: ['hv vm console NAME   # see what it is doing'] })),
          timeoutMs,
        )
        void reported.then((report) => {
          clearTimeout(timer)
          resolve(report)
        })
      })
    },
    close: () => server.close(),
  }
}
