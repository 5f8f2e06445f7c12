/**
 * Checksum lists as official cloud-image sites publish them, beside the images:
 *
 * - GNU coreutils (`sha256sum`, `sha512sum`): `<hex>  <file>` (text mode) or `<hex> *<file>`
 *   (binary mode), e.g. Ubuntu's SHA256SUMS and Debian's SHA512SUMS. The algorithm follows
 *   from the digest's length (64 hex digits: sha256, 128: sha512).
 * - BSD style (`sha256sum --tag`, Fedora's CHECKSUM): `SHA256 (<file>) = <hex>`.
 *
 * Fedora's CHECKSUM is PGP-clearsigned. The armor and the signature block are skipped:
 * hv does NOT verify the signature (it has no keyring to verify it against); the list is
 * trusted as far as the channel it came from, and the image is then checked against it.
 */
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'

export type ChecksumAlgorithm = 'sha256' | 'sha512'

export interface Checksum {
  algorithm: ChecksumAlgorithm
  /** Lower-case hexadecimal. */
  digest: string
}

/** File name (as the list spells it) → its checksum. */
export type ChecksumList = Map<string, Checksum>

const HEX_LENGTH: Record<ChecksumAlgorithm, number> = { sha256: 64, sha512: 128 }

// `<hex> <space or *><file>`: coreutils writes two characters between digest and name,
// a space and then a space (text mode) or "*" (binary mode).
const GNU_LINE = /^([0-9a-fA-F]{64}|[0-9a-fA-F]{128}) [ *](.+)$/
const BSD_LINE = /^(SHA256|SHA512) ?\((.+)\) ?= ?([0-9a-fA-F]+)$/

/** coreutils prefixes a line with "\" when the name holds "\" or a newline, escaped as "\\" and "\n". */
function unescapeGnuName(name: string): string {
  return name.replace(/\\(\\|n)/g, (_match, escaped: string) => (escaped === 'n' ? '\n' : '\\'))
}

function parseLine(line: string): { file: string; checksum: Checksum } | undefined {
  const escaped = line.startsWith('\\')
  const body = escaped ? line.slice(1) : line
  const gnu = GNU_LINE.exec(body)
  if (gnu) {
    const digest = gnu[1]!.toLowerCase()
    const file = escaped ? unescapeGnuName(gnu[2]!) : gnu[2]!
    return { file, checksum: { algorithm: digest.length === HEX_LENGTH.sha256 ? 'sha256' : 'sha512', digest } }
  }
  const bsd = BSD_LINE.exec(body)
  if (bsd) {
    const algorithm = bsd[1] === 'SHA256' ? 'sha256' : 'sha512'
    const digest = bsd[3]!.toLowerCase()
    if (digest.length !== HEX_LENGTH[algorithm]) return undefined
    return { file: escaped ? unescapeGnuName(bsd[2]!) : bsd[2]!, checksum: { algorithm, digest } }
  }
  return undefined
}

/**
 * The lines of a checksum list without PGP clear-signing: the armor header
 * (`-----BEGIN PGP SIGNED MESSAGE-----`, `Hash: ...`, up to the first blank line) and
 * the signature block are dropped, and dash-escaped lines (`- -----...`, RFC 4880 §7.1)
 * are unescaped. The signature is not verified (see the module comment).
 */
function signedTextLines(text: string): string[] {
  const lines = text.split(/\r?\n/)
  const out: string[] = []
  let state: 'plain' | 'armor-header' | 'signed' | 'signature' = 'plain'
  for (const line of lines) {
    const trimmed = line.trimEnd()
    if (state === 'signature') {
      if (trimmed === '-----END PGP SIGNATURE-----') state = 'plain'
      continue
    }
    if (trimmed === '-----BEGIN PGP SIGNED MESSAGE-----') {
      state = 'armor-header'
      continue
    }
    if (state === 'armor-header') {
      if (trimmed === '') state = 'signed'
      continue
    }
    if (trimmed === '-----BEGIN PGP SIGNATURE-----') {
      state = 'signature'
      continue
    }
    out.push(state === 'signed' && trimmed.startsWith('- ') ? trimmed.slice(2) : trimmed)
  }
  return out
}

/**
 * Parses a checksum list (GNU or BSD style, possibly PGP-clearsigned). Comments (`#`),
 * blank lines, malformed lines and algorithms other than sha256/sha512 are skipped. A
 * file listed twice with different digests of one algorithm makes the list ambiguous and
 * is refused. A file listed with both sha256 and sha512 keeps sha512.
 */
export function parseChecksumList(text: string): ChecksumList {
  const list: ChecksumList = new Map()
  for (const rawLine of signedTextLines(text)) {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#')) continue
    const parsed = parseLine(line)
    if (!parsed) continue
    const previous = list.get(parsed.file)
    if (!previous) {
      list.set(parsed.file, parsed.checksum)
      continue
    }
    if (previous.algorithm === parsed.checksum.algorithm) {
      if (previous.digest !== parsed.checksum.digest) {
        throw new HvError('CHECKSUM_LIST_AMBIGUOUS', `the checksum list gives ${parsed.file} two different ${parsed.checksum.algorithm} digests (${previous.digest} and ${parsed.checksum.digest})`, {
          exitCode: ExitCode.SECURITY_CHECK_FAILED,
          suggestions: ['the mirror may be serving a damaged or tampered checksum list: try again later or use another mirror (--registry URL)'],
        })
      }
      continue
    }
    if (parsed.checksum.algorithm === 'sha512') list.set(parsed.file, parsed.checksum)
  }
  return list
}

/**
 * The checksum for `fileName`: the entry of that exact name, else the one entry whose
 * last path component is that name (lists sometimes name files `./x` or `dir/x`).
 */
export function findChecksum(list: ChecksumList, fileName: string): Checksum | undefined {
  const exact = list.get(fileName)
  if (exact) return exact
  const byBaseName = [...list.entries()].filter(([name]) => name.slice(name.lastIndexOf('/') + 1) === fileName)
  return byBaseName.length === 1 ? byBaseName[0]![1] : undefined
}
