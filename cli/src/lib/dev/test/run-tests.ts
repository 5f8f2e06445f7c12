/**
 * `hv dev test`: runs the selected layers of the suite for the selected parts of the project
 * and gathers one result: the summary table, the --json output and the JUnit file all come
 * from it. A layer that cannot run here is skipped with the reason; a layer that breaks is a
 * failure of its own, and the other layers still run.
 */
import { existsSync } from 'node:fs'
import { type Component, inComponents } from './components.js'
import { discoverNixosTests, discoverVitestFiles, type VitestFile, type VitestLayer } from './discover.js'
import { writeJunit } from './junit.js'
import { detectKvm, type KvmReport } from './kvm.js'
import { runNixosLayer } from './nixos.js'
import { type DocsCheckFunction, projectDocsCheck, projectValidator, runDocsLayer, runValidateLayer, type ValidateFunction } from './project-checks.js'
import { type Layer, layerResult, type LayerResult, LAYERS, skippedLayer, type TestRunResult, totalCounts } from './results.js'
import { runVitest, vitestBinary } from './vitest.js'

export interface TestRunOptions {
  root: string
  /** Default: every layer. */
  layers?: readonly Layer[]
  /** Default: the whole project. */
  components?: readonly Component[]
  /** Absolute path of the JUnit file to write. */
  junitFile?: string
  /** Let vitest and nix show their progress on stderr. */
  progress?: boolean
  /** Notes on what runs next (`==> nixos: 3 checks`). */
  onProgress?: (message: string) => void
  /** Added to the environment of vitest and nix. */
  env?: Record<string, string | undefined>
  validate?: ValidateFunction
  checkDocs?: DocsCheckFunction
  kvm?: () => Promise<KvmReport>
  /** The flake the nixos layer builds (default: the checkout). */
  flakeRef?: string
}

const VITEST_LAYERS: readonly VitestLayer[] = ['unit', 'eval', 'integration']

function componentNote(components: readonly Component[]): string {
  return components.length > 0 ? ` of ${components.join(', ')}` : ''
}

/** A layer that threw: one failed case saying what broke, so the run goes on and reports it. */
function brokenLayer(layer: Layer, error: unknown): LayerResult {
  const message = error instanceof Error ? error.message : String(error)
  return layerResult(layer, [{ suite: layer, name: `${layer} could not run`, status: 'failed', message }], 0)
}

async function runVitestLayers(options: TestRunOptions, layers: readonly VitestLayer[], components: readonly Component[]): Promise<LayerResult[]> {
  const files = (await discoverVitestFiles(options.root)).filter((file) => layers.includes(file.layer) && inComponents(file.path, components))
  const byLayer = (layer: VitestLayer): VitestFile[] => files.filter((file) => file.layer === layer)
  const empty = (layer: VitestLayer): LayerResult => skippedLayer(layer, `no ${layer} tests${componentNote(components)}`)
  if (files.length === 0) return layers.map(empty)
  if (!existsSync(vitestBinary(options.root))) {
    const reason = 'vitest is not installed in cli/node_modules (scripts/dev/build-cli.sh runs npm ci)'
    return layers.map((layer) => (byLayer(layer).length > 0 ? skippedLayer(layer, reason) : empty(layer)))
  }
  options.onProgress?.(`==> ${layers.filter((layer) => byLayer(layer).length > 0).join(', ')}: vitest on ${files.length} test files`)
  const outcome = await runVitest({ projectRoot: options.root, files, progress: options.progress ?? false, env: options.env })
  const layerOf = new Map(files.map((file) => [file.path, file.layer]))
  return layers.map((layer) => {
    if (byLayer(layer).length === 0) return empty(layer)
    if (outcome.problem) return layerResult(layer, [{ suite: 'cli', name: 'vitest', status: 'failed', message: outcome.problem }], 0)
    const cases = outcome.cases.filter((testCase) => (layerOf.get(testCase.suite) ?? 'unit') === layer)
    return layerResult(layer, cases, cases.reduce((sum, testCase) => sum + (testCase.durationMs ?? 0), 0))
  })
}

export async function runTests(options: TestRunOptions): Promise<TestRunResult> {
  const started = performance.now()
  const selected = LAYERS.filter((layer) => !options.layers || options.layers.length === 0 || options.layers.includes(layer))
  const components = [...(options.components ?? [])]
  const results: LayerResult[] = []
  let kvm: KvmReport | undefined

  const vitestLayers = VITEST_LAYERS.filter((layer) => selected.includes(layer))
  if (vitestLayers.length > 0) {
    try {
      results.push(...(await runVitestLayers(options, vitestLayers, components)))
    } catch (error) {
      results.push(...vitestLayers.map((layer) => brokenLayer(layer, error)))
    }
  }

  if (selected.includes('nixos')) {
    try {
      const tests = (await discoverNixosTests(options.root)).filter((test) => inComponents(test.path, components))
      options.onProgress?.(`==> nixos: ${tests.length} NixOS ${tests.length === 1 ? 'test' : 'tests'}${componentNote(components)}`)
      const outcome = await runNixosLayer({
        root: options.root,
        tests,
        progress: options.progress ?? false,
        env: options.env,
        kvm: options.kvm ?? (() => detectKvm()),
        onBuild: (check) => options.onProgress?.(`    building ${check}`),
        ...(options.flakeRef ? { flakeRef: options.flakeRef } : {}),
      })
      results.push(outcome.result)
      kvm = outcome.kvm
    } catch (error) {
      results.push(brokenLayer('nixos', error))
    }
  }

  if (selected.includes('validate')) {
    options.onProgress?.('==> validate: hv dev validate')
    results.push(await runValidateLayer(options.validate ?? projectValidator, options.root, components).catch((error: unknown) => brokenLayer('validate', error)))
  }

  if (selected.includes('docs')) {
    options.onProgress?.('==> docs: hv dev check-docs')
    results.push(await runDocsLayer(options.checkDocs ?? projectDocsCheck, options.root, components).catch((error: unknown) => brokenLayer('docs', error)))
  }

  const result: TestRunResult = {
    root: options.root,
    layers: results,
    components,
    totals: totalCounts(results),
    ...(kvm ? { kvm } : {}),
    ...(options.junitFile ? { junitFile: options.junitFile } : {}),
    durationMs: Math.round(performance.now() - started),
  }
  if (options.junitFile) await writeJunit(options.junitFile, result)
  return result
}

/** The failed cases of a run, for the error message (`unit: 2, nixos: 1`). */
export function failuresByLayer(result: TestRunResult): string {
  return result.layers
    .filter((layer) => layer.failed > 0)
    .map((layer) => `${layer.layer}: ${layer.failed}`)
    .join(', ')
}

