/**
 * The exit codes of `hv` and of every script (scripts/lib/exit_codes.sh holds the
 * same table for bash; a unit test keeps the two equal). Add a code here and there
 * together, and never renumber one: scripts and CI jobs match on the numbers.
 */
export const ExitCode = {
  OK: 0,
  GENERAL_ERROR: 1,
  MISSING_DEPENDENCY: 2,
  PERMISSION_DENIED: 3,
  INVALID_ARGUMENT: 4,
  CHECKS_FAILED: 5,
  CANCELLED: 10,
  VM_NOT_FOUND: 21,
  VM_EXISTS: 22,
  VM_RUNNING: 23,
  VM_NOT_RUNNING: 24,
  SYSTEM_ERROR: 31,
  LIBVIRT_UNAVAILABLE: 32,
  LIBVIRT_ERROR: 33,
  QEMU_ERROR: 34,
  TIMEOUT: 35,
  SECURITY_POLICY: 41,
  RISK_NOT_ACKNOWLEDGED: 42,
  SECURITY_CHECK_FAILED: 43,
} as const

export type ExitCodeName = keyof typeof ExitCode
export type ExitCodeValue = (typeof ExitCode)[ExitCodeName]

/** What each code means, for `docs/exit-codes.md` and `--help` texts. */
export const exitCodeMeaning: Record<ExitCodeName, string> = {
  OK: 'success',
  GENERAL_ERROR: 'an unexpected error (a bug: please report it with --verbose output)',
  MISSING_DEPENDENCY: 'a required program or package is missing',
  PERMISSION_DENIED: 'not allowed: needs root, or membership of an operator group',
  INVALID_ARGUMENT: 'a bad argument, flag, name or configuration value',
  CHECKS_FAILED: 'a project check found problems (hv dev validate, check-docs, test): each is listed with where and how to fix it',
  CANCELLED: 'cancelled by the user',
  VM_NOT_FOUND: 'no VM of that name',
  VM_EXISTS: 'a VM of that name already exists',
  VM_RUNNING: 'the VM is running and the operation needs it stopped',
  VM_NOT_RUNNING: 'the VM is not running and the operation needs it running',
  SYSTEM_ERROR: 'a host command or system call failed',
  LIBVIRT_UNAVAILABLE: 'cannot connect to libvirt',
  LIBVIRT_ERROR: 'libvirt refused or failed the operation',
  QEMU_ERROR: 'QEMU or the guest failed',
  TIMEOUT: 'gave up waiting',
  SECURITY_POLICY: 'refused by the security policy of the active phase',
  RISK_NOT_ACKNOWLEDGED: 'a feature above the risk tolerance is not acknowledged',
  SECURITY_CHECK_FAILED: 'a security check failed',
}
