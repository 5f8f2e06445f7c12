import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { which } from '../../../src/lib/exec.js'
import { loadSshdConfig, normalizeSshdValue, parseSshdConfig, parseSshdDump } from '../../../src/lib/security/sshd-config.js'
import { isRoot } from '../../helpers/project.js'

async function sshdDirectory(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hv-sshd-'))
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true })
    await writeFile(join(dir, name), text)
  }
  return dir
}

describe('sshd_config as sshd reads it', () => {
  it('takes the first value of a keyword, in any case, with or without =', async () => {
    const dir = await sshdDirectory({
      sshd_config: '# comment\nPASSWORDAuthentication no\npasswordauthentication yes\nPermitRootLogin=without-password\n',
    })
    const values = await parseSshdConfig(join(dir, 'sshd_config'), undefined, dir)
    expect(values.get('passwordauthentication')).toBe('no')
    expect(values.get('permitrootlogin')).toBe('without-password')
    expect(normalizeSshdValue('without-password')).toBe('prohibit-password')
  })

  it('follows Include globs in place, sorted, relative to the ssh directory', async () => {
    const dir = await sshdDirectory({
      sshd_config: 'Include sshd_config.d/*.conf\nPasswordAuthentication yes\nKbdInteractiveAuthentication yes\n',
      'sshd_config.d/20-later.conf': 'KbdInteractiveAuthentication no\nPasswordAuthentication maybe\n',
      'sshd_config.d/10-first.conf': 'PasswordAuthentication no\n',
      'sshd_config.d/ignored.txt': 'PermitRootLogin yes\n',
    })
    const values = await parseSshdConfig(join(dir, 'sshd_config'), undefined, dir)
    expect(Object.fromEntries(values)).toEqual({ passwordauthentication: 'no', kbdinteractiveauthentication: 'no' })
  })

  it('ignores settings inside a Match block, and reads the old ChallengeResponseAuthentication spelling', async () => {
    const dir = await sshdDirectory({
      sshd_config: 'ChallengeResponseAuthentication no\nMatch User backup\n  PasswordAuthentication no\n',
    })
    const values = await parseSshdConfig(join(dir, 'sshd_config'), undefined, dir)
    expect(Object.fromEntries(values)).toEqual({ kbdinteractiveauthentication: 'no' })
  })

  it("falls back to sshd's defaults for keys the file does not set, and says so", async () => {
    const dir = await sshdDirectory({ sshd_config: 'PasswordAuthentication no\n' })
    const config = await loadSshdConfig({ configPath: join(dir, 'sshd_config'), useSshdDump: false, isRoot: false })
    expect(config.get('passwordauthentication')).toEqual({ value: 'no', source: join(dir, 'sshd_config') })
    expect(config.get('permitrootlogin')).toEqual({ value: 'prohibit-password', source: `sshd's default (not set in ${join(dir, 'sshd_config')})` })
    expect(config.get('kbdinteractiveauthentication')).toMatchObject({ value: 'yes' })
    expect(config.get('x11forwarding')).toEqual({ unknown: `x11forwarding is not set in ${join(dir, 'sshd_config')}, and hv does not know sshd's default for it` })
  })

  it('is unknown, with why, when there is no sshd_config', async () => {
    const missing = join(await mkdtemp(join(tmpdir(), 'hv-sshd-')), 'sshd_config')
    const config = await loadSshdConfig({ configPath: missing, useSshdDump: false, isRoot: false })
    expect(config.get('passwordauthentication')).toEqual({ unknown: `${missing} does not exist: is sshd installed?` })
  })

  it('parses the keyword/value lines of sshd -T', () => {
    expect(Object.fromEntries(parseSshdDump('port 22\npasswordauthentication no\npermitrootlogin without-password\n'))).toEqual({
      port: '22',
      passwordauthentication: 'no',
      permitrootlogin: 'without-password',
    })
  })
})

const sshd = await which('sshd', `${process.env.PATH ?? ''}:/usr/sbin:/sbin`)
const sshdBlocker = !sshd ? 'sshd is not installed here' : !isRoot() ? 'sshd -T needs root' : undefined
if (sshdBlocker) console.warn(`[skip] the real sshd -T: ${sshdBlocker}`)

describe('sshd -T', () => {
  it.skipIf(sshdBlocker !== undefined)('gives the effective value of a config file (real sshd)', async () => {
    const dir = await sshdDirectory({ sshd_config: 'PasswordAuthentication no\n' })
    const config = await loadSshdConfig({ configPath: join(dir, 'sshd_config'), useSshdDump: true, isRoot: true })
    expect(config.get('passwordauthentication')).toMatchObject({ value: 'no' })
  })
})
