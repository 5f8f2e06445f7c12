/**
 * A shell script as the script rules read it: its lines, its header (the comment block it
 * opens with) and the fields the Script Pattern puts there. Line-based on purpose: the
 * rules look for a handful of fixed shapes (`readonly REQUIRES_SUDO=true`), and bash itself
 * and shellcheck judge everything else.
 */
import { posix } from 'node:path'
import type { Finding } from '../finding.js'

export type SudoClass = 'YES' | 'NO'

export interface HeaderField {
  value: string
  /** 1-based. */
  line: number
}

export interface ScriptText {
  /** Project-relative, `/`-separated. */
  file: string
  text: string
  /** `lines[0]` is line 1. */
  lines: string[]
  /** The number of lines of the leading comment block (the shebang included). */
  headerLines: number
  script?: HeaderField
  sudo?: HeaderField
  description?: HeaderField
}

/** `Sudo Required: YES|NO` of a header, or undefined when absent or malformed. */
export function sudoClass(script: ScriptText): SudoClass | undefined {
  const value = script.sudo?.value
  return value === 'YES' || value === 'NO' ? value : undefined
}

export function parseScript(file: string, text: string): ScriptText {
  const lines = text.split('\n')
  let headerLines = 0
  while (headerLines < lines.length && (lines[headerLines] ?? '').startsWith('#')) headerLines += 1
  const field = (name: string): HeaderField | undefined => {
    const pattern = new RegExp(`^#\\s*${name}:\\s*(.*?)\\s*$`)
    for (let index = 0; index < headerLines; index += 1) {
      const match = pattern.exec(lines[index] ?? '')
      if (match) return { value: match[1] ?? '', line: index + 1 }
    }
    return undefined
  }
  return { file, text, lines, headerLines, script: field('Script'), sudo: field('Sudo Required'), description: field('Description') }
}

/** Whether a line is blank or only a comment. */
export function isBlankOrComment(line: string): boolean {
  const trimmed = line.trim()
  return trimmed === '' || trimmed.startsWith('#')
}

/**
 * The line without its comment: a `#` that starts a word outside quotes. `$#`, `${#x}`
 * and `a#b` are not comments, as in bash.
 */
export function withoutComment(line: string): string {
  let quote: '"' | "'" | undefined
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index]
    if (quote === "'") {
      if (char === "'") quote = undefined
    } else if (char === '\\') {
      index += 1
    } else if (quote === '"') {
      if (char === '"') quote = undefined
    } else if (char === '"' || char === "'") {
      quote = char
    } else if (char === '#' && (index === 0 || /\s/.test(line[index - 1] ?? ''))) {
      return line.slice(0, index).trimEnd()
    }
  }
  return line
}

/** The path of a project file as seen from `file`'s directory (what follows `${SCRIPT_DIR}/`). */
export function relativeFrom(file: string, target: string): string {
  return posix.relative(posix.dirname(file), target)
}

export function finding(rule: string, file: string, line: number, column: number, message: string): Finding {
  return { rule, severity: 'error', file, line, column, message }
}
