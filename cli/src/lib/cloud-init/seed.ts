/**
 * The NoCloud seed of a VM: `user-data` (cloud-config), `meta-data` and `network-config`,
 * written to an ISO labelled `cidata` that cloud-init finds at first boot.
 *
 * Every file is produced by the `yaml` library, never by string templates, so no value
 * (a key comment, a user's own cloud-config) can change the structure. Output uses YAML 1.1
 * rules because cloud-init reads it with PyYAML: strings such as `on`, `no` or `0644` are
 * quoted, where YAML 1.2 would leave them plain and PyYAML would read a boolean or a number.
 */
import { type Stats } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import YAML from 'yaml'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { run } from '../exec.js'
import { USER_NAME } from './login.js'

export interface SeedRequest {
  /** Already validated (letters, digits, `.`, `-`, `_`): the hostname and the base of the instance id. */
  vmName: string
  /** For example `${vmName}-${uuid}`; a new id makes cloud-init run again. */
  instanceId: string
  /** The default user hv creates, with sudo and the SSH keys. */
  user: string
  /** Public key lines (`ssh-ed25519 AAAA… comment`). */
  sshKeys: string[]
  /** The user's own cloud-config, merged into hv's. */
  userData?: string
  /** Where cloud-init reports when it has finished (`hv vm create --wait cloud-init`). */
  phoneHome?: { url: string; /** cloud-init's attempts (3 s apart); default 10. */ tries?: number }
  /** The MAC address of the VM's NIC: network-config matches it (names like ens3/enp1s0 vary). */
  macAddress?: string
}

export interface Seed {
  userData: string
  metaData: string
  networkConfig: string
}

/** A user name cloud-init and `useradd` accept: lowercase, at most 32 characters. */

/** Names that cannot be the user hv creates. */
const RESERVED_USERS: Record<string, string> = {
  root: 'cloud-init disables SSH logins as root (disable_root), so the VM would be unreachable',
  default: 'cloud-init reads "default" as the distribution\'s own default user, not a name',
}

/** Keys whose values are lists that hv concatenates: hv's items first, then the user's. */
const CONCATENATED_KEYS = ['ssh_authorized_keys', 'packages', 'runcmd', 'write_files'] as const

/** YAML 1.1 (PyYAML's dialect); no line folding, so a long key stays on one line. */
const YAML_OPTIONS = { version: '1.1' } as const
const STRINGIFY_OPTIONS = { lineWidth: 0 } as const

const PUBLIC_KEY_FILE_LIMIT = 64 * 1024

type Mapping = Record<string, unknown>

function userDataError(message: string, suggestions: string[] = []): HvError {
  return new HvError('INVALID_USER_DATA', message, {
    exitCode: ExitCode.INVALID_ARGUMENT,
    suggestions: suggestions.length > 0 ? suggestions : ['start the file with the line #cloud-config, followed by a YAML mapping of cloud-config keys'],
  })
}

function sshKeyError(message: string, suggestions: string[] = []): HvError {
  return new HvError('INVALID_SSH_KEY', message, {
    exitCode: ExitCode.INVALID_ARGUMENT,
    suggestions: suggestions.length > 0 ? suggestions : ['give a public key file such as ~/.ssh/id_ed25519.pub', 'create a key pair with: ssh-keygen -t ed25519'],
  })
}

/** The user name, or an INVALID_USER_NAME error (exit 4) saying what is allowed. */
export function validateUserName(user: string): string {
  const rule = 'user names are 1-32 characters: lowercase letters, digits, "_" or "-", starting with a letter or "_"'
  if (!USER_NAME.test(user)) {
    throw new HvError('INVALID_USER_NAME', `invalid user name ${JSON.stringify(user)}: ${rule}`, {
      exitCode: ExitCode.INVALID_ARGUMENT,
      suggestions: ['--user admin', '--user ops_1'],
    })
  }
  const reserved = RESERVED_USERS[user]
  if (reserved) {
    throw new HvError('INVALID_USER_NAME', `the user cannot be ${JSON.stringify(user)}: ${reserved}`, {
      exitCode: ExitCode.INVALID_ARGUMENT,
      suggestions: ['--user admin'],
    })
  }
  return user
}

/**
 * A VM name as a hostname: systemd refuses "_" in a static hostname, so it becomes "-";
 * trailing dots are dropped. A name with dots (`db.prod`) is a fully qualified name to
 * cloud-init (hostname `db`).
 */
export function hostnameFor(vmName: string): string {
  return vmName.replace(/_/g, '-').replace(/\.+$/, '')
}

/** The key types hv accepts; certificates and DSA (disabled by OpenSSH) are not among them. */
const KEY_TYPE = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-[a-z0-9]+|sk-[a-z0-9-]+@openssh\.com)$/
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/

/**
 * One public key line, normalised to `type base64 [comment]`, or the reason it is not one.
 * The base64 part must decode to a key blob whose embedded type is the declared one.
 */
export function parsePublicKeyLine(line: string): { key: string } | { reason: string } {
  const trimmed = line.trim()
  if (trimmed === '') return { reason: 'it is empty' }
  if (/^-----BEGIN [A-Z0-9 ]*PRIVATE KEY/.test(trimmed)) return { reason: 'it is a private key (it starts with -----BEGIN); give the public key, the .pub file next to it' }
  if (trimmed.startsWith('-----BEGIN')) return { reason: 'it is PEM-encoded, not an OpenSSH public key line; convert it with: ssh-keygen -i -m PKCS8 -f FILE' }
  if (trimmed.startsWith('PuTTY-User-Key-File')) return { reason: 'it is a PuTTY private key; export the OpenSSH public key instead' }
  if (trimmed.startsWith('---- BEGIN SSH2 PUBLIC KEY')) return { reason: 'it is an RFC 4716 (SSH2) public key; convert it with: ssh-keygen -i -f FILE' }
  if (CONTROL.test(trimmed)) return { reason: 'it contains a line break or control character (one key per line)' }
  const match = /^(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(trimmed)
  const type = match?.[1] ?? trimmed.split(/\s/)[0] ?? ''
  if (type === 'ssh-dss') return { reason: 'it is a DSA (ssh-dss) key, which current OpenSSH refuses; use ed25519' }
  if (!KEY_TYPE.test(type)) {
    return { reason: `it does not start with a public key type (ssh-ed25519, ssh-rsa, ecdsa-sha2-*, sk-*), but with ${JSON.stringify(type.slice(0, 40))}` }
  }
  const blob = match?.[2]
  if (!blob || !BASE64.test(blob)) return { reason: `the ${type} key has no base64 key data after its type` }
  const decoded = Buffer.from(blob, 'base64')
  const embeddedLength = decoded.length >= 4 ? decoded.readUInt32BE(0) : -1
  const embedded = embeddedLength > 0 && embeddedLength + 4 <= decoded.length ? decoded.subarray(4, 4 + embeddedLength).toString('latin1') : undefined
  if (embedded !== type) return { reason: `its key data is not a ${type} key (damaged or truncated?)` }
  const comment = match?.[3]?.trim()
  return { key: comment ? `${type} ${blob} ${comment}` : `${type} ${blob}` }
}

/** The documents of the user's cloud-config: a mapping, or INVALID_USER_DATA saying what is wrong. */
function parseUserData(text: string): Mapping {
  const body = text.replace(/^\uFEFF/, '')
  const firstLine = (body.split(/\r?\n/, 1)[0] ?? '').trimEnd()
  if (body.trim() === '') throw userDataError('the user data is empty: hv merges a cloud-config, which starts with the line #cloud-config')
  if (firstLine !== '#cloud-config') throw userDataError(...wrongHeader(body, firstLine))
  const document = YAML.parseDocument(body, { ...YAML_OPTIONS, prettyErrors: true })
  const error = document.errors[0]
  if (error) {
    const where = error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : 'an unknown position'
    const reason = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.code
    throw userDataError(`the user data is not valid YAML: ${reason} (${where})`, [
      'check the indentation and the quoting at that line (a value with ": " or a leading "#" needs quotes)',
    ])
  }
  let value: unknown
  try {
    value = document.toJS({ maxAliasCount: 100 })
  } catch (cause) {
    throw userDataError(`the user data cannot be read: ${(cause as Error).message}`)
  }
  if (value === null || value === undefined) return {}
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Date || value instanceof Uint8Array) {
    const kind = Array.isArray(value) ? 'a list' : `a single ${typeof value} value`
    throw userDataError(`the user data is ${kind}, not a mapping of cloud-config keys (such as packages: or runcmd:)`)
  }
  return value as Mapping
}

/** Why a first line that is not `#cloud-config` cannot be merged, and what to do instead. */
function wrongHeader(body: string, firstLine: string): [string, string[]] {
  const shown = JSON.stringify(firstLine.slice(0, 60))
  if (body.startsWith('\u001f')) {
    return ['the user data is compressed: hv merges plain cloud-config only', ['decompress it (gunzip) first']]
  }
  if (firstLine.startsWith('#!')) {
    return [
      `the user data starts with ${firstLine.slice(0, 60)}: hv merges cloud-config only; run scripts through runcmd`,
      ['write a cloud-config instead: #cloud-config, then runcmd: with the script\'s commands (or write_files: plus runcmd: to run a whole script)'],
    ]
  }
  if (/^#include/i.test(firstLine)) return [`the user data is an #include list: hv merges cloud-config only`, ['put the configuration itself in the file, after #cloud-config']]
  if (/^#cloud-boothook/i.test(firstLine)) return [`the user data is a #cloud-boothook: hv merges cloud-config only`, ['use bootcmd: in a cloud-config for commands that must run early in every boot']]
  if (/^#cloud-config-archive/i.test(firstLine)) return [`the user data is a #cloud-config-archive: hv merges cloud-config only`, ['merge the parts into one #cloud-config file']]
  if (/^##\s*template:/i.test(firstLine)) return [`the user data is a ${firstLine.slice(2).trim()} template: hv merges plain cloud-config only`, ['remove the template line and the template expressions']]
  if (/^(content-type|mime-version):/i.test(firstLine)) return ['the user data is a multipart MIME message: hv merges cloud-config only', ['give the cloud-config part alone, starting with #cloud-config']]
  if (/^#\s*cloud-config\s*$/i.test(firstLine)) return [`the first line of the user data is ${shown}: it must be exactly #cloud-config`, []]
  return [`the user data does not start with the line #cloud-config (its first line is ${shown}): hv merges cloud-config only`, []]
}

function asList(key: string, value: unknown): unknown[] {
  if (value === null || value === undefined) return []
  if (Array.isArray(value)) return value
  throw userDataError(`${key} in the user data must be a list, not ${describeValue(value)}`)
}

function describeValue(value: unknown): string {
  if (typeof value === 'object' && value !== null) return 'a mapping'
  return `the ${typeof value} ${JSON.stringify(value)}`
}

/** The `users` of the user data as a list: cloud-init also takes a comma-separated string. */
function userList(value: unknown): unknown[] {
  if (typeof value === 'string') return value.split(',').map((name) => name.trim()).filter(Boolean)
  return asList('users', value)
}

/**
 * hv's user first, then the user's list (`default` kept where it is). An entry for hv's own
 * user is folded into hv's: its scalars win, its ssh_authorized_keys are added to hv's.
 */
function mergeUsers(hvUser: Mapping, theirs: unknown[]): unknown[] {
  const merged: Mapping = { ...hvUser }
  const others: unknown[] = []
  for (const entry of theirs) {
    const name = typeof entry === 'string' ? entry : typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? (entry as Mapping).name : undefined
    if (name !== hvUser.name) {
      others.push(entry)
      continue
    }
    if (typeof entry !== 'object' || entry === null) continue
    for (const [key, value] of Object.entries(entry as Mapping)) {
      merged[key] = key === 'ssh_authorized_keys' ? [...asList('ssh_authorized_keys', merged[key]), ...asList(`users: ${String(name)}: ssh_authorized_keys`, value)] : value
    }
  }
  return [merged, ...others]
}

/** Keys hv owns: the user data's values for them are dropped (hv's win), noted in a comment. */
const OWNED_KEYS = ['hostname', 'phone_home'] as const

/**
 * hv's cloud-config merged with the user's: the user's keys win, except `hostname`, which
 * is always the VM's, and `phone_home`, which is hv's when hv waits for the VM (hv must be
 * the one told the VM is ready). Lists of users, keys, packages, commands and files are
 * concatenated, hv's first.
 */
function mergeCloudConfig(ours: Mapping, theirs: Mapping): { config: Mapping; dropped: string[] } {
  const config: Mapping = { ...ours }
  const dropped: string[] = []
  for (const [key, value] of Object.entries(theirs)) {
    if ((OWNED_KEYS as readonly string[]).includes(key) && key in ours) {
      dropped.push(key)
    } else if (key === 'users') {
      const [hvUser] = ours.users as Mapping[]
      config.users = mergeUsers(hvUser ?? {}, userList(value))
    } else if ((CONCATENATED_KEYS as readonly string[]).includes(key)) {
      config[key] = [...asList(key, ours[key]), ...asList(key, value)]
    } else {
      config[key] = value
    }
  }
  return { config, dropped }
}

function yamlText(value: unknown, comment?: string): string {
  const document = new YAML.Document(value, YAML_OPTIONS)
  if (comment) document.commentBefore = comment
  return document.toString(STRINGIFY_OPTIONS)
}

/** The three files of a NoCloud seed. Throws INVALID_USER_NAME, INVALID_SSH_KEY or INVALID_USER_DATA (exit 4). */
export function buildSeed(request: SeedRequest): Seed {
  const user = validateUserName(request.user)
  const keys = request.sshKeys.map((line, index) => {
    const parsed = parsePublicKeyLine(line)
    if ('reason' in parsed) throw sshKeyError(`SSH key ${index + 1} cannot be used: ${parsed.reason}`)
    return parsed.key
  })
  const hostname = hostnameFor(request.vmName)
  const ours: Mapping = {
    hostname,
    users: [
      {
        name: user,
        sudo: 'ALL=(ALL) NOPASSWD:ALL',
        shell: '/bin/bash',
        lock_passwd: true,
        ssh_authorized_keys: keys,
      },
    ],
    ssh_pwauth: false,
  }
  if (request.phoneHome) {
    ours.phone_home = { url: request.phoneHome.url, post: ['pub_key_ed25519', 'instance_id', 'hostname'], tries: request.phoneHome.tries ?? 10 }
  }
  let config = ours
  let comment: string | undefined
  if (request.userData !== undefined) {
    const merged = mergeCloudConfig(ours, parseUserData(request.userData))
    config = merged.config
    if (merged.dropped.length > 0) {
      const keys = merged.dropped.join(' and ')
      comment = ` hv owns ${keys}: the user data's ${merged.dropped.length > 1 ? 'values were' : 'value was'} replaced by hv's`
    }
  }
  return {
    userData: `#cloud-config\n${yamlText(config, comment)}`,
    metaData: yamlText({ 'instance-id': request.instanceId, 'local-hostname': hostname }),
    // DHCP on the NIC with hv's MAC, named eth0 (cloud-init renders this for netplan,
    // networkd and ifupdown alike; a name glob is not understood by every renderer).
    networkConfig: yamlText(
      request.macAddress
        ? { version: 2, ethernets: { eth0: { match: { macaddress: request.macAddress }, 'set-name': 'eth0', dhcp4: true } } }
        : { version: 2, ethernets: {} },
    ),
  }
}

/**
 * Writes the seed as an ISO 9660 image labelled `cidata` (Joliet and Rock Ridge names),
 * the layout cloud-init's NoCloud source looks for. The files are staged in a private
 * temporary directory, removed afterwards.
 */
export async function writeSeedIso(seed: Seed, isoPath: string): Promise<void> {
  const output = resolve(isoPath)
  const dir = await mkdtemp(join(tmpdir(), 'hv-cidata-'))
  try {
    await writeFile(join(dir, 'user-data'), seed.userData, { mode: 0o600 })
    await writeFile(join(dir, 'meta-data'), seed.metaData, { mode: 0o600 })
    await writeFile(join(dir, 'network-config'), seed.networkConfig, { mode: 0o600 })
    await run('genisoimage', ['-output', output, '-volid', 'cidata', '-joliet', '-rock', 'user-data', 'meta-data', 'network-config'], { cwd: dir })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The key lines of one public key file (one or more keys; blank lines and # comments skipped). */
async function readKeyFile(file: string): Promise<string[]> {
  let info: Stats
  let text: string
  try {
    info = await stat(file)
    if (info.isDirectory()) throw sshKeyError(`cannot use ${file} as an SSH key: it is a directory`)
    if (!info.isFile()) throw sshKeyError(`cannot use ${file} as an SSH key: it is not a regular file`)
    if (info.size > PUBLIC_KEY_FILE_LIMIT) throw sshKeyError(`cannot use ${file} as an SSH key: it is ${info.size} bytes, too large for a public key file`)
    text = await readFile(file, 'utf8')
  } catch (error) {
    if (error instanceof HvError) throw error
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message
    throw sshKeyError(`cannot read the SSH key ${file}: ${why}`)
  }
  const start = text.trimStart()
  if ((start.startsWith('-----BEGIN') && /PRIVATE KEY/.test(start.split('\n', 1)[0] ?? '')) || start.startsWith('PuTTY-User-Key-File')) {
    throw sshKeyError(`${file} is a private key, not a public key: hv never reads private keys (nor puts them in a VM)`, [
      `give the public key next to it instead: --ssh-key ${file.replace(/\.pub$/, '')}.pub`,
    ])
  }
  if (start.startsWith('-----BEGIN')) {
    throw sshKeyError(`${file} is a PEM-encoded key (it starts with -----BEGIN), not an OpenSSH public key line`, [
      `convert a PEM public key with: ssh-keygen -i -m PKCS8 -f ${file}`,
      'or give the .pub file of an OpenSSH key pair, such as ~/.ssh/id_ed25519.pub',
    ])
  }
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
  if (lines.length === 0) throw sshKeyError(`${file} holds no SSH public key: it is empty`)
  return lines.map((line, index) => {
    const parsed = parsePublicKeyLine(line)
    if ('reason' in parsed) {
      const where = lines.length > 1 ? ` (key ${index + 1})` : ''
      throw sshKeyError(`${file}${where} is not an SSH public key: ${parsed.reason}`)
    }
    return parsed.key
  })
}

/**
 * The public keys of the given files; with none, those of `~/.ssh/id_*.pub` in `home`
 * (listed in `discovered`, so that the caller can say which keys it used). Throws
 * INVALID_SSH_KEY for a file that is not a public key, NO_SSH_KEY when there is none.
 */
export async function readSshKeys(files: string[], options: { home: string }): Promise<{ keys: string[]; discovered: string[] }> {
  let sources = files
  let discovered: string[] = []
  if (files.length === 0) {
    const sshDir = join(options.home, '.ssh')
    const names = await readdir(sshDir).catch(() => [] as string[])
    discovered = names.filter((name) => /^id_.+\.pub$/.test(name)).sort().map((name) => join(sshDir, name))
    sources = discovered
    if (sources.length === 0) {
      throw new HvError('NO_SSH_KEY', `no SSH public key: none given and none found in ${sshDir} (id_*.pub)`, {
        exitCode: ExitCode.INVALID_ARGUMENT,
        suggestions: ['create a key pair: ssh-keygen -t ed25519', 'or name a public key file: --ssh-key FILE'],
      })
    }
  }
  const keys: string[] = []
  for (const file of sources) {
    for (const key of await readKeyFile(file)) if (!keys.includes(key)) keys.push(key)
  }
  return { keys, discovered }
}
