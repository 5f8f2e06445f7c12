import { HvCommand } from '../../base-command.js'
import { findProjectRoot } from '../../lib/dev/project-root.js'
import { type CheckDocsResult, checkDocs } from '../../lib/docs/docs-check.js'
import { colorDiff } from '../../lib/docs/report.js'
import { ExitCode } from '../../lib/errors/exit-codes.js'
import { HvError } from '../../lib/errors/hv-error.js'
import { renderHuman, summarize } from '../../lib/validate/report.js'

export default class DevCheckDocs extends HvCommand {
  static override summary = 'check that the documentation matches the code'
  static override description = `Fails when a generated section of the documentation is stale, or when a document names something that does not exist:

  generated   the CLI reference (docs/cli.md, from the CLI build's oclif manifest), the feature and risk matrix (docs/features.md, from the registry), the NixOS options reference (docs/options.md, from the modules' option declarations, read without nixpkgs), the script privilege table (SCRIPT_PRIVILEGE_CLASSIFICATION.md, from the scripts' headers), the exit-code table (docs/exit-codes.md)
  names       hv commands and their flags, hypervisor.* options and hypervisor.features.<name> features written in code in README.md, DEVELOPMENT.md, CRITICAL_REQUIREMENTS.md, SCRIPT_PRIVILEGE_CLASSIFICATION.md and docs/*.md; scripts/…sh paths; relative links and their #anchors

A stale section is shown as a diff; hv dev update-docs rewrites it. The CLI reference is generated from the build: rebuild the CLI (cd cli && npm run build) after changing a command. Exits ${ExitCode.CHECKS_FAILED} when anything is found; with --json the error's "data" holds the findings and diffs.`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<CheckDocsResult> {
    await this.parse(DevCheckDocs)
    const root = await findProjectRoot()
    this.verbose(`checkout: ${root}`)
    const result = await checkDocs({ root })
    if (!this.jsonEnabled()) {
      const theme = this.outputTheme
      for (const section of result.stale) {
        for (const line of colorDiff(section.diff, theme)) this.log(line)
        this.log('')
      }
      const lines = renderHuman(result.findings, theme)
      for (const line of lines) this.log(line)
      if (lines.length > 0) this.log('')
      const files = new Set(result.findings.map((finding) => finding.file)).size
      const status = result.errors === 0 ? theme.success(theme.symbols.ok) : theme.error(theme.symbols.fail)
      this.log(`${status} ${summarize({ ...result, files })}; checked ${result.sections} generated sections and ${result.documents} documents`)
    }
    if (result.errors > 0) {
      const stale = result.stale.length > 0 ? [`hv dev update-docs   # rewrites the ${result.stale.length} stale generated section${result.stale.length === 1 ? '' : 's'}`] : []
      throw new HvError('CHECKS_FAILED', `hv dev check-docs found ${result.errors} error${result.errors === 1 ? '' : 's'}`, {
        exitCode: ExitCode.CHECKS_FAILED,
        suggestions: [...stale, `each ${stale.length > 0 ? 'other ' : ''}finding says what to correct in the document (or in the code it names)`],
        data: result,
      })
    }
    return result
  }
}
