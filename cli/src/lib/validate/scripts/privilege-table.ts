/**
 * SCRIPT_PRIVILEGE_CLASSIFICATION.md lists every script with the sudo class its header
 * declares (`| \`path\` | YES|NO | why |`), and nothing else: a reviewer reads there, not in
 * each file, what needs root.
 */
import type { Finding } from '../finding.js'
import { finding, type ScriptText, type SudoClass, sudoClass } from './script-text.js'

export const PRIVILEGE_TABLE = 'SCRIPT_PRIVILEGE_CLASSIFICATION.md'

export const PRIVILEGE_TABLE_RULE = {
  id: 'script/privilege-table',
  summary: `${PRIVILEGE_TABLE} lists every script with the sudo class of its header, and only scripts that exist.`,
} as const

export interface PrivilegeRow {
  path: string
  sudo: SudoClass
  line: number
  /** Column of the path and of the class, 1-based. */
  pathColumn: number
  sudoColumn: number
}

export function parsePrivilegeTable(text: string): PrivilegeRow[] {
  return text.split('\n').flatMap((line, index) => {
    const match = /^\|\s*`([^`]+)`\s*\|\s*(YES|NO)\s*\|/.exec(line)
    if (!match?.[1] || !match[2]) return []
    return [{ path: match[1], sudo: match[2] as SudoClass, line: index + 1, pathColumn: line.indexOf('`') + 1, sudoColumn: line.indexOf(match[2], line.indexOf(match[1]) + match[1].length) + 1 }]
  })
}

/**
 * @param table the table's text, undefined when the file is missing
 * @param scripts every bash script of the tree (libraries included)
 * @param exists whether a project file exists at all (for the message on a listed non-script)
 */
export function checkPrivilegeTable(table: string | undefined, scripts: readonly ScriptText[], exists: (file: string) => boolean): Finding[] {
  const findings: Finding[] = []
  const rows = parsePrivilegeTable(table ?? '')
  const byPath = new Map<string, PrivilegeRow>()
  for (const row of rows) {
    if (byPath.has(row.path)) {
      findings.push(finding(PRIVILEGE_TABLE_RULE.id, PRIVILEGE_TABLE, row.line, row.pathColumn, `${row.path} is listed twice (first on line ${byPath.get(row.path)?.line}): keep one row`))
    } else {
      byPath.set(row.path, row)
    }
  }
  const scriptsByPath = new Map(scripts.map((script) => [script.file, script]))
  for (const script of scripts) {
    const declared = sudoClass(script)
    const row = byPath.get(script.file)
    if (!row) {
      const where = table === undefined ? `${PRIVILEGE_TABLE} (missing: create it with a table \`| script | sudo | why |\`)` : PRIVILEGE_TABLE
      findings.push(finding(PRIVILEGE_TABLE_RULE.id, script.file, script.sudo?.line ?? 1, 1, `the script is not listed in ${where}: add a row | \`${script.file}\` | ${declared ?? 'YES|NO'} | why it needs root (or not) |`))
    } else if (declared !== undefined && row.sudo !== declared) {
      findings.push(
        finding(PRIVILEGE_TABLE_RULE.id, PRIVILEGE_TABLE, row.line, row.sudoColumn, `${script.file} is listed as ${row.sudo} but its header says \`Sudo Required: ${declared}\`: make them agree`),
      )
    }
  }
  for (const row of byPath.values()) {
    if (scriptsByPath.has(row.path)) continue
    const why = exists(row.path) ? 'is not a bash script (`*.sh` or a bash shebang, under scripts/ or tests/)' : 'does not exist'
    findings.push(finding(PRIVILEGE_TABLE_RULE.id, PRIVILEGE_TABLE, row.line, row.pathColumn, `${row.path} ${why}: remove the row or correct the path`))
  }
  return findings
}
