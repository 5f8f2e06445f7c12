/**
 * `hv dev check-docs` and `hv dev update-docs`. The generated sections of the documents (CLI
 * reference, feature matrix, options reference, script privileges, exit codes) must equal
 * what the code generates now; what the documents name (commands, flags, options, features,
 * scripts, link targets) must exist. update-docs rewrites the generated sections, and only
 * them. Findings have the shape of `hv dev validate`'s, and `docsChecker` plugs into it.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { REGISTRY_FILE } from '../nix/registry-file.js'
import { resultCache, type ResultCache } from '../validate/cache.js'
import type { Checker } from '../validate/checker.js'
import { compareFindings, type Finding, type RuleInfo } from '../validate/finding.js'
import { type ProjectFiles, projectFiles } from '../validate/project-files.js'
import { type CliDescription, commandLine, loadCliDescription, renderCliReference } from './cli-reference.js'
import { renderExitCodeTable } from './exit-code-table.js'
import { type MatrixRegistry, readFeatureRegistry, renderFeatureMatrix } from './feature-matrix.js'
import { unifiedDiff } from './line-diff.js'
import { locateSection, replaceSection, startMarker, stopMarker } from './markers.js'
import { type MarkdownScan, scanMarkdown } from './markdown.js'
import { type ModuleOption, OPTIONS_ENTRY, readModuleOptions } from './module-options.js'
import { byNixOrder } from './nix-pretty.js'
import { renderOptionsReference } from './options-reference.js'
import { checkReferences, type KnownNames, REFERENCE_RULES } from './references.js'
import { readScriptHeaders, renderScriptTable } from './script-table.js'

export const DOCS_COMPONENTS = ['cli', 'features', 'options', 'scripts', 'exit-codes'] as const
export type DocsComponent = (typeof DOCS_COMPONENTS)[number]

export interface GeneratedSection {
  component: DocsComponent
  /** The document, project-relative. */
  file: string
  /** The markers are `<!-- marker -->` and `<!-- marker-stop -->`. */
  marker: string
  title: string
}

export const GENERATED_SECTIONS: readonly GeneratedSection[] = [
  { component: 'cli', file: 'docs/cli.md', marker: 'commands', title: 'CLI reference' },
  { component: 'features', file: 'docs/features.md', marker: 'feature-matrix', title: 'feature and risk matrix' },
  { component: 'options', file: 'docs/options.md', marker: 'options', title: 'NixOS options reference' },
  { component: 'scripts', file: 'SCRIPT_PRIVILEGE_CLASSIFICATION.md', marker: 'script-privileges', title: 'script privilege table' },
  { component: 'exit-codes', file: 'docs/exit-codes.md', marker: 'exit-codes', title: 'exit-code table' },
]

/** The documents whose names and links are checked. */
export function isCheckedDocument(file: string): boolean {
  return ['README.md', 'DEVELOPMENT.md', 'CRITICAL_REQUIREMENTS.md', 'SCRIPT_PRIVILEGE_CLASSIFICATION.md'].includes(file) || /^docs\/.+\.md$/.test(file)
}

export const DOCS_RULES: readonly RuleInfo[] = [
  { id: 'docs/stale-section', summary: 'Every generated section equals what the code generates now (`hv dev update-docs` rewrites them).' },
  { id: 'docs/missing-section', summary: 'The documents hold the markers of every generated section.' },
  {
    id: 'docs/generator-failed',
    summary: "Every generated section can be generated: the CLI is built, the registry evaluates, every module's option declarations read without nixpkgs.",
  },
  { id: 'docs/stale-build', summary: 'The CLI build has the commands of cli/src/commands (the CLI reference is generated from the build).' },
  ...REFERENCE_RULES,
]

const lines = (count: number) => `${count} line${count === 1 ? '' : 's'}`
const updateCommand = (component: DocsComponent) => `hv dev update-docs --component ${component}`

type Outcome<T> = { value: T } | { failures: Finding[] }

const failure = (rule: string, file: string, message: string, line = 1, column = 1): Finding => ({ rule, severity: 'error', file, line, column, message })

/** `cli/src/commands/vm/snapshot/create.ts` → `vm:snapshot:create` (an `index.ts` is its directory's id). */
function sourceCommands(files: readonly string[]): Map<string, string> {
  const commands = new Map<string, string>()
  for (const file of files) {
    const match = /^cli\/src\/commands\/(.+)\.ts$/.exec(file)
    if (!match?.[1] || file.endsWith('.d.ts')) continue
    const parts = match[1].split('/')
    if (parts[parts.length - 1] === 'index') parts.pop()
    commands.set(parts.join(':'), file)
  }
  return commands
}

/** What the code says, each read once and only when a check or an update needs it. */
class Sources {
  private cliOutcome?: Promise<Outcome<CliDescription>>
  private registryOutcome?: Promise<Outcome<MatrixRegistry>>
  private optionsOutcome?: Promise<Outcome<ModuleOption[]>>

  constructor(
    readonly files: ProjectFiles,
    private readonly cache: ResultCache,
    private readonly givenCli?: CliDescription,
  ) {}

  cli(): Promise<Outcome<CliDescription>> {
    this.cliOutcome ??= this.loadCli()
    return this.cliOutcome
  }

  registry(): Promise<Outcome<MatrixRegistry>> {
    this.registryOutcome ??= this.loadRegistry()
    return this.registryOutcome
  }

  options(): Promise<Outcome<ModuleOption[]>> {
    this.optionsOutcome ??= this.loadOptions()
    return this.optionsOutcome
  }

  private async loadCli(): Promise<Outcome<CliDescription>> {
    let cli = this.givenCli
    if (!cli) {
      try {
        cli = await loadCliDescription(join(this.files.root, 'cli'))
      } catch (error) {
        return { failures: [failure('docs/generator-failed', 'cli/package.json', `the CLI reference cannot be generated: ${(error as Error).message}`)] }
      }
    }
    if (cli.commands.length === 0) {
      return { failures: [failure('docs/generator-failed', 'cli/package.json', 'the CLI reference cannot be generated: the CLI has no commands (not built?): run scripts/dev/build-cli.sh')] }
    }
    // The reference comes from the build: a build without a command of the sources would document the past.
    const sources = sourceCommands(this.files.all)
    if (sources.size === 0) return { value: cli }
    const built = new Set(cli.commands.map((command) => command.id))
    const findings: Finding[] = []
    for (const [id, file] of sources) {
      if (!built.has(id)) findings.push(failure('docs/stale-build', file, `the CLI build has no \`${commandLine(cli, id)}\`: rebuild it (cd cli && npm run build), then check or update the docs`))
    }
    for (const id of built) {
      if (!sources.has(id)) findings.push(failure('docs/stale-build', 'cli/src/commands', `the CLI build has \`${commandLine(cli, id)}\`, which cli/src/commands no longer has: rebuild it (cd cli && npm run build)`))
    }
    return findings.length > 0 ? { failures: findings } : { value: cli }
  }

  private async loadRegistry(): Promise<Outcome<MatrixRegistry>> {
    let text: string
    try {
      text = await readFile(join(this.files.root, REGISTRY_FILE), 'utf8')
    } catch {
      return { failures: [failure('docs/generator-failed', REGISTRY_FILE, `the feature matrix cannot be generated: ${REGISTRY_FILE} is missing`)] }
    }
    const result = await readFeatureRegistry(this.files.root, text, this.cache)
    if ('registry' in result) return { value: result.registry }
    return { failures: [failure('docs/generator-failed', REGISTRY_FILE, `the feature registry does not evaluate: ${result.error}`, result.line, result.column)] }
  }

  private async loadOptions(): Promise<Outcome<ModuleOption[]>> {
    if (!this.files.all.includes(OPTIONS_ENTRY)) {
      return { failures: [failure('docs/generator-failed', OPTIONS_ENTRY, `the options reference cannot be generated: ${OPTIONS_ENTRY} is missing`)] }
    }
    const nixFiles = await Promise.all(this.files.nix.map(async (file) => ({ file, text: await readFile(join(this.files.root, file), 'utf8') })))
    const { options, failures } = await readModuleOptions(this.files.root, { cache: this.cache, nixFiles })
    if (failures.length > 0) {
      return {
        failures: failures.map((module) =>
          failure(
            'docs/generator-failed',
            module.file,
            `the options reference cannot be generated: the option declarations of this module cannot be read without nixpkgs: ${module.message}${hintFor(module.message)}`,
            module.line,
            module.column,
          ),
        ),
      }
    }
    return { value: options }
  }
}

/** What to do about a module whose declarations cannot be read, by what Nix said. */
function hintFor(message: string): string {
  if (/option declarations read/.test(message)) return '. Declarations must not read config or pkgs: give such a default a defaultText (lib.literalExpression), as the NixOS manual needs too'
  if (/attribute '[^']+' missing/.test(message)) return ". If it is a nixpkgs lib function the documentation's stand-in lib lacks, add it to OPTIONS_EXTRACTION in cli/src/lib/docs/module-options.ts"
  return ''
}

async function generate(section: GeneratedSection, sources: Sources): Promise<Outcome<string>> {
  switch (section.component) {
    case 'cli': {
      const cli = await sources.cli()
      return 'value' in cli ? { value: renderCliReference(cli.value) } : cli
    }
    case 'features': {
      const registry = await sources.registry()
      return 'value' in registry ? { value: renderFeatureMatrix(registry.value) } : registry
    }
    case 'options': {
      const options = await sources.options()
      const rootLink = '../'.repeat(section.file.split('/').length - 1)
      return 'value' in options ? { value: renderOptionsReference(options.value, { rootLink }) } : options
    }
    case 'scripts':
      return { value: renderScriptTable(await readScriptHeaders(sources.files.root, sources.files.all)) }
    case 'exit-codes':
      return { value: renderExitCodeTable() }
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return undefined
  }
}

const missingMarkers = (section: GeneratedSection, exists: boolean): Finding =>
  failure(
    'docs/missing-section',
    section.file,
    `${exists ? `${section.file} has no` : `${section.file} does not exist; it needs`} ${startMarker(section.marker)} and ${stopMarker(section.marker)} lines where the generated ${section.title} belongs: add them, then run ${updateCommand(section.component)}`,
  )

export interface StaleSection {
  component: DocsComponent
  file: string
  /** The start marker's line. */
  line: number
  /** A unified diff from the document's section to the generated one. */
  diff: string
  added: number
  removed: number
}

export interface CheckDocsResult {
  findings: Finding[]
  stale: StaleSection[]
  errors: number
  warnings: number
  /** Generated sections compared. */
  sections: number
  /** Documents whose names and links were checked. */
  documents: number
  durationMs: number
}

export interface DocsOptions {
  root: string
  cache?: ResultCache
  /** The tree's files, when the caller listed them already. */
  files?: ProjectFiles
  /** The CLI to document instead of the checkout's build (tests). */
  cli?: CliDescription
}

async function inspect(files: ProjectFiles, cache: ResultCache, cli?: CliDescription): Promise<Omit<CheckDocsResult, 'errors' | 'warnings' | 'durationMs'>> {
  const sources = new Sources(files, cache, cli)
  const findings: Finding[] = []
  const stale: StaleSection[] = []
  const texts = new Map<string, Promise<string | undefined>>()
  const readDocument = (file: string) => {
    if (!texts.has(file)) texts.set(file, readOptional(join(files.root, file)))
    return texts.get(file) as Promise<string | undefined>
  }

  const sectionResults = await Promise.all(
    GENERATED_SECTIONS.map(async (section) => {
      const [document, generated] = await Promise.all([readDocument(section.file), generate(section, sources)])
      if ('failures' in generated) return generated.failures
      const location = document === undefined ? undefined : locateSection(document, section.marker)
      if (!location) return [missingMarkers(section, document !== undefined)]
      if (location.content === generated.value) return []
      const diff = unifiedDiff(location.content, generated.value, {
        fromName: `${section.file} (${section.title} as written)`,
        toName: `${section.file} (${section.title} as generated)`,
        lineOffset: location.startLine,
      })
      stale.push({ component: section.component, file: section.file, line: location.startLine, diff: diff.text, added: diff.added, removed: diff.removed })
      return [
        failure(
          'docs/stale-section',
          section.file,
          `the generated ${section.title} is stale (${lines(diff.added)} to add, ${lines(diff.removed)} to remove): run ${updateCommand(section.component)}`,
          location.startLine,
        ),
      ]
    }),
  )
  findings.push(...sectionResults.flat())

  // What the documents name. A source that failed is reported above and not checked against.
  const [cliOutcome, registryOutcome, optionsOutcome] = await Promise.all([sources.cli(), sources.registry(), sources.options()])
  const scans = new Map<string, Promise<MarkdownScan | undefined>>()
  const fileSet = new Set(files.all)
  const known: KnownNames = {
    ...('value' in cliOutcome ? { cli: cliOutcome.value } : {}),
    ...('value' in registryOutcome ? { features: new Set(Object.keys(registryOutcome.value.features)) } : {}),
    ...('value' in optionsOutcome ? { options: optionsOutcome.value } : {}),
    files: fileSet,
    markdown: (file) => {
      if (!scans.has(file)) scans.set(file, readDocument(file).then((text) => (text === undefined ? undefined : scanMarkdown(text))))
      return scans.get(file) as Promise<MarkdownScan | undefined>
    },
  }
  const documents = files.all.filter(isCheckedDocument)
  const references = await Promise.all(
    documents.map(async (file) => {
      const text = await readDocument(file)
      const scan = await known.markdown(file)
      return text === undefined || scan === undefined ? [] : checkReferences(file, text, scan, known)
    }),
  )
  findings.push(...references.flat())
  stale.sort((a, b) => byNixOrder(a.file, b.file))
  return { findings: dedupe(findings).sort(compareFindings), stale, sections: GENERATED_SECTIONS.length, documents: documents.length }
}

/** A source's failure is found by every section and check that needs it: report it once. */
function dedupe(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>()
  return findings.filter((finding) => {
    const key = JSON.stringify(finding)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

export async function checkDocs(options: DocsOptions): Promise<CheckDocsResult> {
  const started = performance.now()
  const files = options.files ?? (await projectFiles(resolve(options.root)))
  const result = await inspect(files, options.cache ?? resultCache(), options.cli)
  return {
    ...result,
    errors: result.findings.filter((finding) => finding.severity === 'error').length,
    warnings: result.findings.filter((finding) => finding.severity === 'warning').length,
    durationMs: Math.round(performance.now() - started),
  }
}

export interface SectionUpdate {
  component: DocsComponent
  file: string
  title: string
  added: number
  removed: number
}

export interface UpdateDocsResult {
  /** Sections rewritten. */
  changed: SectionUpdate[]
  /** Sections that already matched. */
  unchanged: SectionUpdate[]
  /** Why a section could not be written (markers missing, a source that does not evaluate). */
  failures: Finding[]
  durationMs: number
}

export async function updateDocs(options: DocsOptions & { components?: readonly DocsComponent[] }): Promise<UpdateDocsResult> {
  const started = performance.now()
  const root = resolve(options.root)
  const files = await projectFiles(root)
  const sources = new Sources(files, options.cache ?? resultCache(), options.cli)
  const selected = GENERATED_SECTIONS.filter((section) => !options.components?.length || options.components.includes(section.component))
  const result: UpdateDocsResult = { changed: [], unchanged: [], failures: [], durationMs: 0 }
  // One section per document, so the sections can be written in parallel.
  await Promise.all(
    selected.map(async (section) => {
      const generated = await generate(section, sources)
      if ('failures' in generated) {
        result.failures.push(...generated.failures)
        return
      }
      const path = join(root, section.file)
      const document = await readOptional(path)
      const location = document === undefined ? undefined : locateSection(document, section.marker)
      if (document === undefined || !location) {
        result.failures.push(missingMarkers(section, document !== undefined))
        return
      }
      const diff = unifiedDiff(location.content, generated.value, { fromName: section.file, toName: section.file })
      const update: SectionUpdate = { component: section.component, file: section.file, title: section.title, added: diff.added, removed: diff.removed }
      if (diff.text === '') {
        result.unchanged.push(update)
        return
      }
      await writeFile(path, replaceSection(document, section.marker, generated.value) as string)
      result.changed.push(update)
    }),
  )
  const order = (update: { component: DocsComponent }) => DOCS_COMPONENTS.indexOf(update.component)
  result.changed.sort((a, b) => order(a) - order(b))
  result.unchanged.sort((a, b) => order(a) - order(b))
  result.failures = dedupe(result.failures).sort(compareFindings)
  result.durationMs = Math.round(performance.now() - started)
  return result
}

/** The same checks as a checker of `hv dev validate` (id `docs`). */
export const docsChecker: Checker = {
  id: 'docs',
  rules: DOCS_RULES,
  check: async (context) => (await inspect(context.files, context.cache)).findings,
}

