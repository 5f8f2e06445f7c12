import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ExitCode } from '../../../src/lib/errors/exit-codes.js'
import { HvError } from '../../../src/lib/errors/hv-error.js'
import { findChecksum, parseChecksumList } from '../../../src/lib/images/checksums.js'

// Digests of made-up contents: the lists below have the published layout, not real images.
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')
const sha512 = (text: string): string => createHash('sha512').update(text).digest('hex')

describe('parseChecksumList', () => {
  it('reads an Ubuntu SHA256SUMS (coreutils binary mode, "<hex> *<file>")', () => {
    const text = [
      `${sha256('disk-kvm')} *noble-server-cloudimg-amd64-disk-kvm.img`,
      `${sha256('img')} *noble-server-cloudimg-amd64.img`,
      `${sha256('manifest')} *noble-server-cloudimg-amd64.manifest`,
      `${sha256('ubuntu-img')} *ubuntu-24.04-server-cloudimg-amd64.img`,
      '',
    ].join('\n')
    const list = parseChecksumList(text)
    expect(list.size).toBe(4)
    expect(list.get('ubuntu-24.04-server-cloudimg-amd64.img')).toEqual({ algorithm: 'sha256', digest: sha256('ubuntu-img') })
    expect(list.get('noble-server-cloudimg-amd64.img')).toEqual({ algorithm: 'sha256', digest: sha256('img') })
  })

  it('reads a Debian SHA512SUMS (coreutils text mode, "<hex>  <file>")', () => {
    const text = [
      `${sha512('json')}  debian-12-genericcloud-amd64.json`,
      `${sha512('qcow2')}  debian-12-genericcloud-amd64.qcow2`,
      `${sha512('raw')}  debian-12-genericcloud-amd64.raw`,
      `${sha512('tar')}  debian-12-genericcloud-amd64.tar.xz`,
    ].join('\n')
    const list = parseChecksumList(text)
    expect([...list.keys()]).toEqual([
      'debian-12-genericcloud-amd64.json',
      'debian-12-genericcloud-amd64.qcow2',
      'debian-12-genericcloud-amd64.raw',
      'debian-12-genericcloud-amd64.tar.xz',
    ])
    expect(list.get('debian-12-genericcloud-amd64.qcow2')).toEqual({ algorithm: 'sha512', digest: sha512('qcow2') })
  })

  it('reads a Fedora CHECKSUM: clear-signed, BSD style, with comments (the signature is not verified)', () => {
    const text = [
      '-----BEGIN PGP SIGNED MESSAGE-----',
      'Hash: SHA256',
      '',
      '# Fedora-Cloud-Base-AmazonEC2-43-1.6.x86_64.raw.xz: 491175328 bytes',
      `SHA256 (Fedora-Cloud-Base-AmazonEC2-43-1.6.x86_64.raw.xz) = ${sha256('ec2')}`,
      '# Fedora-Cloud-Base-Azure-43-1.6.x86_64.vhdfixed.xz: 520380196 bytes',
      `SHA256 (Fedora-Cloud-Base-Azure-43-1.6.x86_64.vhdfixed.xz) = ${sha256('azure')}`,
      '# Fedora-Cloud-Base-Generic-43-1.6.x86_64.qcow2: 556793856 bytes',
      `SHA256 (Fedora-Cloud-Base-Generic-43-1.6.x86_64.qcow2) = ${sha256('generic').toUpperCase()}`,
      '# Fedora-Cloud-Base-UEFI-UKI-43-1.6.x86_64.qcow2: 598802432 bytes',
      `SHA256 (Fedora-Cloud-Base-UEFI-UKI-43-1.6.x86_64.qcow2) = ${sha256('uki')}`,
      '-----BEGIN PGP SIGNATURE-----',
      '',
      'iQIzBAEBCAAdFiEEhnRHoapqL1sFfHm1dykE1fLcyMUFAmkO1gAACgkQdykE1fLc',
      'yMV9xQ/+J0rW4sJ8M2gKQmZt0p1cYh6qXr0b3nQ5H4lKk7p8sZ2cM0eQ1vX9yT8G',
      `${sha256('inside the signature')}  not-a-file-in-the-list.img`,
      '=Qm8T',
      '-----END PGP SIGNATURE-----',
      '',
    ].join('\r\n')
    const list = parseChecksumList(text)
    expect([...list.keys()]).toEqual([
      'Fedora-Cloud-Base-AmazonEC2-43-1.6.x86_64.raw.xz',
      'Fedora-Cloud-Base-Azure-43-1.6.x86_64.vhdfixed.xz',
      'Fedora-Cloud-Base-Generic-43-1.6.x86_64.qcow2',
      'Fedora-Cloud-Base-UEFI-UKI-43-1.6.x86_64.qcow2',
    ])
    // Lower-cased.
    expect(findChecksum(list, 'Fedora-Cloud-Base-Generic-43-1.6.x86_64.qcow2')).toEqual({ algorithm: 'sha256', digest: sha256('generic') })
  })

  it('undoes the dash-escaping of clear-signed text', () => {
    const text = ['-----BEGIN PGP SIGNED MESSAGE-----', 'Hash: SHA512', '', `- SHA512 (-dash.img) = ${sha512('dash')}`, '-----BEGIN PGP SIGNATURE-----', 'x', '-----END PGP SIGNATURE-----'].join('\n')
    expect(parseChecksumList(text).get('-dash.img')).toEqual({ algorithm: 'sha512', digest: sha512('dash') })
  })

  it('skips malformed lines, other algorithms and digests of the wrong length', () => {
    const text = [
      'this is not a checksum line',
      `${sha256('a').slice(0, 40)}  short.img`,
      `MD5 (old.img) = ${createHash('md5').update('x').digest('hex')}`,
      `SHA256 (wrong-length.img) = ${sha512('x')}`,
      `${sha256('a')}no-separator.img`,
      `${sha256('good')}  good.img`,
      `  # an indented comment ${sha256('c')}  comment.img`,
    ].join('\n')
    expect([...parseChecksumList(text).entries()]).toEqual([['good.img', { algorithm: 'sha256', digest: sha256('good') }]])
  })

  it('accepts a file listed twice with the same digest, and prefers sha512 over sha256', () => {
    const text = [`${sha256('same')}  a.img`, `${sha256('same').toUpperCase()} *a.img`, `${sha256('b')}  b.img`, `SHA512 (b.img) = ${sha512('b')}`].join('\n')
    const list = parseChecksumList(text)
    expect(list.get('a.img')).toEqual({ algorithm: 'sha256', digest: sha256('same') })
    expect(list.get('b.img')).toEqual({ algorithm: 'sha512', digest: sha512('b') })
  })

  it('refuses a list that gives one file two different digests', () => {
    const text = [`${sha256('one')}  image.qcow2`, `${sha256('two')}  image.qcow2`].join('\n')
    let caught: unknown
    try {
      parseChecksumList(text)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(HvError)
    const error = caught as HvError
    expect(error.code).toBe('CHECKSUM_LIST_AMBIGUOUS')
    expect(error.exitCode).toBe(ExitCode.SECURITY_CHECK_FAILED)
    expect(error.message).toBe(`the checksum list gives image.qcow2 two different sha256 digests (${sha256('one')} and ${sha256('two')})`)
    expect(error.suggestions.length).toBeGreaterThan(0)
  })

  it('reads escaped coreutils names ("\\" prefix)', () => {
    expect(parseChecksumList(`\\${sha256('x')}  back\\\\slash.img`).get('back\\slash.img')?.digest).toBe(sha256('x'))
  })
})

describe('findChecksum', () => {
  const list = parseChecksumList([`${sha256('a')}  ./images/a.img`, `${sha256('b')}  b.img`, `${sha256('c1')}  one/c.img`, `${sha256('c2')}  two/c.img`].join('\n'))

  it('finds a name exactly, or the one entry with that base name', () => {
    expect(findChecksum(list, 'b.img')?.digest).toBe(sha256('b'))
    expect(findChecksum(list, 'a.img')?.digest).toBe(sha256('a'))
  })

  it('finds nothing for an unlisted or ambiguous base name', () => {
    expect(findChecksum(list, 'z.img')).toBeUndefined()
    expect(findChecksum(list, 'c.img')).toBeUndefined()
    expect(findChecksum(list, 'one/c.img')?.digest).toBe(sha256('c1'))
  })
})
