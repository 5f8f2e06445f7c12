import type { ZodError } from 'zod'

/** One line per invalid field, e.g. `uri: must be a libvirt URI such as qemu:///system`. */
export function describeZodIssues(error: ZodError): string[] {
  return error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)'
    return `${field}: ${issue.message}`
  })
}
