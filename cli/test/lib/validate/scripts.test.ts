import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { resultCache } from '../../../src/lib/validate/cache.js'
import type { Finding } from '../../../src/lib/validate/finding.js'
import { scriptChecker } from '../../../src/lib/validate/rules/scripts.js'
import { validateProject, type ValidateOptions } from '../../../src/lib/validate/validate.js'
import { CLI_ROOT, PROJECT_ROOT } from '../../helpers/project.js'

// Each rule has a fixture overlay that breaks it (`<rule>/fail`) and one that stays within
// it in a less obvious way (`<rule>/pass`); both are copied over `base`, a small tree that
// follows every rule. Real bash and shellcheck judge them.
const FIXTURES = join(CLI_ROOT, 'test', 'fixtures', 'validate', 'scripts')
const NO_CACHE = resultCache({ HV_VALIDATE_CACHE: 'off' })
const trees: string[] = []

afterAll(async () => {
  await Promise.all(trees.map((tree) => rm(tree, { recursive: true, force: true })))
})

async function fixtureTree(...overlays: string[]): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hv-validate-scripts-'))
  trees.push(root)
  for (const part of ['base', ...overlays]) await cp(join(FIXTURES, part), root, { recursive: true })
  return root
}

/** What `hv dev validate` prints for each finding, in its order. */
function render(findings: Finding[]): string[] {
  return findings.map((finding) => `${finding.file}:${finding.line}:${finding.column} ${finding.severity} ${finding.rule} ${finding.message}`)
}

async function validate(root: string, options: Partial<ValidateOptions> = {}): Promise<string[]> {
  return render((await validateProject({ root, checkers: ['scripts'], cache: NO_CACHE, ...options })).findings)
}

const VIOLATIONS: Record<string, string[]> = {
  'header': [
    "scripts/dev/show-status.sh:1:1 error script/header the header lacks `# Description: ...`: say what the script does and what it changes (see scripts/lib/TEMPLATE.sh)",
    "scripts/dev/show-status.sh:2:1 error script/header the header names `status.sh` but the file is show-status.sh: write `# Script: show-status.sh`",
    "scripts/dev/show-status.sh:3:1 error script/header `Sudo Required: no` must be exactly YES or NO",
  ],
  'strict-mode': [
    "scripts/dev/configure-host.sh:6:1 error script/strict-mode `set -Eeuo pipefail` (line 7) must be the first command after the header: move it up, so that nothing before it can fail unnoticed",
    "scripts/dev/show-status.sh:5:1 error script/strict-mode `set -euo pipefail` must be exactly `set -Eeuo pipefail`, so that errors (in functions too), unset variables and failures inside pipes stop the script",
  ],
  'libraries': [
    "scripts/dev/configure-host.sh:8:1 error script/libraries SCRIPT_DIR is only defined on line 11: define it before sourcing scripts/lib/common.sh",
    "scripts/dev/configure-host.sh:10:1 error script/libraries SCRIPT_DIR is only defined on line 11: define it before sourcing scripts/lib/exit_codes.sh",
    "scripts/dev/show-status.sh:1:1 error script/libraries source scripts/lib/exit_codes.sh: add `# shellcheck source=../lib/exit_codes.sh` and `source \"${SCRIPT_DIR}/../lib/exit_codes.sh\"` after SCRIPT_DIR",
    "scripts/dev/show-status.sh:7:1 error script/libraries SCRIPT_DIR must be the script's own directory: write `SCRIPT_DIR=\"$(cd \"$(dirname \"${BASH_SOURCE[0]}\")\" && pwd)\"`",
    "scripts/dev/show-status.sh:9:1 error script/libraries this sources scripts/dev/lib/common.sh, not scripts/lib/common.sh: write `source \"${SCRIPT_DIR}/../lib/common.sh\"`",
  ],
  'requires-sudo': [
    "scripts/dev/configure-host.sh:13:24 error script/requires-sudo REQUIRES_SUDO=false but the header says `Sudo Required: YES`: make them agree (YES ⇔ true)",
    "scripts/dev/show-status.sh:1:1 error script/requires-sudo declare `readonly OPERATION_TYPE=\"what the script changes\"`: check_sudo_requirement names it when it refuses to run without root",
    "scripts/dev/show-status.sh:13:1 error script/requires-sudo write `readonly REQUIRES_SUDO=false` at the top level: readonly, so nothing can switch the sudo check off later",
  ],
  'check-sudo': [
    "scripts/dev/configure-host.sh:13:1 error script/check-sudo the script requires root but never calls check_sudo_requirement: call it in main before the first change to the system (it refuses to run without root and says to use sudo)",
  ],
  'library-side-effects': [
    "scripts/lib/common.sh:1:1 error script/library-side-effects sourcing the library printed `common.sh loaded`: a library only defines functions and constants; print from functions the scripts call",
    "scripts/lib/common.sh:1:1 error script/library-side-effects sourcing the library changes the shell options from `hBc` to `hBCc`: leave `set` to the scripts (the Script Pattern sets -Eeuo pipefail itself)",
    "scripts/lib/common.sh:1:1 error script/library-side-effects sourcing the library sets a trap (`trap -- 'log_info bye' EXIT`): leave traps to the scripts, which know what to clean up",
    "scripts/lib/common.sh:19:1 error script/library-side-effects `echo \"common.sh loaded\"` runs whenever the library is sourced: a library only defines functions and constants; move it into a function, or into the scripts that need it",
    "scripts/lib/common.sh:20:1 error script/library-side-effects `set -o noclobber` runs whenever the library is sourced: a library only defines functions and constants; move it into a function, or into the scripts that need it",
    "scripts/lib/common.sh:21:1 error script/library-side-effects `trap 'log_info bye' EXIT` runs whenever the library is sourced: a library only defines functions and constants; move it into a function, or into the scripts that need it",
    "scripts/lib/common.sh:22:1 error script/library-side-effects `LC_ALL=C sort /dev/null` runs whenever the library is sourced: a library only defines functions and constants; move it into a function, or into the scripts that need it",
    "scripts/lib/common.sh:35:1 error script/library-side-effects `if [[ ! -d \"${HYPERVISOR_STATE}\" ]]; then` runs whenever the library is sourced: a library only defines functions and constants; move it into a function, or into the scripts that need it",
    "scripts/lib/net.sh:1:1 error script/library-side-effects sourcing the library ended the shell (exit 2): a library must not exit, exec or fail at its top level",
    "scripts/lib/net.sh:8:1 error script/library-side-effects `[[ -n \"${HV_NET:-}\" ]] || exit 2` runs whenever the library is sourced: a library only defines functions and constants; move it into a function, or into the scripts that need it",
  ],
  'hardcoded-path': [
    "scripts/dev/configure-host.sh:15:23 error script/hardcoded-path /etc/hypervisor is hard-coded: use ${HYPERVISOR_ROOT} (common.sh gives it its default), or make the path the default of a variable: `: \"${NAME:=/etc/hypervisor/...}\"`",
    "scripts/dev/configure-host.sh:16:11 error script/hardcoded-path /var/lib/hypervisor is hard-coded: use ${HYPERVISOR_STATE} (common.sh gives it its default), or make the path the default of a variable: `: \"${NAME:=/var/lib/hypervisor/...}\"`",
    "scripts/dev/configure-host.sh:20:12 error script/hardcoded-path /etc/hypervisor is hard-coded: use ${HYPERVISOR_ROOT} (common.sh gives it its default), or make the path the default of a variable: `: \"${NAME:=/etc/hypervisor/...}\"`",
  ],
  'syntax': [
    "scripts/dev/show-status.sh:17:3 error shellcheck/SC1046 Couldn't find 'fi' for this 'if'. (https://www.shellcheck.net/wiki/SC1046)",
    "scripts/dev/show-status.sh:17:3 error shellcheck/SC1073 Couldn't parse this if expression. Fix to allow more checks. (https://www.shellcheck.net/wiki/SC1073)",
    "scripts/dev/show-status.sh:20:1 error script/syntax bash -n: syntax error near unexpected token `}': fix the syntax (bash cannot run the script at all)",
    "scripts/dev/show-status.sh:20:1 error shellcheck/SC1047 Expected 'fi' matching previously mentioned 'if'. (https://www.shellcheck.net/wiki/SC1047)",
    "scripts/dev/show-status.sh:20:2 error shellcheck/SC1072 Unexpected keyword/token. Fix any mentioned problems and try again. (https://www.shellcheck.net/wiki/SC1072)",
  ],
  'shellcheck': [
    "scripts/dev/show-status.sh:20:8 error shellcheck/SC2155 Declare and assign separately to avoid masking return values. (https://www.shellcheck.net/wiki/SC2155)",
    "scripts/guests/tiny-guest/init:4:1 error shellcheck/SC3010 In POSIX sh, [[ ]] is undefined. (https://www.shellcheck.net/wiki/SC3010)",
  ],
  'privilege-table': [
    "SCRIPT_PRIVILEGE_CLASSIFICATION.md:8:34 error script/privilege-table scripts/dev/show-status.sh is listed as YES but its header says `Sudo Required: NO`: make them agree",
    "SCRIPT_PRIVILEGE_CLASSIFICATION.md:9:3 error script/privilege-table scripts/dev/gone.sh does not exist: remove the row or correct the path",
    "SCRIPT_PRIVILEGE_CLASSIFICATION.md:10:3 error script/privilege-table scripts/guests/tiny-guest/init is not a bash script (`*.sh` or a bash shebang, under scripts/ or tests/): remove the row or correct the path",
    "SCRIPT_PRIVILEGE_CLASSIFICATION.md:11:3 error script/privilege-table scripts/lib/common.sh is listed twice (first on line 5): keep one row",
    "tests/run-checks:3:1 error script/privilege-table the script is not listed in SCRIPT_PRIVILEGE_CLASSIFICATION.md: add a row | `tests/run-checks` | NO | why it needs root (or not) |",
  ],
}

describe('script rules on fixture trees', () => {
  it('the base tree follows every rule: bash scripts (one found by its shebang), libraries, a guest script', async () => {
    const root = await fixtureTree()
    const result = await validateProject({ root, checkers: ['scripts'], cache: NO_CACHE })
    expect(render(result.findings)).toEqual([])
    expect(result.checked.scripts).toBe(5)
  })

  describe.each(Object.entries(VIOLATIONS))('%s', (rule, expected) => {
    it('flags the tree that breaks it, at file:line:column, saying how to fix it', async () => {
      expect(await validate(await fixtureTree(`${rule}/fail`))).toEqual(expected)
    })

    it('accepts the tree that follows it', async () => {
      expect(await validate(await fixtureTree(`${rule}/pass`))).toEqual([])
    })
  })

  it('every rule has a fixture that breaks it, and every finding names a documented rule', () => {
    const documented = scriptChecker.rules.map((rule) => rule.id)
    const reported = new Set(Object.values(VIOLATIONS).flatMap((lines) => lines.map((line) => line.split(' ')[2] ?? '')))
    expect([...reported].filter((rule) => !documented.includes(rule) && !/^shellcheck\/SC\d+$/.test(rule))).toEqual([])
    expect(documented.filter((rule) => rule !== 'shellcheck/SC<code>' && !reported.has(rule))).toEqual([])
    expect([...reported].some((rule) => rule.startsWith('shellcheck/SC'))).toBe(true)
  })

  it('reports only on the selected paths, and shellchecks only what was selected', async () => {
    const root = await fixtureTree('shellcheck/fail')
    expect(await validate(root, { paths: ['scripts/guests'] })).toEqual([
      'scripts/guests/tiny-guest/init:4:1 error shellcheck/SC3010 In POSIX sh, [[ ]] is undefined. (https://www.shellcheck.net/wiki/SC3010)',
    ])
  })
})

describe('the result cache', () => {
  it('serves a warm run, and re-checks a script when a library it sources changes', async () => {
    const root = await fixtureTree()
    const cacheDir = await mkdtemp(join(tmpdir(), 'hv-validate-cache-'))
    trees.push(cacheDir)
    const cache = resultCache({ HV_VALIDATE_CACHE: cacheDir })
    // show-status.sh uses a variable only common.sh assigns: shellcheck's verdict on the
    // script depends on the library.
    const script = join(root, 'scripts/dev/show-status.sh')
    await writeFile(script, (await readFile(script, 'utf8')).replace('log_info "state lives in', 'log_info "${hv_banner}: state lives in'))
    const library = join(root, 'scripts/lib/common.sh')
    const withBanner = (await readFile(library, 'utf8')).replace('log_info() {', '# shellcheck disable=SC2034  # for the scripts\nhv_banner="hv"\n\nlog_info() {')
    await writeFile(library, withBanner)

    expect(await validate(root, { cache })).toEqual([])
    const entries = (await readdir(cacheDir)).sort()
    expect(entries.length).toBeGreaterThan(0)
    expect(await validate(root, { cache })).toEqual([])
    expect((await readdir(cacheDir)).sort()).toEqual(entries)

    await writeFile(library, withBanner.replace('hv_banner="hv"\n', ''))
    expect(await validate(root, { cache })).toEqual([
      'scripts/dev/show-status.sh:20:13 error shellcheck/SC2154 hv_banner is referenced but not assigned. (https://www.shellcheck.net/wiki/SC2154)',
    ])
  })
})

describe("the project's own scripts", () => {
  it('follow every script rule', async () => {
    expect(await validate(PROJECT_ROOT)).toEqual([])
  })
})
