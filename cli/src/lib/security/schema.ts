import { z } from 'zod'
import { SecurityPhase } from '../config/schemas.js'

const AbsolutePath = z.string().startsWith('/', 'must be an absolute path')
const UserName = z.string().regex(/^[a-z_][a-z0-9_.-]*\$?$/i, 'must be a user name')

/**
 * One check of a guarantee: what `hv security audit` looks at on the live host. The kinds
 * are fixed; the NixOS modules (modules/security) choose the values.
 */
export const Check = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file-exists'), path: AbsolutePath }).strict(),
  z.object({ kind: z.literal('file-absent'), path: AbsolutePath }).strict(),
  z.object({ kind: z.literal('file-sha256'), path: AbsolutePath, sha256: z.string().regex(/^[0-9a-f]{64}$/i, 'must be 64 hex digits') }).strict(),
  z.object({ kind: z.literal('file-contains'), path: AbsolutePath, text: z.string().min(1) }).strict(),
  /** `value` as /proc/sys shows it, whitespace-normalised: "1", "4 4 1 7". */
  z.object({ kind: z.literal('sysctl'), key: z.string().regex(/^[A-Za-z0-9_./-]+$/, 'must be a sysctl key such as kernel.kptr_restrict'), value: z.string() }).strict(),
  /** `key` in lowercase as `sshd -T` prints it: passwordauthentication. */
  z.object({ kind: z.literal('sshd'), key: z.string().regex(/^[a-z0-9]+$/, 'must be a lowercase sshd keyword such as passwordauthentication'), value: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('group-members'), group: z.string().min(1), members: z.array(UserName) }).strict(),
  /** A running process whose comm (/proc/PID/comm, at most 15 characters) is `name`. */
  z.object({ kind: z.literal('process'), name: z.string().min(1) }).strict(),
  /** `key = value` in the config file the running libvirtd reads. */
  z.object({ kind: z.literal('libvirtd-config'), key: z.string().regex(/^[a-z0-9_]+$/, 'must be a libvirtd.conf key such as auth_unix_rw'), value: z.string() }).strict(),
])
export type Check = z.infer<typeof Check>
export type CheckKind = Check['kind']

export const Guarantee = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'must be an id such as sshd:passwordauthentication'),
    description: z.string().min(1),
    check: Check,
  })
  .strict()
export type Guarantee = z.infer<typeof Guarantee>

export const Administrator = z
  .object({
    name: UserName,
    /** How many SSH public keys the configuration gives them (users.users.<name>.openssh.authorizedKeys). */
    sshKeys: z.number().int().min(0),
  })
  .strict()
export type Administrator = z.infer<typeof Administrator>

/** /etc/hypervisor/security.json: what the active phase guarantees, as checks (modules/security). */
export const SecurityReport = z
  .object({
    schemaVersion: z.literal(1),
    phase: SecurityPhase,
    operatorGroup: z.literal('hypervisor-operators'),
    operators: z.array(UserName),
    /** Members of wheel. */
    administrators: z.array(Administrator),
    guarantees: z.array(Guarantee),
  })
  .strict()
  .superRefine((report, context) => {
    const seen = new Set<string>()
    report.guarantees.forEach((guarantee, index) => {
      if (seen.has(guarantee.id)) context.addIssue({ code: 'custom', path: ['guarantees', index, 'id'], message: `"${guarantee.id}" appears twice` })
      seen.add(guarantee.id)
    })
  })
export type SecurityReport = z.infer<typeof SecurityReport>
