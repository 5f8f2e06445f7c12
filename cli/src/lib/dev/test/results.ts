/**
 * What `hv dev test` reports: every layer's cases (a vitest test, a flake check, a validate
 * finding), counted the same way for the summary table, the JUnit file and --json.
 */
import type { Component } from './components.js'
import type { KvmReport } from './kvm.js'

/** The kinds of test, in the order they run and are reported. */
export const LAYERS = ['unit', 'eval', 'integration', 'nixos', 'validate', 'docs'] as const
export type Layer = (typeof LAYERS)[number]

export type CaseStatus = 'passed' | 'failed' | 'skipped'

export interface TestCaseResult {
  /** Where the case comes from: a test file, a flake check, a validated file (project-relative). */
  suite: string
  name: string
  status: CaseStatus
  durationMs?: number
  /** Why it failed (the assertion, the tail of a build log) or why it was skipped. */
  message?: string
}

export interface LayerCounts {
  /** Cases that ran: passed + failed. */
  ran: number
  passed: number
  failed: number
  skipped: number
}

export interface LayerResult extends LayerCounts {
  layer: Layer
  /** failed: a case failed; skipped: nothing ran (see reasons); passed otherwise. */
  status: 'passed' | 'failed' | 'skipped'
  /** Why cases were skipped, or why the whole layer did not run; each reason once. */
  reasons: string[]
  durationMs: number
  cases: TestCaseResult[]
}

export interface TestRunResult {
  root: string
  layers: LayerResult[]
  components: Component[]
  totals: LayerCounts
  /** Whether NixOS test VMs get hardware acceleration here (when the nixos layer was asked for). */
  kvm?: KvmReport
  /** The JUnit file written, when --junit asked for one. */
  junitFile?: string
  durationMs: number
}

export function countCases(cases: readonly TestCaseResult[]): LayerCounts {
  const passed = cases.filter((testCase) => testCase.status === 'passed').length
  const failed = cases.filter((testCase) => testCase.status === 'failed').length
  return { ran: passed + failed, passed, failed, skipped: cases.length - passed - failed }
}

/** A layer's result from its cases; `reasons` are why the layer as a whole could not run. */
export function layerResult(layer: Layer, cases: TestCaseResult[], durationMs: number, reasons: readonly string[] = []): LayerResult {
  const counts = countCases(cases)
  const skipReasons = cases.filter((testCase) => testCase.status === 'skipped').map((testCase) => testCase.message ?? NO_SKIP_REASON)
  const status = counts.failed > 0 ? 'failed' : counts.passed > 0 ? 'passed' : 'skipped'
  return { layer, status, ...counts, reasons: [...new Set([...reasons, ...skipReasons])], durationMs: Math.round(durationMs), cases }
}

/** A layer that could not run at all. */
export function skippedLayer(layer: Layer, reason: string, cases: TestCaseResult[] = []): LayerResult {
  return layerResult(layer, cases, 0, [reason])
}

export function totalCounts(layers: readonly LayerResult[]): LayerCounts {
  return layers.reduce(
    (sum, layer) => ({ ran: sum.ran + layer.ran, passed: sum.passed + layer.passed, failed: sum.failed + layer.failed, skipped: sum.skipped + layer.skipped }),
    { ran: 0, passed: 0, failed: 0, skipped: 0 },
  )
}

/** What a skipped test that printed no `[skip] ...` line is reported with. */
export const NO_SKIP_REASON = 'skipped without a printed reason (a skipped test must say why: console.warn(\'[skip] ...\'))'
