import { resolve } from 'node:path'
import { Flags } from '@oclif/core'
import { HvCommand } from '../../base-command.js'
import { findProjectRoot } from '../../lib/dev/project-root.js'
import { COMPONENTS } from '../../lib/dev/test/components.js'
import { runInteractiveDriver } from '../../lib/dev/test/interactive.js'
import { LAYERS, type TestRunResult } from '../../lib/dev/test/results.js'
import { failuresByLayer, runTests } from '../../lib/dev/test/run-tests.js'
import { renderSummary } from '../../lib/dev/test/summary.js'
import { ExitCode } from '../../lib/errors/exit-codes.js'
import { HvError, invalidArgument } from '../../lib/errors/hv-error.js'

export default class DevTest extends HvCommand {
  static override summary = "run the project's test suite, layer by layer, and summarise it"
  static override description = `Runs the layers of the suite and prints one table: for each layer, how many tests ran, passed, failed and were skipped, and why anything was skipped.

  unit         vitest: cli/test/**/*.test.ts that are neither of the next two
  eval         vitest: the module evaluation tests (they need nixpkgs' lib on NIX_PATH)
  integration  vitest: *.integration.test.ts (root, hv dev setup, a real libvirtd)
  nixos        tests/nixos/*.nix, each built as the flake check nixos-<name> (needs nixpkgs; KVM preferred, TCG otherwise)
  validate     hv dev validate: every error is a failure
  docs         hv dev check-docs

--component limits the run to one part of the project (core, features, security, networking, virtualization, cli, scripts). --junit writes every layer's results to one JUnit file. --interactive builds a NixOS test's interactive driver and runs it in this terminal. Exits 5 when any test failed.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --layer unit --layer eval',
    '<%= config.bin %> <%= command.id %> --component security',
    '<%= config.bin %> <%= command.id %> --layer nixos --junit test-results/nixos.xml',
    '<%= config.bin %> <%= command.id %> --layer validate --layer docs --no-progress',
    '<%= config.bin %> <%= command.id %> --interactive operator-access',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override flags = {
    layer: Flags.option({ description: 'run only these layers (repeatable or comma-separated; default: all)', options: LAYERS, multiple: true, multipleNonGreedy: true, delimiter: ',' })(),
    component: Flags.option({ description: 'run only the tests of these parts of the project (repeatable or comma-separated)', options: COMPONENTS, multiple: true, multipleNonGreedy: true, delimiter: ',' })(),
    progress: Flags.boolean({
      description: "show vitest's and nix's own output as they run, on stderr (--no-progress: the summary only)",
      default: true,
      allowNo: true,
    }),
    junit: Flags.string({ description: 'write the results of every layer to this JUnit XML file', helpValue: '<file>' }),
    interactive: Flags.string({
      description: "build the NixOS test's interactive driver (tests/nixos/<name>.nix) and run it in this terminal",
      helpValue: '<name>',
      exclusive: ['layer', 'component', 'junit', 'progress'],
    }),
  }

  async run(): Promise<TestRunResult | { check: string; driver: string; exitCode: number }> {
    const { flags } = await this.parse(DevTest)
    const root = await findProjectRoot()
    this.verbose(`checkout: ${root}`)

    if (flags.interactive !== undefined) {
      if (this.jsonEnabled()) throw invalidArgument('--interactive runs in this terminal and has no --json output', ['hv dev test --interactive NAME'])
      const outcome = await runInteractiveDriver({ root, name: flags.interactive })
      if (outcome.exitCode !== 0) this.exit(outcome.exitCode)
      return outcome
    }

    const human = !this.jsonEnabled()
    await this.experience() // loaded once here, so that progress notes print in order
    const result = await runTests({
      root,
      layers: flags.layer ?? [],
      components: flags.component ?? [],
      ...(flags.junit ? { junitFile: resolve(flags.junit) } : {}),
      progress: human && flags.progress,
      onProgress: (message) => void this.note(this.theme.strong(message)),
    })
    if (human) for (const line of renderSummary(result, this.outputTheme)) this.log(line)
    if (result.totals.failed > 0) {
      throw new HvError('TESTS_FAILED', `${result.totals.failed} ${result.totals.failed === 1 ? 'test' : 'tests'} failed (${failuresByLayer(result)})`, {
        exitCode: ExitCode.CHECKS_FAILED,
        suggestions: [
          'each failure is listed above with its message; --json and --junit hold the whole of each',
          'run one layer or part again: hv dev test --layer unit --component security',
        ],
        data: result,
      })
    }
    return result
  }
}
