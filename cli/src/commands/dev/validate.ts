import { Args, Flags } from '@oclif/core'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { HvCommand } from '../../base-command.js'
import { findProjectRoot } from '../../lib/dev/project-root.js'
import { ExitCode } from '../../lib/errors/exit-codes.js'
import { HvError } from '../../lib/errors/hv-error.js'
import { renderGithub, renderHuman, summarize } from '../../lib/validate/report.js'
import { CHECKERS, type ValidateResult, validateProject } from '../../lib/validate/validate.js'

export default class DevValidate extends HvCommand {
  static override summary = "check the project's scripts, Nix modules and feature registry against its rules"
  static override description = `Every rule of CRITICAL_REQUIREMENTS.md and DEVELOPMENT.md that a program can check, each finding with its rule id, file:line:column and how to fix it:

  scripts   the Script Pattern (header, strict mode, libraries, REQUIRES_SUDO), bash -n, shellcheck (warning level), SCRIPT_PRIVILEGE_CLASSIFICATION.md
  nix       nix-instantiate --parse, and the module pattern on the syntax tree (options under hypervisor., config behind mkIf, no structure from config, no with lib;, mkOption with type and description, one owner per sysctl)
  registry  every feature well-formed, its dependencies and conflicts real, used by a module, documented

PATHs (files or directories) limit the report to what lies under them. Results of shellcheck and the Nix parser are cached by file content, so a second run only re-checks what changed. Exits 5 when there is any error.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> scripts/dev modules/security',
    '<%= config.bin %> <%= command.id %> --format github   # annotations in GitHub Actions',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override strict = false
  static override args = { path: Args.string({ description: 'files or directories to report on (default: the whole project)' }) }
  static override flags = {
    format: Flags.string({ description: 'output format (--json for data)', options: ['human', 'github'], default: 'human' }),
    only: Flags.string({ description: 'run only these checkers (comma-separated)', options: CHECKERS.map((checker) => checker.id), multiple: true, multipleNonGreedy: true, delimiter: ',' }),
  }

  async run(): Promise<ValidateResult> {
    const { argv, flags } = await this.parse(DevValidate)
    const root = await findProjectRoot()
    const paths = (argv as string[]).map((path) => projectRelative(root, path))
    const result = await validateProject({ root, paths, ...(flags.only ? { checkers: flags.only } : {}) })
    if (!this.jsonEnabled()) {
      const lines = flags.format === 'github' ? renderGithub(result.findings) : renderHuman(result.findings, this.outputTheme)
      for (const line of lines) this.log(line)
      if (flags.format !== 'github' && lines.length > 0) this.log('')
      const files = new Set(result.findings.map((finding) => finding.file)).size
      const checked = `checked ${result.checked.scripts} scripts, ${result.checked.nix} Nix files and the feature registry`
      this.log(`${result.errors === 0 ? this.outputTheme.success(this.outputTheme.symbols.ok) : this.outputTheme.error(this.outputTheme.symbols.fail)} ${summarize({ ...result, files })}; ${checked}`)
    }
    if (result.errors > 0) {
      throw new HvError('CHECKS_FAILED', `hv dev validate found ${result.errors} error${result.errors === 1 ? '' : 's'}`, {
        exitCode: ExitCode.CHECKS_FAILED,
        suggestions: ['each finding above says how to fix it; rule ids are explained in DEVELOPMENT.md ("hv dev validate")'],
        data: result,
      })
    }
    return result
  }
}

/** A PATH argument as a project-relative path; one outside the project is a usage error. */
function projectRelative(root: string, path: string): string {
  const absolute = isAbsolute(path) ? path : resolve(process.cwd(), path)
  const inside = relative(root, absolute)
  if (inside.startsWith('..') || isAbsolute(inside)) {
    throw new HvError('INVALID_ARGUMENT', `${path} is outside the project (${root})`, { exitCode: ExitCode.INVALID_ARGUMENT, suggestions: ['give paths inside the checkout, or none for all of it'] })
  }
  return inside.split(sep).join('/')
}
