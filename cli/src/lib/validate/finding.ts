/**
 * What `hv dev validate` reports: findings, each from a rule with an id, at a place
 * (project-relative file, 1-based line and column), with a message that says how to fix it.
 */
export type Severity = 'error' | 'warning'

export interface Finding {
  /** The rule's id, e.g. `script/header` or `shellcheck/SC2086`. */
  rule: string
  severity: Severity
  /** Relative to the project root, `/`-separated. */
  file: string
  /** 1-based. */
  line: number
  /** 1-based. */
  column: number
  /** What is wrong and how to fix it. */
  message: string
}

/** A rule as documented (DEVELOPMENT.md's rule table is generated from these). */
export interface RuleInfo {
  id: string
  /** One sentence: what the rule requires. */
  summary: string
}

/** 1-based line and column of a character offset in `text`. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) {
    line += 1
    lineStart = index + 1
  }
  return { line, column: offset - lineStart + 1 }
}

/** The 1-based line of the first match of `pattern` (a global search), or undefined. */
export function lineOf(text: string, pattern: RegExp): { line: number; column: number } | undefined {
  const match = pattern.exec(text)
  return match ? positionAt(text, match.index) : undefined
}

export function compareFindings(a: Finding, b: Finding): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule)
}
