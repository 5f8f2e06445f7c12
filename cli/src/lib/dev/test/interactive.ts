/**
 * `hv dev test --interactive NAME`: builds the NixOS test's interactive driver
 * (`checks.<system>.nixos-NAME.driverInteractive`) and runs it in this terminal, where
 * `start_all()`, `machine.shell_interact()` and the test script's own steps can be tried.
 */
import { ExitCode } from '../../errors/exit-codes.js'
import { HvError } from '../../errors/hv-error.js'
import { run, which } from '../../exec.js'
import { closest } from '../../text/closest.js'
import { discoverNixosTests, type NixosTest } from './discover.js'
import { buildOutPath, type NixOptions, nixSystem, probeFlakeInputs } from './nix.js'
import { flakeRefFor } from './nixos.js'

const ALL_EXIT_CODES = Array.from({ length: 255 }, (_, index) => index + 1)

/** `operator-access`, `nixos-operator-access` or `tests/nixos/operator-access.nix`: the test meant. */
export function findNixosTest(tests: readonly NixosTest[], name: string): NixosTest {
  const wanted = name.replace(/^tests\/nixos\//, '').replace(/\.nix$/, '').replace(/^nixos-/, '')
  const found = tests.find((test) => test.check === `nixos-${wanted}`)
  if (found) return found
  const names = tests.map((test) => test.check.replace(/^nixos-/, ''))
  const similar = closest(wanted, names)
  throw new HvError('INVALID_ARGUMENT', `there is no NixOS test ${name} in tests/nixos`, {
    exitCode: ExitCode.INVALID_ARGUMENT,
    suggestions: [
      ...(similar.length > 0 ? [`did you mean ${similar.join(' or ')}?`] : []),
      names.length > 0 ? `the NixOS tests: ${names.join(', ')}` : 'tests/nixos has no tests yet',
    ],
  })
}

export interface InteractiveOptions extends NixOptions {
  root: string
  name: string
  flakeRef?: string
}

/** Runs the driver in this terminal and resolves with its exit status. */
export async function runInteractiveDriver(options: InteractiveOptions): Promise<{ check: string; driver: string; exitCode: number }> {
  const test = findNixosTest(await discoverNixosTests(options.root), options.name)
  if (!(await which('nix'))) {
    throw new HvError('MISSING_DEPENDENCY', 'the interactive test driver is built with nix, which is not installed', {
      exitCode: ExitCode.MISSING_DEPENDENCY,
      suggestions: ['sudo hv dev setup   # installs nix on Debian/Ubuntu', 'nix develop   # on NixOS'],
    })
  }
  const flakeRef = options.flakeRef ?? flakeRefFor(options.root)
  const reachability = await probeFlakeInputs(flakeRef, options)
  if (!reachability.reachable) {
    throw new HvError('NIXPKGS_UNREACHABLE', `cannot build the interactive driver of ${test.check}: ${reachability.reason}`, {
      exitCode: ExitCode.MISSING_DEPENDENCY,
      suggestions: [
        'run it on a machine that has nixpkgs in its Nix store or can download it (a NixOS host, or any machine with network)',
        `there: nix build .#checks.<system>.${test.check}.driverInteractive && ./result/bin/nixos-test-driver`,
      ],
    })
  }
  const system = await nixSystem(options)
  let out: string
  try {
    out = await buildOutPath(`${flakeRef}#checks.${system}.${test.check}.driverInteractive`, options)
  } catch (error) {
    throw new HvError('BUILD_FAILED', `building the interactive driver of ${test.check} failed: ${error instanceof Error ? error.message : String(error)}`, {
      exitCode: ExitCode.SYSTEM_ERROR,
      suggestions: ['only NixOS VM tests (runNixOSTest) have an interactive driver', 'hv dev test --layer nixos   # builds the checks, with their logs'],
    })
  }
  const driver = `${out}/bin/nixos-test-driver`
  const { exitCode } = await run(driver, [], { terminal: true, allowedExitCodes: ALL_EXIT_CODES, env: options.env })
  return { check: test.check, driver, exitCode }
}
