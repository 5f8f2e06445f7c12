/**
 * Reading tree-sitter-nix trees: the few shapes the rules ask about (attribute names,
 * function applications, `lib.` functions, select paths, which variables an expression
 * refers to).
 */
import type { NixNode } from './syntax-tree.js'

export function child(node: NixNode, field: string): NixNode | undefined {
  return node.children.find((candidate) => candidate.field === field)
}

export function childrenOf(node: NixNode, field: string): NixNode[] {
  return node.children.filter((candidate) => candidate.field === field)
}

/** `(x)` is `x`. */
export function unwrap(node: NixNode): NixNode {
  let current = node
  while (current.type === 'parenthesized_expression') {
    const inner = child(current, 'expression')
    if (!inner) break
    current = inner
  }
  return current
}

/** The name an attribute stands for (`a`, `"a.b"`), or undefined when it is computed (`${x}`). */
export function attrName(attr: NixNode): string | undefined {
  if (attr.type === 'identifier') return attr.text
  if (attr.type === 'string_expression' && attr.children.every((part) => part.type === 'string_fragment')) {
    return attr.children.map((part) => part.text).join('')
  }
  return undefined
}

export interface Binding {
  /** The attributes of `a.b."c"` (undefined where computed), with their nodes. */
  path: (string | undefined)[]
  pathNodes: NixNode[]
  /** The value; for `inherit (from) a;` the `from` expression, for `inherit a;` none. */
  value: NixNode | undefined
  kind: 'binding' | 'inherit' | 'inherit_from'
  node: NixNode
}

/** The bindings of an attribute set or of a let, one per name for `inherit`. */
export function bindingsOf(node: NixNode): Binding[] {
  const set = node.children.find((candidate) => candidate.type === 'binding_set')
  if (!set) return []
  return set.children.flatMap((binding): Binding[] => {
    if (binding.type === 'binding') {
      const pathNodes = child(binding, 'attrpath')?.children ?? []
      return [{ path: pathNodes.map(attrName), pathNodes, value: child(binding, 'expression'), kind: 'binding', node: binding }]
    }
    const inherited = child(binding, 'attrs')?.children ?? []
    const kind = binding.type === 'inherit_from' ? 'inherit_from' : 'inherit'
    return inherited.map((attr) => ({ path: [attrName(attr)], pathNodes: [attr], value: child(binding, 'expression'), kind, node: binding }))
  })
}

export function isAttrset(node: NixNode): boolean {
  return node.type === 'attrset_expression' || node.type === 'rec_attrset_expression'
}

/** `f a b` as its function and its arguments (parentheses around either are dropped). */
export function application(node: NixNode): { head: NixNode; args: NixNode[] } | undefined {
  let current = unwrap(node)
  if (current.type !== 'apply_expression') return undefined
  const args: NixNode[] = []
  while (current.type === 'apply_expression') {
    const fn = child(current, 'function')
    const argument = child(current, 'argument')
    if (!fn || !argument) return undefined
    args.unshift(argument)
    current = unwrap(fn)
  }
  return { head: current, args }
}

/**
 * The `lib` function a node names: `lib.mkIf` (or `lib.modules.mkIf`) and a bare `mkIf`
 * (from `inherit (lib) mkIf;`) are both `mkIf`.
 */
export function libFunctionName(node: NixNode): string | undefined {
  const target = unwrap(node)
  if (target.type === 'variable_expression') return variableName(target)
  const path = selectPath(target)
  return path && path[0] === 'lib' && path.length >= 2 ? path[path.length - 1] : undefined
}

/** The application when `node` calls one of the `lib` functions `names`. */
export function libCall(node: NixNode, names: readonly string[]): { name: string; head: NixNode; args: NixNode[] } | undefined {
  const applied = application(node)
  const name = applied && libFunctionName(applied.head)
  return applied && name && names.includes(name) ? { name, ...applied } : undefined
}

export function variableName(node: NixNode): string | undefined {
  return node.type === 'variable_expression' ? child(node, 'name')?.text : undefined
}

/** `a.b.c` as `['a', 'b', 'c']` when every step is a plain name and there is no `or`. */
export function selectPath(node: NixNode): string[] | undefined {
  const target = unwrap(node)
  const base = variableName(target)
  if (base !== undefined) return [base]
  if (target.type !== 'select_expression' || child(target, 'default')) return undefined
  const from = child(target, 'expression')
  const basePath = from && selectPath(from)
  const steps = (child(target, 'attrpath')?.children ?? []).map(attrName)
  if (!basePath || steps.some((step) => step === undefined)) return undefined
  return [...basePath, ...(steps as string[])]
}

/** Every place `node` refers to one of `names`: as a variable, or by `inherit name;`. */
export function references(node: NixNode, names: ReadonlySet<string>): NixNode[] {
  return variableUses(node).filter((use) => names.has(use.text))
}

/** The identifiers through which `node` reads variables (`x`, and `x` of `inherit x;`), in order. */
export function variableUses(node: NixNode): NixNode[] {
  const found: NixNode[] = []
  const visit = (current: NixNode) => {
    if (current.type === 'variable_expression') {
      const name = child(current, 'name')
      if (name) found.push(name)
      return
    }
    if (current.type === 'inherit') {
      found.push(...(child(current, 'attrs')?.children ?? []))
      return
    }
    current.children.forEach(visit)
  }
  visit(node)
  return found
}

/** Every node of a tree, depth first (a loop: recursive generators are slow on deep trees). */
export function descendants(node: NixNode): NixNode[] {
  const nodes: NixNode[] = []
  const stack = [node]
  for (let current = stack.pop(); current; current = stack.pop()) {
    nodes.push(current)
    for (let index = current.children.length - 1; index >= 0; index -= 1) stack.push(current.children[index] as NixNode)
  }
  return nodes
}
