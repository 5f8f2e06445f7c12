import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import YAML from 'yaml'
import { buildSeed, parsePublicKeyLine, readSshKeys, type SeedRequest, writeSeedIso } from '../../../src/lib/cloud-init/seed.js'
import { ExitCode } from '../../../src/lib/errors/exit-codes.js'
import { HvError } from '../../../src/lib/errors/hv-error.js'
import { run } from '../../../src/lib/exec.js'
import { expectGolden } from '../../helpers/nix.js'

/** A structurally valid public key line (the blob names its type), with made-up key bytes. */
function keyLine(type: string, fill: number, comment?: string): string {
  const u32 = (n: number): Buffer => {
    const buffer = Buffer.alloc(4)
    buffer.writeUInt32BE(n)
    return buffer
  }
  const name = Buffer.from(type)
  const blob = Buffer.concat([u32(name.length), name, u32(32), Buffer.alloc(32, fill)]).toString('base64')
  return comment === undefined ? `${type} ${blob}` : `${type} ${blob} ${comment}`
}

const ED25519 = keyLine('ssh-ed25519', 1, 'alice@laptop')
const ECDSA = keyLine('ecdsa-sha2-nistp256', 2, 'alice@desktop')
const SK = keyLine('sk-ssh-ed25519@openssh.com', 3)

const BASE: SeedRequest = {
  vmName: 'web-1',
  instanceId: 'web-1-0f3c2a91',
  user: 'admin',
  sshKeys: [ED25519, ECDSA],
}
const PHONE_HOME = { url: 'http://192.168.122.1:42420/phone-home/web-1-0f3c2a91' }

/** Reads user-data the way cloud-init does (YAML 1.1), after checking the header line. */
function cloudConfig(userData: string): Record<string, unknown> {
  expect(userData.startsWith('#cloud-config\n')).toBe(true)
  return YAML.parse(userData, { version: '1.1' }) as Record<string, unknown>
}

const HAS_PYYAML = (() => {
  try {
    execFileSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

/** Reads YAML with PyYAML, the parser cloud-init itself uses. */
function pyyaml(text: string): unknown {
  const script = 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read()), default=str))'
  return JSON.parse(execFileSync('python3', ['-c', script], { input: text, encoding: 'utf8' })) as unknown
}

function thrown(action: () => unknown): HvError {
  try {
    action()
  } catch (error) {
    expect(error).toBeInstanceOf(HvError)
    return error as HvError
  }
  throw new Error('expected an HvError')
}

async function rejected(promise: Promise<unknown>): Promise<HvError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(HvError)
    return error as HvError
  }
  throw new Error('expected an HvError')
}

const MERGED_USER_DATA = [
  '#cloud-config',
  '# the lab setup',
  'hostname: somewhere-else',
  'ssh_pwauth: true',
  'timezone: Europe/Berlin',
  'package_upgrade: yes',
  'users:',
  '  - default',
  '  - name: deploy',
  '    groups: [docker]',
  '    ssh_authorized_keys:',
  `      - ${SK}`,
  'packages: [nginx, "git"]',
  'runcmd:',
  '  - [systemctl, enable, --now, nginx]',
  `  - 'echo "done: $(hostname)" > /var/log/lab.log'`,
  'write_files:',
  '  - path: /etc/motd',
  "    permissions: '0644'",
  '    content: |',
  '      welcome to the lab',
  '',
].join('\n')

describe('buildSeed', () => {
  it('writes the seed of a VM without phone home (goldens)', async () => {
    const seed = buildSeed({ ...BASE, macAddress: '52:54:00:0a:0b:0c' })
    expect(seed.userData).toBe(await expectGolden('seed-basic-user-data.yaml', seed.userData))
    expect(seed.metaData).toBe(await expectGolden('seed-meta-data.yaml', seed.metaData))
    expect(seed.networkConfig).toBe(await expectGolden('seed-network-config.yaml', seed.networkConfig))
  })

  it('writes the seed of a VM that phones home (golden)', async () => {
    const seed = buildSeed({ ...BASE, phoneHome: PHONE_HOME })
    expect(seed.userData).toBe(await expectGolden('seed-phone-home-user-data.yaml', seed.userData))
  })

  it('writes a seed merged with the user data (golden)', async () => {
    const seed = buildSeed({ ...BASE, phoneHome: PHONE_HOME, userData: MERGED_USER_DATA })
    expect(seed.userData).toBe(await expectGolden('seed-merged-user-data.yaml', seed.userData))
  })

  it('user-data parses back to the expected cloud-config', () => {
    expect(cloudConfig(buildSeed(BASE).userData)).toEqual({
      hostname: 'web-1',
      users: [
        {
          name: 'admin',
          sudo: 'ALL=(ALL) NOPASSWD:ALL',
          shell: '/bin/bash',
          lock_passwd: true,
          ssh_authorized_keys: [ED25519, ECDSA],
        },
      ],
      ssh_pwauth: false,
    })
    const withPhoneHome = cloudConfig(buildSeed({ ...BASE, phoneHome: PHONE_HOME }).userData)
    expect(withPhoneHome.phone_home).toEqual({ url: PHONE_HOME.url, post: ['pub_key_ed25519', 'instance_id', 'hostname'], tries: 10 })
  })

  it('meta-data and network-config parse back; the NIC is matched by hv\'s MAC', () => {
    const seed = buildSeed({ ...BASE, macAddress: '52:54:00:0a:0b:0c' })
    expect(YAML.parse(seed.metaData, { version: '1.1' })).toEqual({ 'instance-id': 'web-1-0f3c2a91', 'local-hostname': 'web-1' })
    expect(YAML.parse(seed.networkConfig, { version: '1.1' })).toEqual({
      version: 2,
      ethernets: { eth0: { match: { macaddress: '52:54:00:0a:0b:0c' }, 'set-name': 'eth0', dhcp4: true } },
    })
    expect(YAML.parse(buildSeed(BASE).networkConfig, { version: '1.1' })).toEqual({ version: 2, ethernets: {} })
  })

  it.skipIf(!HAS_PYYAML)('PyYAML (what cloud-init uses) reads the same documents', () => {
    const seed = buildSeed({ ...BASE, phoneHome: PHONE_HOME, userData: MERGED_USER_DATA })
    expect(pyyaml(seed.userData)).toEqual(JSON.parse(JSON.stringify(cloudConfig(seed.userData))))
    expect(pyyaml(seed.metaData)).toEqual(YAML.parse(seed.metaData))
    expect(pyyaml(seed.networkConfig)).toEqual(YAML.parse(seed.networkConfig))
  })

  it('makes a hostname systemd accepts from a VM name with "_"', () => {
    const seed = buildSeed({ ...BASE, vmName: 'build_42', instanceId: 'build_42-1' })
    expect(cloudConfig(seed.userData).hostname).toBe('build-42')
    expect(YAML.parse(seed.metaData)).toEqual({ 'instance-id': 'build_42-1', 'local-hostname': 'build-42' })
  })

  it.each(['on', 'no', 'y', '0644', '1e3', '0x1F', 'null', '2024-01-01'])(
    'keeps the VM name %s a string under YAML 1.1 (PyYAML) rules',
    (vmName) => {
      const seed = buildSeed({ ...BASE, vmName, instanceId: vmName })
      expect(cloudConfig(seed.userData).hostname).toBe(vmName)
      expect(YAML.parse(seed.metaData, { version: '1.1' })).toEqual({ 'instance-id': vmName, 'local-hostname': vmName })
      if (HAS_PYYAML) expect(pyyaml(seed.metaData)).toEqual({ 'instance-id': vmName, 'local-hostname': vmName })
    },
  )

  it.each([
    ['admin\nroot', 'a newline'],
    ['admin: x', '": "'],
    ['Admin', 'uppercase'],
    ['1admin', 'a leading digit'],
    ['', 'empty'],
    ['a'.repeat(33), '33 characters'],
    ['- admin', 'a YAML list marker'],
  ])('refuses the user name %j (%s)', (user) => {
    const error = thrown(() => buildSeed({ ...BASE, user }))
    expect(error.code).toBe('INVALID_USER_NAME')
    expect(error.exitCode).toBe(ExitCode.INVALID_ARGUMENT)
    expect(error.message).toContain(JSON.stringify(user))
    expect(error.message).toContain('lowercase letters')
  })

  it.each(['root', 'default'])('refuses %s as the user, saying why', (user) => {
    const error = thrown(() => buildSeed({ ...BASE, user }))
    expect(error.code).toBe('INVALID_USER_NAME')
    expect(error.message).toMatch(user === 'root' ? /disable_root/ : /default user/)
  })

  it('quotes a key comment full of YAML metacharacters: it parses back equal', () => {
    const hostile = keyLine('ssh-ed25519', 9, `#: [a] {b} 'c" &d *e !f |g >h %i @j \`k -- ... ---`)
    const seed = buildSeed({ ...BASE, sshKeys: [hostile] })
    const users = cloudConfig(seed.userData).users as Array<{ ssh_authorized_keys: string[] }>
    expect(users[0]?.ssh_authorized_keys).toEqual([hostile])
    if (HAS_PYYAML) expect((pyyaml(seed.userData) as { users: Array<{ ssh_authorized_keys: string[] }> }).users[0]?.ssh_authorized_keys).toEqual([hostile])
  })

  it.each([
    [`${ED25519}\nssh_pwauth: true`, /line break/],
    [`${ED25519} \u001b[31mred`, /control character/],
    ['-----BEGIN OPENSSH PRIVATE KEY-----', /private key/],
    ['ssh-ed25519', /no base64 key data/],
    ['ssh-ed25519 @@@@ comment', /no base64 key data/],
    [keyLine('ssh-rsa', 1).replace('ssh-rsa', 'ssh-ed25519'), /not a ssh-ed25519 key/],
    [keyLine('ssh-dss', 1), /DSA/],
    ['hello world', /does not start with a public key type/],
  ])('refuses the key line %j', (line, reason) => {
    const error = thrown(() => buildSeed({ ...BASE, sshKeys: [ED25519, line] }))
    expect(error.code).toBe('INVALID_SSH_KEY')
    expect(error.exitCode).toBe(ExitCode.INVALID_ARGUMENT)
    expect(error.message).toContain('SSH key 2')
    expect(error.message).toMatch(reason)
  })

  it('normalises a key line (surrounding blanks) and accepts every listed key type', () => {
    expect(parsePublicKeyLine(`  ${ED25519}  `)).toEqual({ key: ED25519 })
    for (const type of ['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp384', 'sk-ecdsa-sha2-nistp256@openssh.com']) {
      expect(parsePublicKeyLine(keyLine(type, 5))).toEqual({ key: keyLine(type, 5) })
    }
  })
})

describe('buildSeed: merging user data', () => {
  const merged = (userData: string, request: Partial<SeedRequest> = {}): Record<string, unknown> =>
    cloudConfig(buildSeed({ ...BASE, phoneHome: PHONE_HOME, ...request, userData }).userData)

  it('lets the user win for scalars, but keeps hv\'s hostname and phone_home (and says so)', () => {
    const userData = '#cloud-config\nhostname: elsewhere\nssh_pwauth: true\nphone_home: {url: "http://example.com/"}\nlocale: de_DE.UTF-8\n'
    const seed = buildSeed({ ...BASE, phoneHome: PHONE_HOME, userData })
    const config = cloudConfig(seed.userData)
    expect(config.hostname).toBe('web-1')
    expect(config.ssh_pwauth).toBe(true)
    expect(config.locale).toBe('de_DE.UTF-8')
    expect((config.phone_home as { url: string }).url).toBe(PHONE_HOME.url)
    expect(seed.userData).toContain("# hv owns hostname and phone_home: the user data's values were replaced by hv's")
  })

  it('keeps the user\'s phone_home when hv does not phone home', () => {
    const config = cloudConfig(buildSeed({ ...BASE, userData: '#cloud-config\nphone_home: {url: "http://example.com/"}\n' }).userData)
    expect(config.phone_home).toEqual({ url: 'http://example.com/' })
  })

  it('concatenates users (hv\'s first, default kept), keys, packages, runcmd and write_files', () => {
    const config = merged(MERGED_USER_DATA)
    const users = config.users as Array<Record<string, unknown> | string>
    expect(users).toHaveLength(3)
    expect((users[0] as Record<string, unknown>).name).toBe('admin')
    expect(users[1]).toBe('default')
    expect(users[2]).toEqual({ name: 'deploy', groups: ['docker'], ssh_authorized_keys: [SK] })
    expect(config.packages).toEqual(['nginx', 'git'])
    expect(config.runcmd).toEqual([['systemctl', 'enable', '--now', 'nginx'], 'echo "done: $(hostname)" > /var/log/lab.log'])
    expect(config.write_files).toEqual([{ path: '/etc/motd', permissions: '0644', content: 'welcome to the lab\n' }])
    expect(config.package_upgrade).toBe(true)
    const top = merged(`#cloud-config\nssh_authorized_keys: ["${SK}"]\n`)
    expect(top.ssh_authorized_keys).toEqual([SK])
  })

  it('folds an entry for hv\'s own user into hv\'s: its settings win, its keys are added', () => {
    const userData = `#cloud-config\nusers:\n  - name: admin\n    shell: /bin/zsh\n    ssh_authorized_keys: ["${SK}"]\n  - ops\n`
    const users = merged(userData).users as Array<Record<string, unknown> | string>
    expect(users).toEqual([
      { name: 'admin', sudo: 'ALL=(ALL) NOPASSWD:ALL', shell: '/bin/zsh', lock_passwd: true, ssh_authorized_keys: [ED25519, ECDSA, SK] },
      'ops',
    ])
  })

  it('reads users given as a comma-separated string, as cloud-init does', () => {
    const users = merged('#cloud-config\nusers: default, ops\n').users as unknown[]
    expect(users.slice(1)).toEqual(['default', 'ops'])
  })

  it('accepts a header alone, CRLF line ends and a byte order mark', () => {
    expect(merged('#cloud-config\n')).toEqual(cloudConfig(buildSeed({ ...BASE, phoneHome: PHONE_HOME }).userData))
    expect(merged('\uFEFF#cloud-config\r\npackages:\r\n  - htop\r\n').packages).toEqual(['htop'])
  })

  it('keeps hostile strings of the user data intact', () => {
    const command = `echo '#not: a comment' && printf "%s\\n" "- [x]" {a: b} *alias`
    const config = merged(`#cloud-config\nruncmd:\n  - ${JSON.stringify(command)}\n  - |\n    multi\n    line: yes\n`)
    expect(config.runcmd).toEqual([command, 'multi\nline: yes\n'])
  })

  it.each([
    ['#!/bin/sh\necho hi\n', /starts with #!\/bin\/sh: hv merges cloud-config only; run scripts through runcmd/],
    ['', /empty/],
    ['   \n', /empty/],
    ['packages: [htop]\n', /does not start with the line #cloud-config \(its first line is "packages: \[htop\]"\)/],
    ['#cloud-config-archive\n- type: text/cloud-config\n', /#cloud-config-archive/],
    ['#include\nhttp://example.com/a\n', /#include list/],
    ['#cloud-boothook\necho hi\n', /boothook/],
    ['## template: jinja\n#cloud-config\n', /jinja template/],
    ['Content-Type: multipart/mixed; boundary="x"\nMIME-Version: 1.0\n', /multipart MIME/],
    ['# cloud-config\npackages: [htop]\n', /must be exactly #cloud-config/],
    ['#cloud-config\n- packages\n', /is a list, not a mapping/],
    ['#cloud-config\njust text\n', /single string value, not a mapping/],
    ['#cloud-config\npackages: htop\n', /packages in the user data must be a list, not the string "htop"/],
    ['#cloud-config\nusers: {admin: {}}\n', /users in the user data must be a list, not a mapping/],
    ['#cloud-config\nruncmd: [a]\nruncmd: [b]\n', /not valid YAML: .*\(line 3, column 1\)/],
    ['#cloud-config\npackages:\n  - htop\n bad: indent\n', /not valid YAML: .*\(line 4, column \d+\)/],
    ['#cloud-config\nwrite_files: [\n', /not valid YAML: .*line \d+/],
  ])('refuses the user data %j', (userData, message) => {
    const error = thrown(() => buildSeed({ ...BASE, userData }))
    expect(error.code).toBe('INVALID_USER_DATA')
    expect(error.exitCode).toBe(ExitCode.INVALID_ARGUMENT)
    expect(error.message).toMatch(message)
    expect(error.suggestions.length).toBeGreaterThan(0)
  })
})

describe('writeSeedIso', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hv-seed-test-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes a cidata ISO holding the three files (checked with isoinfo)', async () => {
    const seed = buildSeed({ ...BASE, phoneHome: PHONE_HOME })
    const iso = join(dir, 'seed.iso')
    await writeSeedIso(seed, iso)
    const info = await run('isoinfo', ['-d', '-i', iso])
    expect(info.stdout).toMatch(/^Volume id: cidata$/m)
    expect(info.stdout).toMatch(/Joliet/)
    expect(info.stdout).toMatch(/Rock Ridge/)
    const files = (await run('isoinfo', ['-J', '-f', '-i', iso])).stdout.split('\n').sort()
    expect(files).toEqual(['/meta-data', '/network-config', '/user-data'])
    expect((await run('isoinfo', ['-J', '-i', iso, '-x', '/user-data'])).stdout).toBe(seed.userData.trimEnd())
    expect((await run('isoinfo', ['-J', '-i', iso, '-x', '/meta-data'])).stdout).toBe(seed.metaData.trimEnd())
    expect((await run('isoinfo', ['-J', '-i', iso, '-x', '/network-config'])).stdout).toBe(seed.networkConfig.trimEnd())
  })

  it('fails with genisoimage\'s error when the ISO cannot be written', async () => {
    const error = await rejected(writeSeedIso(buildSeed(BASE), join(dir, 'missing', 'seed.iso')))
    expect(error.code).toBe('COMMAND_FAILED')
  })
})

describe('readSshKeys', () => {
  let dir: string
  let realPublic: string
  let realPrivate: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hv-keys-test-'))
    realPrivate = join(dir, 'real')
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'real key', '-f', realPrivate])
    realPublic = `${realPrivate}.pub`
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads given files (a real ssh-keygen key; several keys and comments in one file), without duplicates', async () => {
    const many = join(dir, 'many.pub')
    await writeFile(many, `# team keys\n\n${ECDSA}\r\n  ${SK}  \n${ECDSA}\n`)
    const result = await readSshKeys([realPublic, many], { home: join(dir, 'no-home') })
    const real = (await readFile(realPublic, 'utf8')).trim()
    expect(result).toEqual({ keys: [real, ECDSA, SK], discovered: [] })
    expect(real).toMatch(/^ssh-ed25519 \S+ real key$/)
  })

  it('refuses a private key, naming the file and the public key to give instead', async () => {
    const error = await rejected(readSshKeys([realPrivate], { home: dir }))
    expect(error.code).toBe('INVALID_SSH_KEY')
    expect(error.exitCode).toBe(ExitCode.INVALID_ARGUMENT)
    expect(error.message).toContain(realPrivate)
    expect(error.message).toMatch(/is a private key/)
    expect(error.suggestions.join('\n')).toContain(`--ssh-key ${realPublic}`)
  })

  it.each([
    ['missing.pub', undefined, /cannot read the SSH key .*missing\.pub: no such file/],
    ['empty.pub', '\n# nothing\n', /holds no SSH public key/],
    ['garbage.pub', 'hello world\n', /is not an SSH public key: it does not start with a public key type/],
    ['second.pub', `${ED25519}\nnot a key\n`, /second\.pub \(key 2\) is not an SSH public key/],
    ['pem.pub', '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n', /PEM-encoded/],
    ['rsa-private', '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n', /is a private key/],
    ['ssh2.pub', '---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n---- END SSH2 PUBLIC KEY ----\n', /RFC 4716/],
  ])('refuses %s, naming it and why', async (name, content, message) => {
    const file = join(dir, name)
    if (content !== undefined) await writeFile(file, content)
    const error = await rejected(readSshKeys([file], { home: dir }))
    expect(error.code).toBe('INVALID_SSH_KEY')
    expect(error.exitCode).toBe(ExitCode.INVALID_ARGUMENT)
    expect(error.message).toContain(file)
    expect(error.message).toMatch(message)
  })

  it('refuses a directory', async () => {
    const error = await rejected(readSshKeys([dir], { home: dir }))
    expect(error.code).toBe('INVALID_SSH_KEY')
    expect(error.message).toMatch(/is a directory/)
  })

  it('discovers ~/.ssh/id_*.pub when no file is given, and says which', async () => {
    const home = join(dir, 'home')
    const ssh = join(home, '.ssh')
    await mkdir(ssh, { recursive: true })
    await writeFile(join(ssh, 'id_rsa.pub'), `${keyLine('ssh-rsa', 7, 'old')}\n`)
    await writeFile(join(ssh, 'id_ed25519.pub'), `${ED25519}\n`)
    await writeFile(join(ssh, 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\n')
    await writeFile(join(ssh, 'known_hosts'), 'host ssh-ed25519 AAAA\n')
    await writeFile(join(ssh, 'other.pub'), `${ECDSA}\n`)
    const result = await readSshKeys([], { home })
    expect(result.discovered).toEqual([join(ssh, 'id_ed25519.pub'), join(ssh, 'id_rsa.pub')])
    expect(result.keys).toEqual([ED25519, keyLine('ssh-rsa', 7, 'old')])
  })

  it.each([
    ['a home without .ssh', async (home: string) => mkdir(home, { recursive: true })],
    ['a .ssh with private keys only', async (home: string) => {
      await mkdir(join(home, '.ssh'), { recursive: true })
      await writeFile(join(home, '.ssh', 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\n')
    }],
  ])('says how to get a key when there is none (%s)', async (label, prepare) => {
    const home = join(dir, label.replace(/\W+/g, '-'))
    await prepare(home)
    const error = await rejected(readSshKeys([], { home }))
    expect(error.code).toBe('NO_SSH_KEY')
    expect(error.exitCode).toBe(ExitCode.INVALID_ARGUMENT)
    expect(error.suggestions.join('\n')).toContain('ssh-keygen -t ed25519')
    expect(error.suggestions.join('\n')).toContain('--ssh-key FILE')
  })
})
