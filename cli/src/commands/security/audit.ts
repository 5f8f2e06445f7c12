import { HvCommand } from '../../base-command.js'
import { ExitCode } from '../../lib/errors/exit-codes.js'
import { HvError } from '../../lib/errors/hv-error.js'
import { type AuditSummary, auditGuarantees, describeExpectation, type GuaranteeResult, HostProbe } from '../../lib/security/checks.js'
import { readSecurityReport, requireHost } from '../../lib/security/host.js'
import type { SecurityPhase } from '../../lib/config/schemas.js'
import { renderTable } from '../../lib/text/table.js'

export interface SecurityAuditResult {
  phase: SecurityPhase
  from: string
  results: GuaranteeResult[]
  summary: AuditSummary
}

export default class SecurityAudit extends HvCommand {
  static override summary = 'check that the host really has what its security phase guarantees'
  static override description = `Runs every guarantee of the active phase, as the NixOS modules wrote them in /etc/hypervisor/security.json, against the live host: files and their contents, sysctls, sshd's effective settings, group members, running processes and libvirtd's configuration. Each check passes, fails (with what was found), or is unknown (with why; some checks need root).

Exits with ${ExitCode.SECURITY_CHECK_FAILED} when any check fails; with --json the error's "data" holds every result.`
  static override examples = ['<%= config.bin %> <%= command.id %>', 'sudo <%= config.bin %> <%= command.id %> --json']

  async run(): Promise<SecurityAuditResult> {
    await this.parse(SecurityAudit)
    const root = await requireHost()
    const loaded = await readSecurityReport(root)
    if (loaded === undefined) {
      throw new HvError('SECURITY_REPORT_MISSING', `${root}/security.json is missing: there are no guarantees to check`, {
        exitCode: ExitCode.MISSING_DEPENDENCY,
        suggestions: ['sudo nixos-rebuild switch   # the security modules write it', 'hv security status'],
      })
    }
    const probe = new HostProbe()
    const { results, summary } = await auditGuarantees(loaded.report, probe)
    const result: SecurityAuditResult = { phase: loaded.report.phase, from: loaded.from, results, summary }

    const theme = this.outputTheme
    this.log(`Guarantees of the ${result.phase} phase (${loaded.from}):`)
    const rows = results.map((check) => [theme.outcome(check.status), check.id, check.description])
    const lines = renderTable(rows)
    results.forEach((check, index) => {
      this.log(lines[index])
      if (check.status === 'fail') this.log(theme.muted(`    expected: ${describeExpectation(check.check)}; found: ${check.found}`))
      if (check.status === 'unknown') this.log(theme.muted(`    unknown: ${check.why}`))
    })
    this.log('')
    this.log(`${results.length} ${results.length === 1 ? 'check' : 'checks'}: ${summary.pass} passed, ${summary.fail} failed, ${summary.unknown} unknown`)
    if (summary.unknown > 0 && !probe.isRoot) this.log(theme.muted('Some checks need root: sudo hv security audit'))
    if (summary.fail > 0) {
      const failed = results.filter((check) => check.status === 'fail').map((check) => check.id)
      throw new HvError('SECURITY_CHECK_FAILED', `${summary.fail} of ${results.length} guarantees of the ${result.phase} phase do not hold: ${failed.join(', ')}`, {
        exitCode: ExitCode.SECURITY_CHECK_FAILED,
        suggestions: ['sudo nixos-rebuild switch   # restores what the configuration guarantees', 'if a check keeps failing, something on the host changes it: find out what before trusting the host'],
        data: result,
      })
    }
    return result
  }
}
