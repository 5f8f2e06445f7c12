/**
 * The parts of the project `hv dev test --component` selects, and the one table that says
 * which tests and which source paths belong to each. A test may belong to several parts
 * (the module evaluation tests cover every module category). A test file no rule covers
 * belongs to none: a unit test fails then, so a new test file cannot fall through.
 */

export const COMPONENTS = ['core', 'features', 'security', 'networking', 'virtualization', 'cli', 'scripts'] as const
export type Component = (typeof COMPONENTS)[number]

const MODULE_CATEGORIES: readonly Component[] = ['core', 'features', 'security', 'networking', 'virtualization']

interface ComponentRule {
  /** Project-relative globs: `*` within one path segment, `**` across segments. */
  paths: readonly string[]
  components: readonly Component[]
}

/** Which tests belong to which part. Every matching rule adds its parts. */
const TEST_RULES: readonly ComponentRule[] = [
  // Everything under cli/test/commands and cli/test/lib tests the hv CLI's own code.
  { paths: ['cli/test/commands/**', 'cli/test/lib/**'], components: ['cli'] },
  { paths: ['cli/test/**/features/**'], components: ['features'] },
  { paths: ['cli/test/**/security/**'], components: ['security'] },
  {
    paths: ['cli/test/commands/vm/**', 'cli/test/commands/image/**', 'cli/test/lib/{vm,libvirt,images,cloud-init}/**', 'cli/test/guests/**'],
    components: ['virtualization'],
  },
  // hv vm ssh/ip reach guests over the NAT network; the phone-home listener is what guests call.
  { paths: ['cli/test/commands/vm/cloud.integration.test.ts', 'cli/test/lib/cloud-init/phone-home.test.ts'], components: ['networking'] },
  // hv.json, which hv's configuration reads, is written by modules/core.
  { paths: ['cli/test/lib/config/**'], components: ['core'] },
  // hv dev setup and demo run the scripts of scripts/dev; guests are built by scripts/guests.
  {
    paths: ['cli/test/commands/dev/setup.test.ts', 'cli/test/commands/dev/demo.integration.test.ts', 'cli/test/lib/dev/platform.test.ts', 'cli/test/guests/**'],
    components: ['scripts'],
  },
  // The exit-code table is shared with scripts/lib/exit_codes.sh.
  { paths: ['cli/test/lib/errors/exit-codes.test.ts'], components: ['scripts'] },
  { paths: ['cli/test/modules/evaluation.test.ts'], components: MODULE_CATEGORIES },
  // The nixpkgs pin of flake.lock.
  { paths: ['cli/test/project/flake-lock.test.ts'], components: ['core'] },
  { paths: ['cli/test/modules/registry.test.ts'], components: ['features'] },
  { paths: ['cli/test/modules/polkit.integration.test.ts'], components: ['security'] },
  // polkit rules (security), pool and network XML (virtualization, networking).
  { paths: ['cli/test/modules/generated-files.test.ts'], components: ['security', 'virtualization', 'networking'] },
  { paths: ['cli/test/project/scripts.test.ts'], components: ['scripts'] },
  { paths: ['cli/test/project/typecheck.test.ts'], components: ['cli'] },
  // NixOS VM tests and evaluation checks (flake checks nixos-<name>).
  { paths: ['tests/nixos/hardened-phase.nix'], components: ['security'] },
  { paths: ['tests/nixos/operator-access.nix'], components: ['security', 'virtualization'] },
  { paths: ['tests/nixos/risky-feature-refused.nix'], components: ['features'] },
]

/** Where each part's own files are, for `hv dev validate --paths`-style selection. */
export const COMPONENT_SOURCES: Readonly<Record<Component, readonly string[]>> = {
  core: ['modules/core', 'modules/default.nix', 'flake.nix'],
  features: ['modules/features'],
  security: ['modules/security'],
  networking: ['modules/networking'],
  virtualization: ['modules/virtualization', 'scripts/guests'],
  cli: ['cli', 'packages/hv'],
  scripts: ['scripts', 'tests/run_all_tests.sh'],
}

/** A glob over `/`-separated paths: `**` any number of segments, `*` within one, `{a,b}` either. */
export function globToRegExp(glob: string): RegExp {
  let pattern = ''
  let inBraces = false
  for (let index = 0; index < glob.length; index += 1) {
    const char = glob[index] ?? ''
    if (glob.startsWith('**/', index)) {
      pattern += '(?:.*/)?'
      index += 2
    } else if (glob.startsWith('**', index)) {
      pattern += '.*'
      index += 1
    } else if (char === '*') {
      pattern += '[^/]*'
    } else if (char === '{' && !inBraces) {
      pattern += '(?:'
      inBraces = true
    } else if (char === '}' && inBraces) {
      pattern += ')'
      inBraces = false
    } else if (char === ',' && inBraces) {
      pattern += '|'
    } else {
      pattern += char.replace(/[.+?^$()|[\]{}\\]/g, '\\$&')
    }
  }
  return new RegExp(`^${pattern}$`)
}

const COMPILED_RULES = TEST_RULES.map((rule) => ({ patterns: rule.paths.map(globToRegExp), components: rule.components }))

/** The parts a test (a project-relative path) belongs to, in the order of COMPONENTS. */
export function componentsOf(path: string): Component[] {
  const found = new Set<Component>()
  for (const rule of COMPILED_RULES) {
    if (rule.patterns.some((pattern) => pattern.test(path))) for (const component of rule.components) found.add(component)
  }
  return COMPONENTS.filter((component) => found.has(component))
}

/** The globs of the table that match none of `paths`: a renamed or deleted test leaves one behind. */
export function globsMatchingNothing(paths: readonly string[]): string[] {
  return TEST_RULES.flatMap((rule) => rule.paths).filter((glob) => {
    const pattern = globToRegExp(glob)
    return !paths.some((path) => pattern.test(path))
  })
}

/** Whether a test belongs to any of `selected` (none selected: every test does). */
export function inComponents(path: string, selected: readonly Component[]): boolean {
  return selected.length === 0 || componentsOf(path).some((component) => selected.includes(component))
}
