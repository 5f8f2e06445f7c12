/**
 * A checker owns a family of rules (scripts, nix, registry) and checks a project tree.
 * The runner (validate.ts) runs the checkers in parallel and keeps the findings under the
 * paths the user named.
 */
import type { Finding, RuleInfo } from './finding.js'
import type { ProjectFiles } from './project-files.js'
import type { ResultCache } from './cache.js'

export interface ValidationContext {
  /** The tree being validated (the project, or a test fixture). */
  files: ProjectFiles
  /** Whether a file was selected (PATH arguments); cross-file rules still read every file. */
  selected: (file: string) => boolean
  /** Per-file results keyed by content, for the expensive tools (shellcheck, nix parsing). */
  cache: ResultCache
}

export interface Checker {
  /** `scripts`, `nix`, `registry`. */
  id: string
  rules: readonly RuleInfo[]
  check(context: ValidationContext): Promise<Finding[]>
}
