/**
 * `hv dev validate`: runs every checker over a project tree, in parallel, and returns the
 * findings under the selected paths, sorted by place.
 */
import { resultCache, type ResultCache } from './cache.js'
import type { Checker } from './checker.js'
import { compareFindings, type Finding } from './finding.js'
import { projectFiles, selectedBy } from './project-files.js'
import { nixChecker } from './rules/nix.js'
import { registryChecker } from './rules/registry.js'
import { scriptChecker } from './rules/scripts.js'

export const CHECKERS: readonly Checker[] = [scriptChecker, nixChecker, registryChecker]

export interface ValidateOptions {
  root: string
  /** Project-relative paths to report on; empty = everything. */
  paths?: readonly string[]
  /** Only these checkers (ids); default all. */
  checkers?: readonly string[]
  cache?: ResultCache
}

export interface ValidateResult {
  findings: Finding[]
  errors: number
  warnings: number
  /** Files looked at, by checker. */
  checked: Record<string, number>
  durationMs: number
}

export async function validateProject(options: ValidateOptions): Promise<ValidateResult> {
  const started = performance.now()
  const files = await projectFiles(options.root)
  const selected = selectedBy(options.paths ?? [])
  const cache = options.cache ?? resultCache()
  const checkers = CHECKERS.filter((checker) => !options.checkers || options.checkers.includes(checker.id))
  const results = await Promise.all(checkers.map((checker) => checker.check({ files, selected, cache })))
  const findings = results
    .flat()
    .filter((finding) => selected(finding.file))
    .sort(compareFindings)
  return {
    findings,
    errors: findings.filter((finding) => finding.severity === 'error').length,
    warnings: findings.filter((finding) => finding.severity === 'warning').length,
    checked: {
      scripts: files.scripts.filter(selected).length,
      nix: files.nix.filter(selected).length,
    },
    durationMs: Math.round(performance.now() - started),
  }
}
