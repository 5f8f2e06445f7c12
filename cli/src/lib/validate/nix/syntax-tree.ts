/**
 * Nix syntax trees for the module rules, from tree-sitter-nix: a real Nix grammar, so the
 * rules look at expressions, not at lines of text. tree-sitter is a native devDependency
 * (`hv dev` runs from a checkout); it is loaded on first use only, so commands that do not
 * validate never pay for it. Its nodes are copied into plain objects once per file, so the
 * rules walk them without native calls and without tree-sitter's types.
 */
import type TreeSitter from 'tree-sitter'
import { ExitCode } from '../../errors/exit-codes.js'
import { HvError } from '../../errors/hv-error.js'

export interface NixNode {
  /** tree-sitter-nix's node type: `attrset_expression`, `apply_expression`, `identifier`... */
  type: string
  /** The field of its parent this node fills (`function`, `argument`, `body`...). */
  field: string | undefined
  /** A binary expression's operator (`//`, `++`, `&&`...). */
  operator?: string
  text: string
  /** 1-based. */
  line: number
  /** 1-based, in characters. */
  column: number
  /** Named children, without comments. */
  children: NixNode[]
}

export interface NixTree {
  root: NixNode
  /** The first place tree-sitter could not parse, if any (the tree around it is a guess). */
  error: { line: number; column: number } | undefined
}

export type NixParser = (text: string) => NixTree

export interface ParserModules {
  parser: string
  grammar: string
}

const TREE_SITTER: ParserModules = { parser: 'tree-sitter', grammar: 'tree-sitter-nix' }

let shared: Promise<NixParser> | undefined

/** The parser, loaded once per process. */
export function nixParser(): Promise<NixParser> {
  shared ??= loadNixParser().catch((error: unknown) => {
    shared = undefined
    throw error
  })
  return shared
}

export async function loadNixParser(modules: ParserModules = TREE_SITTER): Promise<NixParser> {
  let Parser: typeof TreeSitter
  let grammar: unknown
  try {
    const [parserModule, grammarModule] = (await Promise.all([import(modules.parser), import(modules.grammar)])) as [{ default: typeof TreeSitter }, { default: unknown }]
    Parser = parserModule.default
    grammar = grammarModule.default
  } catch (error) {
    throw new HvError('MISSING_DEPENDENCY', `hv dev validate needs the Nix parser (${modules.parser} and ${modules.grammar}), which cannot be loaded: ${error instanceof Error ? error.message : String(error)}`, {
      exitCode: ExitCode.MISSING_DEPENDENCY,
      suggestions: ['cd cli && npm ci   # hv dev runs from a checkout; the parser is one of its devDependencies'],
      cause: error,
    })
  }
  const parser = new Parser()
  parser.setLanguage(grammar)
  return (text) => copyTree(parser.parse(text), text)
}

/** The offsets at which the lines of `text` start. */
function lineStarts(text: string): number[] {
  const starts = [0]
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) starts.push(index + 1)
  return starts
}

// Node positions come from offsets and a line table, not from tree-sitter's positions:
// every property read through the cursor is a native call, and copying the tree is most of
// the checker's work on a warm cache.
function copyTree(tree: TreeSitter.Tree, text: string): NixTree {
  const starts = lineStarts(text)
  const positionOf = (offset: number) => {
    let low = 0
    let high = starts.length - 1
    while (low < high) {
      const middle = (low + high + 1) >> 1
      if ((starts[middle] as number) <= offset) low = middle
      else high = middle - 1
    }
    return { line: low + 1, column: offset - (starts[low] as number) + 1 }
  }
  // Most files have no error: then no node needs asking whether it is missing.
  const hasError = tree.rootNode.hasError()
  const cursor = tree.walk()
  let error: NixTree['error']
  const noteError = () => {
    error ??= positionOf(cursor.startIndex)
  }

  // Copies the node under the cursor. tree-sitter-nix 0.0.2 does not know the trailing comma
  // of `{ a, b, }:` (valid Nix, and nixfmt's style): it reads a formal with a missing name,
  // or an error holding the comma, and both are left out (undefined).
  const copy = (field: string | undefined, parentType: string | undefined): NixNode | undefined => {
    const startIndex = cursor.startIndex
    const node: NixNode = { type: cursor.nodeType, field, text: text.slice(startIndex, cursor.endIndex), ...positionOf(startIndex), children: [] }
    if (hasError) {
      if (node.type === 'ERROR' && parentType === 'formals' && node.text.trim() === ',') return undefined
      const missing = cursor.nodeIsMissing
      if (missing && node.type === 'identifier' && field === 'name') return undefined
      if (missing || node.type === 'ERROR') noteError()
    }
    if (cursor.gotoFirstChild()) {
      do {
        const childField = cursor.currentFieldName || undefined
        if (cursor.nodeIsNamed) {
          if (cursor.nodeType === 'comment') continue
          const child = copy(childField, node.type)
          if (child) node.children.push(child)
          else if (node.type === 'formal') {
            cursor.gotoParent()
            return undefined
          }
        } else if (hasError && cursor.nodeIsMissing) noteError()
        else if (childField === 'operator') node.operator = cursor.nodeType
      } while (cursor.gotoNextSibling())
      cursor.gotoParent()
    }
    return node
  }

  const root = copy(undefined, undefined) as NixNode
  return { root, error }
}
