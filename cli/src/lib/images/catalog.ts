/**
 * Well-known image aliases (`ubuntu:24.04`, `debian:12`, ...) and how they resolve: the
 * official cloud-image directory, the checksum list published beside the image, and the
 * image's file name in that list. A site mirror (or a test's local server) stands in for
 * every upstream with `--registry URL` (layout: URL/<alias with ":" as "-">/, e.g.
 * URL/debian-12/SHA512SUMS beside the image).
 */
import { z } from 'zod'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'

export interface CatalogEntry {
  alias: string
  description: string
  /** The official directory, ending in "/". */
  upstream: string
  /** The checksum list's file name in that directory. */
  checksumFile: string
  /** The image's file name in the checksum list. */
  imageFile: RegExp
}

export const CATALOG: readonly CatalogEntry[] = [
  {
    alias: 'ubuntu:24.04',
    description: 'Ubuntu 24.04 LTS (Noble Numbat) server cloud image',
    upstream: 'https://cloud-images.ubuntu.com/releases/noble/release/',
    checksumFile: 'SHA256SUMS',
    imageFile: /^ubuntu-24\.04-server-cloudimg-amd64\.img$/,
  },
  {
    alias: 'ubuntu:22.04',
    description: 'Ubuntu 22.04 LTS (Jammy Jellyfish) server cloud image',
    upstream: 'https://cloud-images.ubuntu.com/releases/jammy/release/',
    checksumFile: 'SHA256SUMS',
    imageFile: /^ubuntu-22\.04-server-cloudimg-amd64\.img$/,
  },
  {
    alias: 'debian:12',
    description: 'Debian 12 (bookworm) generic cloud image',
    upstream: 'https://cloud.debian.org/images/cloud/bookworm/latest/',
    checksumFile: 'SHA512SUMS',
    imageFile: /^debian-12-genericcloud-amd64\.qcow2$/,
  },
  {
    alias: 'debian:13',
    description: 'Debian 13 (trixie) generic cloud image',
    upstream: 'https://cloud.debian.org/images/cloud/trixie/latest/',
    checksumFile: 'SHA512SUMS',
    imageFile: /^debian-13-genericcloud-amd64\.qcow2$/,
  },
  {
    alias: 'fedora:43',
    description: 'Fedora 43 Cloud Base (generic)',
    upstream: 'https://download.fedoraproject.org/pub/fedora/linux/releases/43/Cloud/x86_64/images/',
    checksumFile: 'Fedora-Cloud-43-1.6-x86_64-CHECKSUM',
    imageFile: /^Fedora-Cloud-Base-Generic-43-[\d.]+\.x86_64\.qcow2$/,
  },
]

/** http(s) URLs without credentials: what hv downloads from. */
export const DownloadUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((text) => URL.canParse(text), 'must be a URL such as https://example.org/image.qcow2')
  .transform((text) => new URL(text))
  .refine((url) => url.protocol === 'https:' || url.protocol === 'http:', 'must be an http:// or https:// URL')
  .refine((url) => !url.username && !url.password, 'must not contain a user name or password (hv would store and print it)')

export function downloadUrl(text: string, what: string): URL {
  const parsed = DownloadUrl.safeParse(text)
  if (!parsed.success) {
    throw new HvError('INVALID_URL', `${what} ${JSON.stringify(text.slice(0, 200))} ${parsed.error.issues[0]?.message ?? 'is not allowed'}`, {
      exitCode: ExitCode.INVALID_ARGUMENT,
    })
  }
  return parsed.data
}

export function looksLikeAlias(reference: string): boolean {
  return /^[a-z][a-z0-9-]*:[A-Za-z0-9._-]+$/.test(reference) && !reference.includes('://')
}

export function findAlias(alias: string): CatalogEntry {
  const entry = CATALOG.find((candidate) => candidate.alias === alias)
  if (!entry) {
    throw new HvError('UNKNOWN_IMAGE', `unknown image alias "${alias}"`, {
      exitCode: ExitCode.INVALID_ARGUMENT,
      suggestions: [`known aliases: ${CATALOG.map((candidate) => candidate.alias).join(', ')}`, 'or pull a URL: hv image pull https://... --sha256 HEX'],
    })
  }
  return entry
}

/** The directory an alias is fetched from: upstream, or the mirror's <alias>/ directory. */
export function aliasDirectory(entry: CatalogEntry, registry: URL | undefined): URL {
  if (!registry) return new URL(entry.upstream)
  const base = registry.href.endsWith('/') ? registry.href : `${registry.href}/`
  return new URL(`${entry.alias.replace(':', '-')}/`, base)
}
