import { describe, expect, it } from 'vitest'
import { openPhoneHomeListener } from '../../../src/lib/cloud-init/phone-home.js'

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAUnWq4EfewzmUGNNFR1yQ7aVojFnzyNRTEW76zLkgYl root@web'
const post = (url: string, form: Record<string, string>) => fetch(url, { method: 'POST', body: new URLSearchParams(form) })

describe('the phone-home listener', () => {
  it('learns address and host key from cloud-init\'s POST, and ignores anything else', async () => {
    const listener = await openPhoneHomeListener({ host: '127.0.0.1', ports: [42400, 42419], instanceId: 'web-1a2b' })
    try {
      expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:424[01]\d\/phone-home\/web-1a2b$/)
      const base = listener.url.replace(/\/phone-home\/.*/, '')
      expect((await fetch(`${base}/`)).status).toBe(404)
      expect((await post(`${base}/phone-home/other`, { instance_id: 'other', pub_key_ed25519: KEY })).status).toBe(404)
      expect((await post(listener.url, { instance_id: 'web-1a2b', pub_key_ed25519: 'ssh-rsa AAAA; rm -rf /' })).status).toBe(400)
      expect((await post(listener.url, { instance_id: 'impostor', pub_key_ed25519: KEY })).status).toBe(400)
      const waiting = listener.wait(5000)
      expect((await post(listener.url, { instance_id: 'web-1a2b', pub_key_ed25519: `${KEY}\n`, hostname: 'web' })).status).toBe(200)
      expect(await waiting).toMatchObject({ instanceId: 'web-1a2b', address: '127.0.0.1', hostKey: KEY, hostname: 'web' })
    } finally {
      listener.close()
    }
  })

  it('takes the next free port of the range, and says so when none is left', async () => {
    const first = await openPhoneHomeListener({ host: '127.0.0.1', ports: [42440, 42441], instanceId: 'a' })
    const second = await openPhoneHomeListener({ host: '127.0.0.1', ports: [42440, 42441], instanceId: 'b' })
    try {
      expect(second.port).not.toBe(first.port)
      await expect(openPhoneHomeListener({ host: '127.0.0.1', ports: [42440, 42441], instanceId: 'c' })).rejects.toMatchObject({ code: 'PHONE_HOME_UNAVAILABLE' })
      await expect(first.wait(50)).rejects.toMatchObject({ code: 'TIMEOUT' })
    } finally {
      first.close()
      second.close()
    }
  })
})
