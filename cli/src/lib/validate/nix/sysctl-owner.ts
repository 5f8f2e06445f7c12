/**
 * nix/sysctl-owner: each sysctl key is set by exactly one module, so no two modules fight
 * over a kernel setting and `hv security audit` knows whose value it checks. Keys are read
 * wherever a module sets `boot.kernel.sysctl`: as attribute paths
 * (`boot.kernel.sysctl."net.ipv4.ip_forward" = 1;`), nested sets, through lib.mkIf,
 * lib.mkMerge, lib.mkDefault and `//`, let bindings, and `import ./file.nix` of a plain set.
 */
import { posix } from 'node:path'
import type { Finding } from '../finding.js'
import { bindingsOf, child, isAttrset, libCall, unwrap, variableName, type Binding } from './ast.js'
import type { NixModule } from './module.js'
import type { NixNode } from './syntax-tree.js'

/** A sysctl key as written in a file. */
export interface SysctlKey {
  key: string
  line: number
  column: number
}

/**
 * What one file contributes: the keys written in it, and the files whose keys it assigns
 * (`boot.kernel.sysctl = import ./file.nix;`), resolved across files later, so that each
 * file's part can be cached on its own.
 */
export interface SysctlSource {
  keys: SysctlKey[]
  imports: string[]
}

export interface SysctlSetting extends SysctlKey {
  /** The module that sets it. */
  module: string
  /** Where the key is written: the module, or the file it imports. */
  file: string
}

const SYSCTL_PATH = ['boot', 'kernel', 'sysctl']
/** Functions whose last argument is the value they wrap. */
const WRAPPERS = ['mkIf', 'mkDefault', 'mkForce', 'mkOverride', 'mkBefore', 'mkAfter', 'mkOrder']

type Scope = ReadonlyMap<string, NixNode>

function withLet(scope: Scope, bindings: Binding[]): Scope {
  const inner = new Map(scope)
  for (const binding of bindings) {
    const name = binding.path[0]
    if (binding.kind === 'binding' && binding.path.length === 1 && name !== undefined && binding.value) inner.set(name, binding.value)
  }
  return inner
}

/** The expressions a value is made of, through wrappers, merges, `//`, lets and variables. */
function* parts(value: NixNode, scope: Scope, seen = new Set<NixNode>()): Generator<{ node: NixNode; scope: Scope }> {
  const node = unwrap(value)
  if (seen.has(node)) return
  seen.add(node)
  if (node.type === 'let_expression') {
    const body = child(node, 'body')
    if (body) yield* parts(body, withLet(scope, bindingsOf(node)), seen)
    return
  }
  const name = variableName(node)
  const bound = name === undefined ? undefined : scope.get(name)
  if (bound) {
    yield* parts(bound, scope, seen)
    return
  }
  if (node.type === 'binary_expression' && node.operator === '//') {
    for (const side of node.children) yield* parts(side, scope, seen)
    return
  }
  const merged = libCall(node, ['mkMerge'])
  if (merged) {
    for (const list of merged.args) for (const element of unwrap(list).type === 'list_expression' ? unwrap(list).children : []) yield* parts(element, scope, seen)
    return
  }
  const wrapped = libCall(node, WRAPPERS)
  const last = wrapped?.args[wrapped.args.length - 1]
  if (last) {
    yield* parts(last, scope, seen)
    return
  }
  yield { node, scope }
}

/** `import ./file.nix` as the project file it names. */
function importedFile(node: NixNode, from: string): string | undefined {
  const applied = libCall(node, ['import'])
  const target = applied?.args.length === 1 && applied.args[0] ? unwrap(applied.args[0]) : undefined
  if (!target || target.type !== 'path_expression' || target.children.some((part) => part.type !== 'path_fragment')) return undefined
  const file = posix.normalize(posix.join(posix.dirname(from), target.text))
  return file.endsWith('.nix') ? file : `${file}/default.nix`
}

/** The keys of a value assigned to boot.kernel.sysctl. */
function collectKeys(value: NixNode, scope: Scope, file: string, into: SysctlSource): void {
  for (const { node } of parts(value, scope)) {
    if (isAttrset(node)) {
      for (const binding of bindingsOf(node)) {
        const key = binding.path[0]
        const at = binding.pathNodes[0]
        if (key !== undefined && at) into.keys.push({ key, line: at.line, column: at.column })
      }
      continue
    }
    const imported = importedFile(node, file)
    if (imported) into.imports.push(imported)
  }
}

/** The keys a file sets when a module assigns it to boot.kernel.sysctl (`import ./file.nix`). */
export function sysctlValueOf(root: NixNode, file: string): SysctlSource {
  const source: SysctlSource = { keys: [], imports: [] }
  const expression = child(root, 'expression')
  if (expression) collectKeys(expression, new Map(), file, source)
  return source
}

/** The sysctls a module sets through boot.kernel.sysctl. */
export function moduleSysctls(module: NixModule): SysctlSource {
  const source: SysctlSource = { keys: [], imports: [] }

  // Attribute sets of configuration, with the path that leads to them.
  const walk = (value: NixNode, path: string[], scope: Scope) => {
    for (const { node, scope: inner } of parts(value, scope)) {
      if (!isAttrset(node)) continue
      for (const binding of bindingsOf(node)) {
        if (binding.kind !== 'binding' || !binding.value || binding.path.includes(undefined)) continue
        visit(binding, [...path, ...(binding.path as string[])], inner)
      }
    }
  }
  const visit = (binding: Binding, path: string[], scope: Scope) => {
    const isSysctl = SYSCTL_PATH.every((name, index) => path[index] === name)
    // `boot.kernel.sysctl."key" = ...`: the key is one of this binding's own attributes.
    const keyNode = binding.pathNodes[binding.pathNodes.length - (path.length - SYSCTL_PATH.length)]
    if (isSysctl && path.length > SYSCTL_PATH.length && keyNode) source.keys.push({ key: path[SYSCTL_PATH.length] as string, line: keyNode.line, column: keyNode.column })
    else if (isSysctl && binding.value) collectKeys(binding.value, scope, module.file, source)
    else if (binding.value && SYSCTL_PATH.slice(0, path.length).every((name, index) => path[index] === name)) walk(binding.value, path, scope)
  }

  const scope = withLet(new Map(), module.letBindings)
  for (const binding of module.attributes ?? []) {
    const [first, ...rest] = binding.path
    if (binding.kind !== 'binding' || first === undefined || first === 'options' || first === 'imports' || binding.path.includes(undefined)) continue
    // `config.boot...` and, in a module without `config =`, `boot...` set the same thing.
    if (first === 'config') {
      if (rest.length === 0 && binding.value) walk(binding.value, [], scope)
      else visit({ ...binding, pathNodes: binding.pathNodes.slice(1) }, rest as string[], scope)
    } else visit(binding, binding.path as string[], scope)
  }
  return source
}

/** A module's settings, following the files it imports (and those they import). */
export function sysctlSettings(module: string, own: SysctlSource, valueOf: (file: string) => SysctlSource | undefined): SysctlSetting[] {
  const settings: SysctlSetting[] = own.keys.map((key) => ({ ...key, module, file: module }))
  const followed = new Set<string>()
  const follow = (imports: readonly string[]) => {
    for (const file of imports) {
      const value = followed.has(file) ? undefined : valueOf(file)
      followed.add(file)
      if (!value) continue
      settings.push(...value.keys.map((key) => ({ ...key, module, file })))
      follow(value.imports)
    }
  }
  follow(own.imports)
  return settings
}

/** A finding at each place a key is set after the first module that sets it. */
export function sysctlOwnerFindings(settings: readonly SysctlSetting[]): Finding[] {
  const byKey = new Map<string, SysctlSetting[]>()
  for (const setting of settings) byKey.set(setting.key, [...(byKey.get(setting.key) ?? []), setting])
  const findings: Finding[] = []
  for (const [key, places] of byKey) {
    places.sort((a, b) => a.module.localeCompare(b.module) || a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column)
    const owner = places[0] as SysctlSetting
    const ownerPlace = `${owner.file}:${owner.line}:${owner.column}` + (owner.file === owner.module ? '' : ` (imported by ${owner.module})`)
    for (const place of places) {
      if (place.module === owner.module) continue
      findings.push({
        rule: 'nix/sysctl-owner',
        severity: 'error',
        file: place.file,
        line: place.line,
        column: place.column,
        message: `sysctl ${key} is also set by ${ownerPlace}: each sysctl belongs to exactly one module; set it only there (or move both settings into the one module that owns it)`,
      })
    }
  }
  return findings
}
