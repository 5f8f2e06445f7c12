import { z } from 'zod'

/**
 * VM names hv accepts: 1-63 characters, letters, digits, dot, dash, underscore,
 * starting with a letter or digit. Narrower than libvirt (which takes almost any
 * string) so names are safe as file names, in URLs and as hostnames' first label.
 */
export const DomainName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
    'must be 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit',
  )
export type DomainName = z.infer<typeof DomainName>

/**
 * Characters that cannot appear in a value hv writes into XML: C0 and C1 controls
 * (XML parsers turn a newline in an attribute into a space, a carriage return into a
 * newline, and most other controls are not XML at all), noncharacters, lone surrogates.
 */
export const UNWRITABLE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]|\p{Cs}/u

export const AbsolutePath = z
  .string()
  .regex(/^\/[^\0]*$/, 'must be an absolute path')
  .refine((path) => !path.split('/').includes('..'), 'must not contain ".."')
  .refine((path) => !UNWRITABLE_CHARACTERS.test(path), 'must not contain control characters such as newlines')

/**
 * Storage volume names hv creates and accepts: 1-128 letters, digits, dots, dashes or
 * underscores, starting with a letter or digit. No slash (libvirt joins the name to the
 * pool's directory) and no leading dot (no hidden files, no "." or "..").
 */
export const VolumeName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
    'must be 1-128 letters, digits, dots, dashes or underscores, starting with a letter or digit (no slashes, no leading dot)',
  )
export type VolumeName = z.infer<typeof VolumeName>
