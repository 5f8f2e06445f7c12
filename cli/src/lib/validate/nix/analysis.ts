/**
 * What the syntax-tree rules find in one file, cached by the file's path and content and by
 * the code that found it (the files of this directory and the grammar's version): a warm
 * run of `hv dev validate` neither loads tree-sitter nor parses an unchanged file.
 */
import { readdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { cacheKey, type ResultCache } from '../cache.js'
import type { Finding } from '../finding.js'
import type { NixSource } from './instantiate.js'
import { asModule } from './module.js'
import { configBehindMkIf, configInLet, mkOptionTypeDescription, optionNamespace, structureFromConfig, withLib } from './module-rules.js'
import { moduleSysctls, sysctlValueOf, type SysctlSource } from './sysctl-owner.js'
import { nixParser, type NixTree } from './syntax-tree.js'

export interface FileAnalysis {
  /** Where tree-sitter-nix could not read the file: then nothing else was looked at. */
  treeError: { line: number; column: number } | null
  /** The findings of the per-file rules. */
  findings: Finding[]
  /** For a module: the sysctls it sets. */
  sysctls: SysctlSource | null
  /** The keys the file would set as the value of boot.kernel.sysctl (`import ./file.nix`). */
  asSysctlValue: SysctlSource
}

export function analyzeTree(tree: NixTree, file: string): FileAnalysis {
  if (tree.error) return { treeError: tree.error, findings: [], sysctls: null, asSysctlValue: { keys: [], imports: [] } }
  const module = asModule(tree.root, file)
  const findings = [...withLib(tree.root, file)]
  if (file.startsWith('modules/')) findings.push(...mkOptionTypeDescription(tree.root, file))
  if (module) findings.push(...optionNamespace(module), ...configBehindMkIf(module), ...structureFromConfig(module), ...configInLet(module))
  return { treeError: null, findings, sysctls: module ? moduleSysctls(module) : null, asSysctlValue: sysctlValueOf(tree.root, file) }
}

let fingerprint: Promise<string> | undefined

/** The analysing code: this directory's files (`.ts` in tests, `.js` when built) and the grammar. */
function analyzerFingerprint(): Promise<string> {
  fingerprint ??= (async () => {
    const directory = new URL('.', import.meta.url)
    const names = (await readdir(directory)).filter((name) => /\.(js|ts)$/.test(name)).sort()
    const sources = await Promise.all(names.map((name) => readFile(new URL(name, directory))))
    let grammar = 'tree-sitter-nix: absent'
    try {
      grammar = await readFile(createRequire(import.meta.url).resolve('tree-sitter-nix/package.json'), 'utf8')
    } catch {
      // Parsing will say so, with what to do about it.
    }
    return cacheKey(...names, ...sources, grammar)
  })()
  return fingerprint
}

/** The analysis of every source, from the cache where the file is unchanged. */
export async function analyzeFiles(sources: readonly NixSource[], cache: ResultCache): Promise<Map<string, FileAnalysis>> {
  const code = await analyzerFingerprint()
  const keyOf = (source: NixSource) => cacheKey('nix/tree', code, source.file, source.text)
  const cached = await Promise.all(sources.map((source) => cache.get<FileAnalysis>(keyOf(source))))
  const analyses = new Map<string, FileAnalysis>()
  const uncached: NixSource[] = []
  sources.forEach((source, index) => {
    const analysis = cached[index]
    if (analysis) analyses.set(source.file, analysis)
    else uncached.push(source)
  })
  if (uncached.length > 0) {
    const parse = await nixParser()
    await Promise.all(
      uncached.map((source) => {
        const analysis = analyzeTree(parse(source.text), source.file)
        analyses.set(source.file, analysis)
        return cache.set(keyOf(source), analysis)
      }),
    )
  }
  return analyses
}
