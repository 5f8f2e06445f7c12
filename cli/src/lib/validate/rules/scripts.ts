/**
 * The script rules of `hv dev validate`: the Script Pattern (DEVELOPMENT.md) read off each
 * bash script, libraries that run nothing when sourced, host paths only as variable
 * defaults, `bash -n`, shellcheck, and SCRIPT_PRIVILEGE_CLASSIFICATION.md against the
 * headers. Guest-side POSIX sh scripts get shellcheck (as sh) only.
 */
import { readFile, realpath, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { CommandNotFoundError, which } from '../../exec.js'
import { cacheKey } from '../cache.js'
import type { Checker, ValidationContext } from '../checker.js'
import type { Finding, RuleInfo } from '../finding.js'
import { checkHardcodedPaths, HARDCODED_PATH_RULE } from '../scripts/hardcoded-paths.js'
import { LIBRARY_SIDE_EFFECTS_RULE, sourcingEffects, topLevelCommands } from '../scripts/library-side-effects.js'
import { checkHeader, checkPattern, PATTERN_RULES } from '../scripts/pattern.js'
import { checkPrivilegeTable, PRIVILEGE_TABLE, PRIVILEGE_TABLE_RULE } from '../scripts/privilege-table.js'
import { isLibrary, posixShellScripts } from '../scripts/script-kinds.js'
import { parseScript, type ScriptText } from '../scripts/script-text.js'
import { checkWithShellcheck, SHELLCHECK_RULE, type ShellcheckTarget } from '../scripts/shellcheck.js'
import { checkSyntax, SYNTAX_RULE } from '../scripts/syntax.js'

const RULES = [
  ...PATTERN_RULES,
  LIBRARY_SIDE_EFFECTS_RULE,
  HARDCODED_PATH_RULE,
  SYNTAX_RULE,
  SHELLCHECK_RULE,
  PRIVILEGE_TABLE_RULE,
] as const satisfies readonly RuleInfo[]

/** shellcheck's configuration, found by walking up from each script; the tree's own is at its root. */
const SHELLCHECK_CONFIG = '.shellcheckrc'

async function readOr(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return undefined
  }
}

async function readScripts(root: string, files: readonly string[]): Promise<ScriptText[]> {
  return Promise.all(files.map(async (file) => parseScript(file, await readFile(join(root, file), 'utf8'))))
}

/**
 * Part of the cache keys: a new bash or shellcheck may judge the same file differently.
 * The installed binary's path, size and time stand for its version without starting it.
 */
async function toolIdentity(program: string): Promise<string> {
  const path = await which(program)
  if (!path) throw new CommandNotFoundError(program)
  const resolved = await realpath(path)
  const { size, mtimeMs } = await stat(resolved)
  return `${resolved} ${size} ${mtimeMs}`
}

/** The rules that read the text only. */
function textFindings(script: ScriptText, exists: (file: string) => boolean): Finding[] {
  const common = [...checkHeader(script), ...checkHardcodedPaths(script)]
  return isLibrary(script.file) ? [...common, ...topLevelCommands(script)] : [...common, ...checkPattern(script, exists)]
}

async function check(context: ValidationContext): Promise<Finding[]> {
  const { files, selected, cache } = context
  const { root } = files
  const present = new Set(files.all)
  const exists = (file: string) => present.has(file)
  const [scripts, guestScripts, table, shellcheckConfig] = await Promise.all([
    readScripts(root, files.scripts),
    posixShellScripts(files).then((found) => readScripts(root, found.filter(selected))),
    readOr(join(root, PRIVILEGE_TABLE)),
    readOr(join(root, SHELLCHECK_CONFIG)),
  ])
  const chosen = scripts.filter((script) => selected(script.file))
  // Cross-file: reads every script; the runner keeps what lies under the selected paths.
  const findings = [...chosen.flatMap((script) => textFindings(script, exists)), ...checkPrivilegeTable(table, scripts, exists)]
  if (chosen.length === 0 && guestScripts.length === 0) return findings

  const [bash, shellcheck] = await Promise.all([toolIdentity('bash'), toolIdentity('shellcheck')])
  const libraries = scripts.filter((script) => isLibrary(script.file))
  const targets: ShellcheckTarget[] = [
    ...chosen.map((script) => ({ file: script.file, text: script.text, dialect: 'bash' as const })),
    ...guestScripts.map((script) => ({ file: script.file, text: script.text, dialect: 'sh' as const })),
  ]
  const libraryTexts = libraries.flatMap((library) => [library.file, library.text])
  const shared = [...libraryTexts, SHELLCHECK_CONFIG, shellcheckConfig ?? '']
  const toolFindings = await Promise.all([
    checkWithShellcheck(root, targets, { shellcheck, shared }, cache),
    ...chosen.map((script) => checkSyntax(root, script, bash, cache)),
    ...chosen
      .filter((script) => isLibrary(script.file))
      .map((library) => sourcingEffects(root, library.file, cacheKey('source library', bash, library.file, ...libraryTexts), cache)),
  ])
  return [...findings, ...toolFindings.flat()]
}

export const scriptChecker: Checker = { id: 'scripts', rules: RULES, check }
