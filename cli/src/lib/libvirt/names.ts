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

export const AbsolutePath = z
  .string()
  .regex(/^\/[^\0]*$/, 'must be an absolute path')
  .refine((path) => !path.split('/').includes('..'), 'must not contain ".."')
