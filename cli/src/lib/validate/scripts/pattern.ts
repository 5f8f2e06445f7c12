/**
 * The Script Pattern (DEVELOPMENT.md, scripts/lib/TEMPLATE.sh) read off a script's text:
 * the header, strict mode, the shared libraries, REQUIRES_SUDO/OPERATION_TYPE agreeing with
 * the header, and check_sudo_requirement when root is required.
 */
import { posix } from 'node:path'
import type { Finding } from '../finding.js'
import { COMMON_LIBRARY, EXIT_CODES_LIBRARY, TEMPLATE_SCRIPT } from './script-kinds.js'
import { finding, isBlankOrComment, relativeFrom, type ScriptText, sudoClass, withoutComment } from './script-text.js'

export const PATTERN_RULES = [
  { id: 'script/header', summary: 'A script opens with a comment header: `# Script: <its file name>`, `# Sudo Required: YES|NO` and `# Description: ...`.' },
  { id: 'script/strict-mode', summary: 'The first command after the header is `set -Eeuo pipefail`.' },
  { id: 'script/libraries', summary: 'A script sets `SCRIPT_DIR` to its own directory, then sources scripts/lib/common.sh and scripts/lib/exit_codes.sh through it.' },
  { id: 'script/requires-sudo', summary: '`readonly REQUIRES_SUDO=true|false` agrees with the header (YES ⇔ true), and `readonly OPERATION_TYPE` says what the script does.' },
  { id: 'script/check-sudo', summary: 'A script with `REQUIRES_SUDO=true` calls `check_sudo_requirement`.' },
] as const

const STRICT_MODE = /^set -Eeuo pipefail$/
const SCRIPT_DIR_DEFINITION = /^(?:readonly\s+)?SCRIPT_DIR="\$\(cd "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)" && pwd\)"$/
const SCRIPT_DIR_SOURCE = /^\s*(?:source|\.)\s+"?\$\{?SCRIPT_DIR\}?\/([^"\s;]+)"?/
/** In command position: first on its line, or after `;`, `&&`, `||`, `|`, `{`, `(`, `!` or a keyword that takes a command. */
const CHECK_SUDO_CALL = /(?:^|[;&|({!]|(?:^|\s)(?:then|do|else|if|elif|while|until)\s)\s*check_sudo_requirement(?=$|[\s;&|)])(?!\s*\(\))/

/** The header fields, for scripts and libraries alike (the privilege table reads the sudo class). */
export function checkHeader(script: ScriptText): Finding[] {
  const { file } = script
  const name = posix.basename(file)
  const findings: Finding[] = []
  const report = (line: number, message: string) => findings.push(finding('script/header', file, line, 1, message))
  const after = `(see ${TEMPLATE_SCRIPT})`
  if (!script.script) report(1, `the header lacks \`# Script: ${name}\`: add it after the shebang ${after}`)
  else if (script.script.value !== name) report(script.script.line, `the header names \`${script.script.value}\` but the file is ${name}: write \`# Script: ${name}\``)
  if (!script.sudo) report(1, `the header lacks \`# Sudo Required: YES|NO\`: add it after \`# Script:\` (YES when the script changes the system and needs root) ${after}`)
  else if (!sudoClass(script)) report(script.sudo.line, `\`Sudo Required: ${script.sudo.value}\` must be exactly YES or NO`)
  if (!script.description) report(1, `the header lacks \`# Description: ...\`: say what the script does and what it changes ${after}`)
  else if (script.description.value === '') report(script.description.line, '`# Description:` is empty: say what the script does and what it changes')
  return findings
}

/** The pattern a script (not a library) follows beyond its header. */
export function checkPattern(script: ScriptText, exists: (file: string) => boolean): Finding[] {
  return [...checkStrictMode(script), ...checkLibraries(script, exists), ...checkSudoDeclarations(script)]
}

/** 1-based line of the first command after the header (or the last line when there is none). */
function firstCommandLine(script: ScriptText): number {
  const index = script.lines.findIndex((line, at) => at >= script.headerLines && !isBlankOrComment(line))
  return index === -1 ? Math.max(1, script.lines.length) : index + 1
}

function checkStrictMode(script: ScriptText): Finding[] {
  const line = firstCommandLine(script)
  const first = withoutComment(script.lines[line - 1] ?? '').trim()
  if (STRICT_MODE.test(first)) return []
  const elsewhere = script.lines.findIndex((text) => STRICT_MODE.test(withoutComment(text).trim()))
  const why = 'so that errors (in functions too), unset variables and failures inside pipes stop the script'
  const message =
    elsewhere !== -1
      ? `\`set -Eeuo pipefail\` (line ${elsewhere + 1}) must be the first command after the header: move it up, so that nothing before it can fail unnoticed`
      : /^set\s/.test(first)
        ? `\`${first}\` must be exactly \`set -Eeuo pipefail\`, ${why}`
        : `the first command after the header must be \`set -Eeuo pipefail\`: add it, ${why}`
  return [finding('script/strict-mode', script.file, line, 1, message)]
}

function checkLibraries(script: ScriptText, exists: (file: string) => boolean): Finding[] {
  const { file, lines } = script
  const findings: Finding[] = []
  const report = (line: number, column: number, message: string) => findings.push(finding('script/libraries', file, line, column, message))
  const definition = lines.findIndex((line) => SCRIPT_DIR_DEFINITION.test(withoutComment(line).trim()))
  if (definition === -1) {
    const other = lines.findIndex((line) => /^\s*(?:readonly\s+)?SCRIPT_DIR=/.test(line))
    const how = '`SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"`'
    if (other === -1) report(1, 1, `define ${how} after \`set -Eeuo pipefail\`: the libraries are sourced relative to it, from whatever directory the script is run`)
    else report(other + 1, 1, `SCRIPT_DIR must be the script's own directory: write ${how}`)
  }
  const sources = lines.flatMap((line, index) => {
    const match = SCRIPT_DIR_SOURCE.exec(withoutComment(line))
    return match?.[1] ? [{ line: index + 1, column: line.search(/\S/) + 1, target: posix.normalize(posix.join(posix.dirname(file), match[1])) }] : []
  })
  for (const library of [COMMON_LIBRARY, EXIT_CODES_LIBRARY]) {
    const expected = `source "\${SCRIPT_DIR}/${relativeFrom(file, library)}"`
    const source = sources.find((candidate) => candidate.target === library)
    if (!source) {
      const misplaced = sources.find((candidate) => posix.basename(candidate.target) === posix.basename(library))
      if (misplaced) report(misplaced.line, misplaced.column, `this sources ${misplaced.target}, not ${library}: write \`${expected}\``)
      else report(1, 1, `source ${library}: add \`# shellcheck source=${relativeFrom(file, library)}\` and \`${expected}\` after SCRIPT_DIR`)
      continue
    }
    if (!exists(library)) report(source.line, source.column, `${library} does not exist in this tree: restore it (every script sources it)`)
    if (definition !== -1 && source.line < definition + 1) report(source.line, source.column, `SCRIPT_DIR is only defined on line ${definition + 1}: define it before sourcing ${library}`)
  }
  return findings
}

function checkSudoDeclarations(script: ScriptText): Finding[] {
  const { file, lines } = script
  const findings: Finding[] = []
  const report = (rule: string, line: number, column: number, message: string) => findings.push(finding(rule, file, line, column, message))
  const declared = sudoClass(script)
  const wanted = declared === undefined ? 'true|false' : declared === 'YES' ? 'true' : 'false'

  const sudoLine = lines.findIndex((line) => /^\s*(?:(?:readonly|declare|export|typeset)(?:\s+-\w+)*\s+)?REQUIRES_SUDO=/.test(line))
  const exact = sudoLine === -1 ? undefined : /^readonly REQUIRES_SUDO=(true|false)$/.exec(withoutComment(lines[sudoLine] ?? '').trimEnd())
  let requiresSudo = declared === 'YES'
  if (sudoLine === -1) {
    report('script/requires-sudo', 1, 1, `declare \`readonly REQUIRES_SUDO=${wanted}\` after sourcing the libraries (check_sudo_requirement reads it; it must match \`Sudo Required\`)`)
  } else if (!exact) {
    report('script/requires-sudo', sudoLine + 1, 1, `write \`readonly REQUIRES_SUDO=${wanted}\` at the top level: readonly, so nothing can switch the sudo check off later`)
  } else {
    requiresSudo = exact[1] === 'true'
    if (declared !== undefined && (declared === 'YES') !== requiresSudo) {
      const column = (lines[sudoLine] ?? '').indexOf('=') + 2
      report('script/requires-sudo', sudoLine + 1, column, `REQUIRES_SUDO=${exact[1]} but the header says \`Sudo Required: ${declared}\`: make them agree (YES ⇔ true)`)
    }
  }

  const operationLine = lines.findIndex((line) => /^\s*(?:(?:readonly|declare|export|typeset)(?:\s+-\w+)*\s+)?OPERATION_TYPE=/.test(line))
  if (operationLine === -1) {
    report('script/requires-sudo', 1, 1, 'declare `readonly OPERATION_TYPE="what the script changes"`: check_sudo_requirement names it when it refuses to run without root')
  } else if (!/^readonly OPERATION_TYPE=(?!""|''|$)\S/.test(lines[operationLine] ?? '')) {
    report('script/requires-sudo', operationLine + 1, 1, 'write `readonly OPERATION_TYPE="what the script changes"` at the top level, not empty')
  }

  if (requiresSudo && !lines.some((line, index) => index >= script.headerLines && CHECK_SUDO_CALL.test(withoutComment(line)))) {
    const line = sudoLine === -1 ? script.sudo?.line ?? 1 : sudoLine + 1
    report('script/check-sudo', line, 1, 'the script requires root but never calls check_sudo_requirement: call it in main before the first change to the system (it refuses to run without root and says to use sudo)')
  }
  return findings
}
