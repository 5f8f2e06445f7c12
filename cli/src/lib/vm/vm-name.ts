import { z } from 'zod'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { DomainName, UNWRITABLE_CHARACTERS } from '../libvirt/names.js'

/**
 * The name of a VM that may exist already: hv creates only names matching DomainName,
 * but manages domains other tools created, whose names libvirt allowed. Control
 * characters are refused (they cannot be listed or typed safely).
 */
export const ExistingVmName = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .refine((name) => !name.includes('/') && !UNWRITABLE_CHARACTERS.test(name), 'must not contain "/" or control characters')

function refuse(name: string, issue: string, rule: string): never {
  throw new HvError('INVALID_NAME', `invalid VM name ${JSON.stringify(name)}: ${issue}`, {
    exitCode: ExitCode.INVALID_ARGUMENT,
    suggestions: [rule, 'for example: web-1, db.prod, build_42'],
  })
}

/** A name for a new VM, or an INVALID_NAME error (exit 4) saying what is allowed. */
export function newVmName(name: string): string {
  const parsed = DomainName.safeParse(name)
  if (!parsed.success) refuse(name, parsed.error.issues[0]?.message ?? 'not allowed', 'VM names are 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit')
  return parsed.data
}

/** The name of an existing VM, or an INVALID_NAME error. */
export function existingVmName(name: string): string {
  const parsed = ExistingVmName.safeParse(name)
  if (!parsed.success) refuse(name, parsed.error.issues[0]?.message ?? 'not allowed', 'name a VM as hv vm list shows it')
  return parsed.data
}
