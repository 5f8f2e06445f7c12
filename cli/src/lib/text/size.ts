import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'

const UNITS: Record<string, number> = { B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }

/**
 * "512M", "2G", "1.5GiB", "10" (in `defaultUnit`) → bytes. Units are binary (K = KiB);
 * anything else, a negative or an absurd number, is an INVALID_ARGUMENT error.
 */
export function parseSize(text: string, defaultUnit: 'M' | 'G', what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text)
  const unit = (match?.[2] || defaultUnit).toUpperCase()
  const bytes = match ? Math.round(Number(match[1]) * (UNITS[unit] ?? 0)) : Number.NaN
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new HvError('INVALID_ARGUMENT', `${what} "${text}" is not a size`, {
      exitCode: ExitCode.INVALID_ARGUMENT,
      suggestions: [`write it like 512M, 2G or 20GiB (a plain number is in ${defaultUnit === 'M' ? 'MiB' : 'GiB'})`],
    })
  }
  return bytes
}

export function formatMiB(mib: number): string {
  return mib >= 1024 && mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`
}
