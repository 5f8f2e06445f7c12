import { Flags } from '@oclif/core'
import { HvCommand } from '../../base-command.js'
import { findProjectRoot } from '../../lib/dev/project-root.js'
import { DOCS_COMPONENTS, type UpdateDocsResult, updateDocs } from '../../lib/docs/docs-check.js'
import { ExitCode } from '../../lib/errors/exit-codes.js'
import { HvError } from '../../lib/errors/hv-error.js'
import { renderHuman } from '../../lib/validate/report.js'

export default class DevUpdateDocs extends HvCommand {
  static override summary = 'rewrite the generated sections of the documentation from the code'
  static override description = `Regenerates what hv dev check-docs compares, between each section's markers (<!-- NAME --> and <!-- NAME-stop -->), and nothing else: the prose around them stays as written.

  cli         docs/cli.md, from the CLI build (rebuild first: cd cli && npm run build)
  features    docs/features.md, from modules/features/feature-categories.nix
  options     docs/options.md, from the modules' option declarations
  scripts     SCRIPT_PRIVILEGE_CLASSIFICATION.md, from the scripts' headers
  exit-codes  docs/exit-codes.md, from cli/src/lib/errors/exit-codes.ts

Names of commands, options or scripts in hand-written prose are not changed: hv dev check-docs reports them.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --component features --component options',
    '<%= config.bin %> <%= command.id %> --component cli --json',
  ]
  static override flags = {
    component: Flags.string({
      description: 'only this generated section (repeatable; default: all)',
      options: [...DOCS_COMPONENTS],
      multiple: true,
    }),
  }

  async run(): Promise<UpdateDocsResult> {
    const { flags } = await this.parse(DevUpdateDocs)
    const root = await findProjectRoot()
    this.verbose(`checkout: ${root}`)
    const components = (flags.component ?? []).filter((component): component is (typeof DOCS_COMPONENTS)[number] => (DOCS_COMPONENTS as readonly string[]).includes(component))
    const result = await updateDocs({ root, components })
    if (!this.jsonEnabled()) {
      const theme = this.outputTheme
      for (const section of result.changed) {
        this.log(`${theme.success(theme.symbols.ok)} updated ${section.file} (${section.title}): ${theme.success(`+${section.added}`)} ${theme.error(`-${section.removed}`)} lines`)
      }
      for (const section of result.unchanged) this.log(theme.muted(`  unchanged ${section.file} (${section.title})`))
      const failures = renderHuman(result.failures, theme)
      if (failures.length > 0) this.log(['', ...failures].join('\n'))
    }
    if (result.failures.length > 0) {
      throw new HvError('CHECKS_FAILED', `hv dev update-docs could not write ${result.failures.length === 1 ? 'a section' : `${result.failures.length} sections`}: see the findings`, {
        exitCode: ExitCode.CHECKS_FAILED,
        suggestions: ['each finding says what is missing (markers in the document, a CLI build, a module nixpkgs-free documentation cannot read)'],
        data: result,
      })
    }
    return result
  }
}
