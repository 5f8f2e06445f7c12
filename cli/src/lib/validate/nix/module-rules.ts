/**
 * The module pattern (DEVELOPMENT.md, "The module pattern"), checked on the syntax tree of
 * one file. Each function returns the findings of one rule.
 */
import type { Finding } from '../finding.js'
import { bindingsOf, child, descendants, isAttrset, libCall, references, selectPath, unwrap, variableUses, type Binding } from './ast.js'
import type { NixModule } from './module.js'
import type { NixNode } from './syntax-tree.js'

function findingAt(rule: string, file: string, node: NixNode, message: string): Finding {
  return { rule, severity: 'error', file, line: node.line, column: node.column, message }
}

/** Top-level attributes that are not configuration (the module system's own). */
const STRUCTURAL_KEYS = new Set(['imports', 'options', 'config', '_file', 'key', 'disabledModules', 'meta', 'freeformType'])
/** Functions whose first argument decides whether the rest exists. */
const CONDITIONAL_FUNCTIONS = ['mkIf', 'optionalAttrs', 'optional', 'optionals']
/** Functions declaring an option: what is inside them is evaluated lazily. */
const OPTION_FUNCTIONS = ['mkOption', 'mkEnableOption', 'mkPackageOption']

/** `a.b."c"` as written. */
const pathText = (binding: Binding) => binding.pathNodes.map((node) => node.text).join('.')

/** `config` and every name of the top-level let computed from it (`cfg`, `hardened`...). */
function configDependentNames(module: NixModule): Set<string> {
  const names = new Set(['config'])
  const uses = module.letBindings.flatMap((binding) => {
    const name = binding.path[0]
    return name !== undefined && binding.value ? [{ name, reads: new Set(variableUses(binding.value).map((use) => use.text)) }] : []
  })
  for (let changed = true; changed; ) {
    changed = false
    for (const { name, reads } of uses) {
      if (names.has(name) || ![...reads].some((read) => names.has(read))) continue
      names.add(name)
      changed = true
    }
  }
  return names
}

/** How a finding names what `node` reaches config through: `config`, or `cfg` (from config). */
function through(reference: NixNode): string {
  return reference.text === 'config' ? '`config`' : `\`${reference.text}\` (computed from config)`
}

/** nix/option-namespace: options are declared under `options.hypervisor` only. */
export function optionNamespace(module: NixModule): Finding[] {
  const findings: Finding[] = []
  const report = (node: NixNode, declared: string) =>
    findings.push(
      findingAt('nix/option-namespace', module.file, node, `option ${declared} is outside the hypervisor namespace: declare it as options.hypervisor.<area>.<name> (Hyper-NixOS has one namespace, hypervisor.*)`),
    )
  const checkDeclarations = (value: NixNode) => {
    const node = unwrap(value)
    if (isAttrset(node)) {
      for (const binding of bindingsOf(node)) {
        const first = binding.pathNodes[0]
        if (first && binding.path[0] !== 'hypervisor') report(first, `options.${pathText(binding)}`)
      }
      return
    }
    const merged = libCall(node, ['mkMerge'])
    if (merged) merged.args.flatMap((list) => (unwrap(list).type === 'list_expression' ? unwrap(list).children : [])).forEach(checkDeclarations)
    else if (node.type === 'binary_expression' && node.operator === '//') node.children.forEach(checkDeclarations)
  }
  for (const binding of module.attributes ?? []) {
    if (binding.path[0] !== 'options') continue
    const second = binding.pathNodes[1]
    if (second) {
      if (binding.path[1] !== 'hypervisor') report(second, pathText(binding))
    } else if (binding.value) checkDeclarations(binding.value)
  }
  return findings
}

/** Where `config` is not behind `lib.mkIf`: undefined when it is. */
function notBehindMkIf(value: NixNode): NixNode | undefined {
  let node = unwrap(value)
  while (node.type === 'let_expression') {
    const body = child(node, 'body')
    if (!body) break
    node = unwrap(body)
  }
  if (libCall(node, ['mkIf'])) return undefined
  const merged = libCall(node, ['mkMerge'])
  const list = merged?.args[0] && unwrap(merged.args[0])
  if (!list || list.type !== 'list_expression') return node
  for (const element of list.children) {
    const offending = notBehindMkIf(element)
    if (offending) return offending
  }
  return undefined
}

/** nix/config-behind-mkif: importing a module changes nothing until it is enabled. */
export function configBehindMkIf(module: NixModule): Finding[] {
  const findings: Finding[] = []
  for (const binding of module.attributes ?? []) {
    const key = binding.path[0]
    if (key === 'config' && binding.value) {
      const offending = notBehindMkIf(binding.value)
      if (offending) {
        findings.push(
          findingAt(
            'nix/config-behind-mkif',
            module.file,
            offending,
            `${pathText(binding)} is not behind lib.mkIf, so importing the module changes the system before it is enabled: write ${pathText(binding)} = lib.mkIf cfg.enable { ... }; (several conditions: lib.mkMerge [ (lib.mkIf ...) ... ])`,
          ),
        )
      }
    } else if (key === undefined || !STRUCTURAL_KEYS.has(key)) {
      const first = binding.pathNodes[0] ?? binding.node
      findings.push(
        findingAt(
          'nix/config-behind-mkif',
          module.file,
          first,
          `${pathText(binding)} is set at the top level of the module, so importing it changes the system unconditionally: move it into config = lib.mkIf cfg.enable { ... };`,
        ),
      )
    }
  }
  return findings
}

/** nix/structure-from-config: what the module system needs before config exists never depends on it. */
export function structureFromConfig(module: NixModule): Finding[] {
  const dependent = configDependentNames(module)
  const findings: Finding[] = []
  const report = (reference: NixNode, message: string) => findings.push(findingAt('nix/structure-from-config', module.file, reference, message))

  if (!module.attributes) {
    const [reference] = references(module.body, dependent)
    if (reference) {
      report(
        module.body,
        `the module's top-level expression depends on ${through(reference)}, but the module system needs its attributes before config exists: return an attribute set and put the condition under config = lib.mkIf ...;`,
      )
    }
    return findings
  }

  // Options declared depending on config: the declarations, not their defaults.
  const checkOptions = (value: NixNode) => {
    const node = unwrap(value)
    if (isAttrset(node)) {
      for (const binding of bindingsOf(node)) {
        binding.pathNodes.forEach(checkComputedName)
        if (binding.value && binding.kind === 'binding') checkOptions(binding.value)
      }
      return
    }
    if (libCall(node, OPTION_FUNCTIONS)) return
    if (node.type === 'if_expression') {
      const condition = child(node, 'condition')
      const [reference] = condition ? references(condition, dependent) : []
      if (reference) report(reference, `options are declared depending on ${through(reference)}: declare every option unconditionally (let its default depend on config instead)`)
      for (const branch of [child(node, 'consequence'), child(node, 'alternative')]) if (branch) checkOptions(branch)
      return
    }
    const conditional = libCall(node, [...CONDITIONAL_FUNCTIONS, 'mkMerge'])
    if (conditional?.name === 'mkMerge') {
      conditional.args.forEach((list) => unwrap(list).children.forEach(checkOptions))
    } else if (conditional) {
      const [condition, ...rest] = conditional.args
      const [reference] = condition ? references(condition, dependent) : []
      if (reference) report(reference, `options are declared depending on ${through(reference)}: declare every option unconditionally (let its default depend on config instead)`)
      rest.forEach(checkOptions)
    } else if (node.type === 'binary_expression' && node.operator === '//') node.children.forEach(checkOptions)
  }
  const checkComputedName = (attr: NixNode) => {
    if (attr.type === 'identifier') return
    const [reference] = references(attr, dependent)
    if (reference) report(reference, `the attribute name ${attr.text} depends on ${through(reference)}: the module system needs the module's attribute names before config exists; use a fixed name`)
  }

  for (const binding of module.attributes) {
    const key = binding.path[0]
    if (binding.pathNodes[0]) checkComputedName(binding.pathNodes[0])
    if (!binding.value || binding.kind !== 'binding') continue
    if (key === 'imports') {
      const [reference] = references(binding.value, dependent)
      if (reference) {
        report(
          reference,
          `imports depends on ${through(reference)}; the module system needs the list of modules before config exists: import the files unconditionally and put what they set behind lib.mkIf`,
        )
      }
    } else if (key === 'options') {
      binding.pathNodes.slice(1).forEach(checkComputedName)
      checkOptions(binding.value)
    }
  }
  return findings
}

/**
 * nix/config-in-let: the top-level let forces no value of config. Allowed: aliases (a plain
 * select path such as `cfg = config.hypervisor;`, `inherit (config.hypervisor) features;`)
 * and functions (defining one forces nothing).
 */
export function configInLet(module: NixModule): Finding[] {
  const configName = new Set(['config'])
  const findings: Finding[] = []
  for (const binding of module.letBindings) {
    if (!binding.value || binding.kind === 'inherit') continue
    const [reference] = references(binding.value, configName)
    if (!reference) continue
    const isAlias = selectPath(binding.value)?.[0] === 'config'
    const isFunction = binding.kind === 'binding' && unwrap(binding.value).type === 'function_expression'
    if (isAlias || isFunction) continue
    const name = binding.kind === 'inherit_from' ? `inherit (${binding.value.text}) ${pathText(binding)}` : pathText(binding)
    findings.push(
      findingAt(
        'nix/config-in-let',
        module.file,
        reference,
        `${name}, in the module's top-level let, computes with config; keep only aliases there (cfg = config.hypervisor;) and move the computation inside config = lib.mkIf ... (let ... in { ... }), where it is evaluated only when enabled`,
      ),
    )
  }
  return findings
}

const MKOPTION_REQUIRED = [
  { name: 'type', example: 'type = lib.types.<type>;' },
  { name: 'description', example: 'description = "..."; (Markdown)' },
]

/** nix/mkoption-type-description: every `lib.mkOption` has a `type` and a `description`. */
export function mkOptionTypeDescription(root: NixNode, file: string): Finding[] {
  const findings: Finding[] = []
  for (const node of descendants(root)) {
    if (node.type !== 'apply_expression') continue
    const call = libCall(node, ['mkOption'])
    const declaration = call?.args.length === 1 && call.args[0] ? unwrap(call.args[0]) : undefined
    if (!call || !declaration || !isAttrset(declaration)) continue
    const names = new Set(bindingsOf(declaration).map((binding) => binding.path[0]))
    const missing = MKOPTION_REQUIRED.filter(({ name }) => !names.has(name))
    if (missing.length === 0) continue
    const message = `${call.head.text} has no ${missing.map(({ name }) => name).join(' and no ')}: add ${missing.map(({ example }) => example).join(' and ')}`
    findings.push(findingAt('nix/mkoption-type-description', file, call.head, message))
  }
  return findings
}

/** nix/with-lib: no `with lib;` (nor `with lib.types;`): names say where they come from. */
export function withLib(root: NixNode, file: string): Finding[] {
  const findings: Finding[] = []
  for (const node of descendants(root)) {
    if (node.type !== 'with_expression') continue
    const environment = child(node, 'environment')
    const path = environment && selectPath(environment)
    if (!environment || !path?.includes('lib')) continue
    findings.push(
      findingAt('nix/with-lib', file, node, `with ${environment.text}; hides where names come from: remove it and write lib.mkOption, lib.types.str, ... in full`),
    )
  }
  return findings
}
