/**
 * The nixos layer: every tests/nixos/<name>.nix is the flake check nixos-<name> (flake.nix
 * registers them); each is built on its own with `nix build <flake>#checks.<system>.<check>
 * -L`, so a failure is attributed to its test. The layer is skipped, with the reason, where
 * the flake's nixpkgs cannot be had (not in the store and no network).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { which } from '../../exec.js'
import type { NixosTest } from './discover.js'
import type { KvmReport } from './kvm.js'
import { buildCheck, flakeCheckNames, type NixOptions, nixSystem, nixSystemFeatures, probeFlakeInputs } from './nix.js'
import { layerResult, type LayerResult, skippedLayer, type TestCaseResult } from './results.js'

/**
 * The project as Nix sees it. In a git checkout Nix reads what git tracks (a new test file
 * must be `git add`ed to become a check); elsewhere it copies the directory.
 */
export function flakeRefFor(root: string): string {
  return existsSync(join(root, '.git')) ? `git+file://${root}` : `path:${root}`
}

export interface NixosLayerOptions extends NixOptions {
  root: string
  tests: readonly NixosTest[]
  /** Stream build logs to stderr as they are written. */
  progress: boolean
  /** Told before each build (`building nixos-x`), for progress notes. */
  onBuild?: (check: string) => void
  kvm?: () => Promise<KvmReport>
  flakeRef?: string
}

export interface NixosLayerOutcome {
  result: LayerResult
  kvm?: KvmReport
}

const skipAll = (tests: readonly NixosTest[], reason: string): TestCaseResult[] =>
  tests.map((test) => ({ suite: test.path, name: test.check, status: 'skipped', message: reason }))

/** What nix's system-features mean for VM tests (runNixOSTest requires kvm and nixos-test). */
function featureNote(features: readonly string[] | undefined): string | undefined {
  if (!features) return undefined
  const missing = ['kvm', 'nixos-test'].filter((feature) => !features.includes(feature))
  if (missing.length === 0) return undefined
  return `nix's system-features lack ${missing.join(' and ')}: nix refuses VM tests that require them (extra-system-features = ${missing.join(' ')} in nix.conf lets them run, under TCG without KVM)`
}

export async function runNixosLayer(options: NixosLayerOptions): Promise<NixosLayerOutcome> {
  const started = performance.now()
  if (options.tests.length === 0) return { result: skippedLayer('nixos', 'no NixOS tests selected (tests/nixos/*.nix)') }
  const kvm = options.kvm ? await options.kvm() : undefined
  if (!(await which('nix'))) {
    const reason = 'nix is not installed (hv dev setup installs it on Debian; NixOS has it)'
    return { result: skippedLayer('nixos', reason, skipAll(options.tests, reason)), kvm }
  }
  const nixOptions: NixOptions = { env: options.env }
  const note = featureNote(await nixSystemFeatures(nixOptions))
  const kvmReport = kvm && note ? { ...kvm, detail: `${kvm.detail}; ${note}` } : kvm
  const flakeRef = options.flakeRef ?? flakeRefFor(options.root)
  const reachability = await probeFlakeInputs(flakeRef, nixOptions)
  if (!reachability.reachable) {
    return { result: skippedLayer('nixos', reachability.reason, skipAll(options.tests, reachability.reason)), kvm: kvmReport }
  }

  const system = await nixSystem(nixOptions)
  let checks: string[]
  try {
    checks = await flakeCheckNames(flakeRef, system, nixOptions)
  } catch (error) {
    const message = `the flake's checks do not evaluate: ${error instanceof Error ? error.message : String(error)}`
    const cases = options.tests.map((test): TestCaseResult => ({ suite: test.path, name: test.check, status: 'failed', message }))
    return { result: layerResult('nixos', cases, performance.now() - started), kvm: kvmReport }
  }

  const cases: TestCaseResult[] = []
  for (const test of options.tests) {
    if (!checks.includes(test.check)) {
      cases.push({
        suite: test.path,
        name: test.check,
        status: 'failed',
        message: `${test.path} is not among the flake's checks for ${system}: flakes see only what git tracks (git add ${test.path})`,
      })
      continue
    }
    options.onBuild?.(test.check)
    const outcome = await buildCheck(`${flakeRef}#checks.${system}.${test.check}`, { ...nixOptions, progress: options.progress })
    cases.push({
      suite: test.path,
      name: test.check,
      status: outcome.ok ? 'passed' : 'failed',
      durationMs: outcome.durationMs,
      ...(outcome.log ? { message: outcome.log } : {}),
    })
  }
  return { result: layerResult('nixos', cases, performance.now() - started), kvm: kvmReport }
}
