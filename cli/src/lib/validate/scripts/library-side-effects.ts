/**
 * Libraries run nothing when sourced: scripts source them before their own `set` and
 * argument handling, so anything a library does on its own happens in every script, even
 * under `--help`. Checked twice: for real (source the library in a clean bash and compare
 * output, shell options and traps), and by reading its top level, which must hold only
 * function definitions, assignments/readonly/declare/export, `: "${X:=default}"`, the
 * double-sourcing guard, `source` of another library, `{ }` and comments.
 */
import { z } from 'zod'
import { CommandTimeoutError, run } from '../../exec.js'
import type { ResultCache } from '../cache.js'
import type { Finding } from '../finding.js'
import { finding, type ScriptText, withoutComment } from './script-text.js'

export const LIBRARY_SIDE_EFFECTS_RULE = {
  id: 'script/library-side-effects',
  summary: 'Sourcing a library (scripts/lib/*.sh) prints nothing and changes no shell option or trap, and its top level holds only definitions.',
} as const

const FUNCTION_START = /^(?:function\s+[A-Za-z_][\w:.-]*(?:\s*\(\))?|[A-Za-z_][\w:.-]*\s*\(\))\s*(.*)$/
const DECLARATION = /^(?:readonly|declare|typeset|export)(?:\s|$)/
const ASSIGNMENT = /^[A-Za-z_]\w*(?:\[[^\]]*\])?\+?=/
const DEFAULTING = /^:\s+"?\$\{[A-Za-z_]\w*:?=/
const SOURCE_GUARD = /^\[\[?\s.*\]\]?\s*&&\s*return(?:\s+\d+)?$/
const SOURCE = /^(?:source|\.)\s+\S/
const GROUP = /^[{}]$/
const HEREDOC = /<<-?\s*(["']?)([A-Za-z_]\w*)\1/
const COMPOUND_START = /^(?:if|for|while|until|case|select)\b/
const COMPOUND_END = /\b(?:fi|done|esac)\s*;?$/

interface ScanState {
  /** A quote, `$(`, `${` or `(` is still open at the end of the text (the command goes on). */
  open: boolean
  /** Where each top-level word ends (for `NAME=value rest`). */
  wordEnds: number[]
}

type Context = '"' | "'" | '`' | '$(' | '${' | '('

/** Where the words of a command end, and whether a quote or bracket stays open at its end. */
function scan(text: string): ScanState {
  const stack: Context[] = []
  const wordEnds: number[] = []
  let inWord = false
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] ?? ''
    const context = stack[stack.length - 1]
    const next = text[index + 1]
    if (context === "'") {
      if (char === "'") stack.pop()
      continue
    }
    if (char === '\\') {
      index += 1
      inWord = true
      continue
    }
    if (context === '`' && char === '`') {
      stack.pop()
    } else if (context === '"' && char === '"') {
      stack.pop()
    } else if (context === '${' && char === '}') {
      stack.pop()
    } else if (char === '$' && (next === '(' || next === '{')) {
      stack.push(next === '(' ? '$(' : '${')
      index += 1
    } else if (char === '"' || char === '`' || (char === "'" && context !== '"')) {
      stack.push(char)
    } else if (context === '"' || context === '`') {
      // Literal text inside quotes.
    } else if (char === '(' && context !== '${') {
      stack.push('(')
    } else if (char === ')' && (context === '(' || context === '$(')) {
      stack.pop()
    } else if (stack.length === 0 && /[\s;&|]/.test(char)) {
      if (inWord) wordEnds.push(index)
      inWord = false
      continue
    }
    inWord = true
  }
  if (inWord) wordEnds.push(text.length)
  return { open: stack.length > 0, wordEnds }
}

/** An assignment, or several, and nothing after them (`LC_ALL=C sort` runs sort). */
function onlyAssignments(code: string): boolean {
  const { wordEnds } = scan(code)
  let start = 0
  for (const end of wordEnds) {
    const word = code.slice(start, end).trim()
    if (!ASSIGNMENT.test(word)) return false
    start = end
  }
  return code.slice(start).trim() === ''
}

function allowedAtTopLevel(code: string): boolean {
  return DECLARATION.test(code) || DEFAULTING.test(code) || SOURCE_GUARD.test(code) || SOURCE.test(code) || GROUP.test(code) || (ASSIGNMENT.test(code) && onlyAssignments(code))
}

/** Commands at a library's top level that would run when it is sourced. */
export function topLevelCommands(library: ScriptText): Finding[] {
  const { lines } = library
  const findings: Finding[] = []
  let index = library.headerLines
  while (index < lines.length) {
    const start = index
    let code = withoutComment(lines[index] ?? '').trim()
    // One logical line: backslash continuations and quotes or parentheses left open.
    while (index + 1 < lines.length && (code.endsWith('\\') || scan(code).open)) {
      index += 1
      code = `${code.endsWith('\\') ? code.slice(0, -1) : code}\n${withoutComment(lines[index] ?? '').trim()}`
    }
    index += 1
    if (code === '') continue
    const definition = FUNCTION_START.exec(code)
    if (definition) {
      const rest = definition[1] ?? ''
      // `name() { ...; }` on one line; otherwise the body ends at a `}` (or `)`) in column 1.
      if (!/[})]$/.test(rest) || rest === '{' || rest === '(') {
        while (index < lines.length && !/^[})]\s*(?:[;&|<>#].*)?$/.test(lines[index] ?? '')) index += 1
        index += 1
      }
      continue
    }
    if (allowedAtTopLevel(code)) continue
    const line = lines[start] ?? ''
    findings.push(
      finding(
        LIBRARY_SIDE_EFFECTS_RULE.id,
        library.file,
        start + 1,
        line.search(/\S/) + 1,
        `\`${code.split('\n')[0]}\` runs whenever the library is sourced: a library only defines functions and constants; move it into a function, or into the scripts that need it`,
      ),
    )
    index = endOfCommand(lines, index, code)
  }
  return findings
}

/** Past the rest of a reported command: its here-document, or the body of its `if`/`for`/`case`... */
function endOfCommand(lines: readonly string[], next: number, code: string): number {
  let index = next
  const heredoc = HEREDOC.exec(code)
  if (heredoc?.[2]) {
    while (index < lines.length && (lines[index] ?? '').replace(/^\t+/, '') !== heredoc[2]) index += 1
    return index + 1
  }
  if (!COMPOUND_START.test(code) || COMPOUND_END.test(code)) return index
  for (let depth = 1; index < lines.length && depth > 0; index += 1) {
    const text = withoutComment(lines[index] ?? '').trim()
    if (COMPOUND_START.test(text) && !COMPOUND_END.test(text)) depth += 1
    else if (/^(?:fi|done|esac)\b/.test(text)) depth -= 1
  }
  return index
}

const MARKER = 'HV_VALIDATE_SOURCED'
const TIMEOUT_MS = 10_000
// Sources "$1", then prints a marker, the shell options before and after, and the traps
// set: a missing marker means the library ended the shell.
const SOURCE_PROBE = ['before="$-"', 'source "$1"', `printf '%s\\n%s\\n%s\\n%s' "${MARKER}" "$before" "$-" "$(trap -p)"`].join('\n')

const CachedFindings = z.array(z.object({ rule: z.string(), severity: z.enum(['error', 'warning']), file: z.string(), line: z.number(), column: z.number(), message: z.string() }))

/**
 * What sourcing the library does, cached by bash and every library's content (what a
 * library can source); a warm run starts no shell.
 */
export async function sourcingEffects(root: string, library: string, key: string, cache: ResultCache): Promise<Finding[]> {
  const cached = CachedFindings.safeParse(await cache.get(key))
  if (cached.success) return cached.data
  const findings = await sourceLibrary(root, library)
  await cache.set(key, findings)
  return findings
}

/** Sources the library in a clean bash (no profile, no BASH_ENV, `set -u` off) from the tree's root. */
async function sourceLibrary(root: string, library: string): Promise<Finding[]> {
  const report = (message: string) => finding(LIBRARY_SIDE_EFFECTS_RULE.id, library, 1, 1, message)
  let result: { stdout: string; stderr: string; exitCode: number }
  try {
    result = await run(
      'env',
      ['-i', `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, 'LC_ALL=C', 'bash', '--noprofile', '--norc', '-c', SOURCE_PROBE, 'hv-validate', library],
      { cwd: root, input: '', timeoutMs: TIMEOUT_MS, allowedExitCodes: Array.from({ length: 255 }, (_, code) => code + 1) },
    )
  } catch (error) {
    if (error instanceof CommandTimeoutError) return [report(`sourcing the library did not finish within ${TIMEOUT_MS / 1000} s: a library must not wait for anything at its top level`)]
    throw error
  }
  const { stdout, stderr, exitCode } = result
  const markerAt = stdout.lastIndexOf(`${MARKER}\n`)
  if (markerAt === -1) {
    const said = (stderr || stdout).trim().split('\n').slice(-2).join(' / ')
    return [report(`sourcing the library ended the shell (exit ${exitCode}${said ? `: ${said}` : ''}): a library must not exit, exec or fail at its top level`)]
  }
  const findings: Finding[] = []
  const printed = `${stdout.slice(0, markerAt)}${stderr}`.trim()
  if (printed) findings.push(report(`sourcing the library printed \`${printed.split('\n')[0]}\`: a library only defines functions and constants; print from functions the scripts call`))
  const [before = '', after = '', ...traps] = stdout.slice(markerAt + MARKER.length + 1).split('\n')
  if (before !== after) {
    findings.push(report(`sourcing the library changes the shell options from \`${before}\` to \`${after}\`: leave \`set\` to the scripts (the Script Pattern sets -Eeuo pipefail itself)`))
  }
  const trap = traps.join('\n').trim()
  if (trap) findings.push(report(`sourcing the library sets a trap (\`${trap.split('\n')[0]}\`): leave traps to the scripts, which know what to clean up`))
  return findings
}
