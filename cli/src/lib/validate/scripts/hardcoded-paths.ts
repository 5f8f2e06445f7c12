/**
 * The host's directories are variables with defaults (`: "${HYPERVISOR_ROOT:=/etc/hypervisor}"`
 * in common.sh), so tests and dev machines can move them. A script may spell
 * /etc/hypervisor or /var/lib/hypervisor only as such a default, never in a command.
 */
import type { Finding } from '../finding.js'
import { finding, isBlankOrComment, type ScriptText, withoutComment } from './script-text.js'

export const HARDCODED_PATH_RULE = {
  id: 'script/hardcoded-path',
  summary: '/etc/hypervisor and /var/lib/hypervisor appear only as the default of a variable (`: "${X:=/etc/hypervisor}"`, `X="${X:-/var/lib/hypervisor}"`).',
} as const

const HOST_PATH = /\/(?:etc|var\/lib)\/hypervisor(?![\w.-])/
/** `${NAME:-default}` or `${NAME:=default}`, one level of `${...}` allowed inside the default. */
const DEFAULT = String.raw`\$\{(?:[A-Za-z_]\w*|\d+):?[-=](?:[^{}]|\$\{[^{}]*\})*\}`
const ALLOWED = [
  // : "${X:=/etc/hypervisor}"
  new RegExp(String.raw`^:\s+"?\$\{[A-Za-z_]\w*:?=(?:[^{}]|\$\{[^{}]*\})*\}"?$`),
  // [readonly|export|declare -x|local] X="${Y:-/etc/hypervisor}", optionally /more/path after it
  new RegExp(String.raw`^(?:(?:readonly|export|local|declare|typeset)(?:\s+-\w+)*\s+)?[A-Za-z_]\w*="?${DEFAULT}[\w./-]*"?$`),
]

const VARIABLE_FOR: Record<string, string> = { '/etc/hypervisor': 'HYPERVISOR_ROOT', '/var/lib/hypervisor': 'HYPERVISOR_STATE' }

export function checkHardcodedPaths(script: ScriptText): Finding[] {
  const findings: Finding[] = []
  script.lines.forEach((line, index) => {
    if (index < script.headerLines || isBlankOrComment(line)) return
    const code = withoutComment(line)
    const match = HOST_PATH.exec(code)
    if (!match || ALLOWED.some((pattern) => pattern.test(code.trim()))) return
    const path = match[0]
    const variable = VARIABLE_FOR[path] ?? 'HYPERVISOR_ROOT'
    findings.push(
      finding(
        HARDCODED_PATH_RULE.id,
        script.file,
        index + 1,
        match.index + 1,
        `${path} is hard-coded: use \${${variable}} (common.sh gives it its default), or make the path the default of a variable: \`: "\${NAME:=${path}/...}"\``,
      ),
    )
  })
  return findings
}
