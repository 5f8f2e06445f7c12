/**
 * The validate and docs layers: `hv dev validate` and `hv dev check-docs` as test cases.
 * Each layer calls a function it is given, so that it can be tested with a stand-in; the
 * real libraries are wired in one place, the adapters at the end of this file.
 */
import type { Finding } from '../../validate/finding.js'
import { projectFiles, selectedBy } from '../../validate/project-files.js'
import { COMPONENT_SOURCES, type Component } from './components.js'
import { layerResult, type LayerResult, skippedLayer, type TestCaseResult } from './results.js'

/** What the validate layer needs of `validateProject` (cli/src/lib/validate/validate.ts). */
export type ValidateFunction = (options: { root: string; paths?: readonly string[] }) => Promise<{ findings: Finding[] }>

/** Map.groupBy by file (Node 20 has no Map.groupBy). */
function groupByFile<T extends { file: string }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) groups.set(item.file, [...(groups.get(item.file) ?? []), item])
  return groups
}

/** The project paths of the selected parts (none: the whole project). */
export function sourcePaths(components: readonly Component[]): string[] {
  return [...new Set(components.flatMap((component) => COMPONENT_SOURCES[component]))]
}

/**
 * One case per file looked at: it fails with each error found in it (an error is a failure,
 * a warning is not: warnings are noted on the passing case). An error in a file that was not
 * in the list is a failure all the same.
 */
export function casesFromFindings(checked: readonly string[], findings: readonly Finding[]): TestCaseResult[] {
  const byFile = groupByFile(findings)
  const describe = (finding: Finding) => `${finding.file}:${finding.line}:${finding.column} ${finding.rule}: ${finding.message}`
  const cases: TestCaseResult[] = []
  for (const file of new Set([...[...checked].sort(), ...byFile.keys()])) {
    const found = byFile.get(file) ?? []
    const errors = found.filter((finding) => finding.severity === 'error')
    const warnings = found.filter((finding) => finding.severity === 'warning')
    if (errors.length === 0) {
      cases.push({ suite: file, name: file, status: 'passed', ...(warnings.length > 0 ? { message: warnings.map(describe).join('\n') } : {}) })
    }
    for (const error of errors) cases.push({ suite: file, name: `${error.rule} at ${file}:${error.line}:${error.column}`, status: 'failed', message: describe(error) })
  }
  return cases
}

/** The validate layer: the scripts and Nix files of the selected parts, as `hv dev validate` sees them. */
export async function runValidateLayer(validate: ValidateFunction | undefined, root: string, components: readonly Component[]): Promise<LayerResult> {
  if (!validate) return skippedLayer('validate', 'hv dev validate is not available in this checkout')
  const started = performance.now()
  const paths = sourcePaths(components)
  const [{ findings }, files] = await Promise.all([validate({ root, paths }), projectFiles(root)])
  const checked = [...new Set([...files.scripts, ...files.nix].filter(selectedBy(paths)))]
  return layerResult('validate', casesFromFindings(checked, findings), performance.now() - started)
}

/** What the docs layer needs of `hv dev check-docs`: the documents checked, and its findings. */
export interface DocsCheckOutcome {
  /** Project-relative documents. */
  checked: string[]
  findings: Finding[]
}
export type DocsCheckFunction = (root: string) => Promise<DocsCheckOutcome>

/** The docs layer: one case per document, each error a failure. */
export async function runDocsLayer(checkDocs: DocsCheckFunction | undefined, root: string, components: readonly Component[]): Promise<LayerResult> {
  if (!checkDocs) return skippedLayer('docs', 'hv dev check-docs is not available in this checkout')
  if (components.length > 0) return skippedLayer('docs', 'the documentation is checked as a whole: run without --component')
  const started = performance.now()
  const { checked, findings } = await checkDocs(root)
  return layerResult('docs', casesFromFindings(checked, findings), performance.now() - started)
}

/** The real `hv dev validate`, loaded only when the layer runs. */
export const projectValidator: ValidateFunction = async (options) => {
  const { validateProject } = await import('../../validate/validate.js')
  return validateProject(options)
}

/**
 * The real `hv dev check-docs` (cli/src/lib/docs/docs-check.ts), loaded only when the layer
 * runs: the documents whose names and links it checks plus those holding generated sections.
 */
export const projectDocsCheck: DocsCheckFunction = async (root) => {
  const { checkDocs, GENERATED_SECTIONS, isCheckedDocument } = await import('../../docs/docs-check.js')
  const files = await projectFiles(root)
  const result = await checkDocs({ root, files })
  const checked = [...new Set([...files.all.filter(isCheckedDocument), ...GENERATED_SECTIONS.map((section) => section.file)])].sort()
  return { checked, findings: result.findings }
}
