/**
 * Which files are NixOS modules, and their parts the module rules look at. Not every file
 * under modules/ is a module: the feature registry, the sysctl list, the polkit rules and
 * the libvirt XML renderers are plain data or pure functions.
 *
 * A file under modules/ is a module when its top-level expression is
 * - a function whose argument pattern names `config` or ends in `...`
 *   (`{ config, lib, ... }: ...`), whatever it returns, or
 * - an attribute set (or a function returning one) with `imports`, `options` or `config`
 *   (`{ imports = [ ... ]; }`).
 */
import { bindingsOf, child, childrenOf, isAttrset, unwrap, type Binding } from './ast.js'
import type { NixNode } from './syntax-tree.js'

export interface NixModule {
  file: string
  /** The bindings of the lets around what the module returns (its top-level let). */
  letBindings: Binding[]
  /** What the module returns, after its function head, lets, `with` and `assert`. */
  body: NixNode
  /** The module's top-level bindings, when it returns an attribute set literal. */
  attributes: Binding[] | undefined
}

const MODULE_KEYS = new Set(['imports', 'options', 'config'])

export function asModule(root: NixNode, file: string): NixModule | undefined {
  if (!file.startsWith('modules/')) return undefined
  const top = child(root, 'expression')
  if (!top) return undefined
  let body = unwrap(top)
  let moduleArguments = false
  if (body.type === 'function_expression') {
    const formals = child(body, 'formals')
    if (formals) {
      const names = childrenOf(formals, 'formal').map((formal) => child(formal, 'name')?.text)
      moduleArguments = names.includes('config') || child(formals, 'ellipses') !== undefined
    }
    const inner = child(body, 'body')
    if (!inner) return undefined
    body = inner
  }
  const letBindings: Binding[] = []
  for (;;) {
    body = unwrap(body)
    const next = child(body, 'body')
    if (!next || !['let_expression', 'with_expression', 'assert_expression'].includes(body.type)) break
    if (body.type === 'let_expression') letBindings.push(...bindingsOf(body))
    body = next
  }
  const attributes = isAttrset(body) ? bindingsOf(body) : undefined
  const hasModuleKeys = attributes?.some((binding) => MODULE_KEYS.has(binding.path[0] ?? '')) ?? false
  return moduleArguments || hasModuleKeys ? { file, letBindings, body, attributes } : undefined
}
