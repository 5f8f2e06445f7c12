/**
 * What a document names must exist: `hv` commands and their flags (in code: inline spans and
 * fenced blocks), `hypervisor.*` options and `hypervisor.features.<name>` features (in code),
 * `scripts/…sh` and `tests/…sh` paths (anywhere), and relative links with their anchors.
 */
import { posix } from 'node:path'
import { type Finding, positionAt } from '../validate/finding.js'
import { type CliCommand, type CliDescription, commandLine } from './cli-reference.js'
import type { CodeFragment, MarkdownScan } from './markdown.js'
import type { ModuleOption } from './module-options.js'
import { optionName } from './options-reference.js'

export const REFERENCE_RULES = [
  { id: 'docs/unknown-command', summary: 'An `hv` command named in a document (in code) exists.' },
  { id: 'docs/unknown-flag', summary: 'A flag given to an `hv` command in a document (in code) is a flag of that command.' },
  { id: 'docs/unknown-option', summary: 'A `hypervisor.*` option named in a document (in code) is declared by a module.' },
  { id: 'docs/unknown-feature', summary: 'A feature named as `hypervisor.features.<name>` in a document (in code) is in the registry.' },
  { id: 'docs/missing-script', summary: 'A `scripts/…sh` or `tests/…sh` path named in a document exists.' },
  { id: 'docs/broken-link', summary: "A relative Markdown link points at a file (or directory) of the project, and its #anchor at a heading of the target." },
] as const

type ReferenceRule = (typeof REFERENCE_RULES)[number]['id']

/** What exists; a part left undefined (it could not be read) is not checked. */
export interface KnownNames {
  cli?: CliDescription
  options?: readonly ModuleOption[]
  features?: ReadonlySet<string>
  /** Every file of the project, relative. */
  files: ReadonlySet<string>
  /** The headings of a Markdown file of the project (for `file.md#anchor`), undefined when unreadable. */
  markdown(file: string): Promise<MarkdownScan | undefined>
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i]
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/** The candidate nearest to `name`, when it is near enough to be a likely typo. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: { candidate: string; distance: number } | undefined
  for (const candidate of candidates) {
    const distance = levenshtein(name.toLowerCase(), candidate.toLowerCase())
    if (!best || distance < best.distance || (distance === best.distance && candidate < best.candidate)) best = { candidate, distance }
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 4)) ? best.candidate : undefined
}

const didYouMean = (suggestion: string | undefined) => (suggestion ? ` (did you mean \`${suggestion}\`?)` : '')

// ---------------------------------------------------------------------------------------
// Commands and flags

class CommandIndex {
  readonly commands = new Map<string, CliCommand>()
  readonly topics = new Set<string>()

  constructor(readonly cli: CliDescription) {
    for (const command of cli.commands) {
      const words = command.id.split(':')
      this.commands.set(words.join(' '), command)
      for (let length = 1; length < words.length; length += 1) this.topics.add(words.slice(0, length).join(' '))
    }
    for (const topic of cli.topics) this.topics.add(topic.name.split(':').join(' '))
  }

  /** The commands and topics one level below `prefix` (words joined by spaces; '' for the root). */
  below(prefix: string): string[] {
    const depth = prefix === '' ? 0 : prefix.split(' ').length
    const names = new Set<string>()
    for (const name of [...this.commands.keys(), ...this.topics]) {
      const words = name.split(' ')
      if (words.length > depth && (prefix === '' || name.startsWith(`${prefix} `))) names.add(words[depth] as string)
    }
    return [...names].sort()
  }
}

/** Words that run the command after them (`sudo hv ...`, `do hv ...`), and their options that take a value. */
const WRAPPERS = new Set(['sudo', 'doas', 'env', 'exec', 'time', 'nohup', 'command', 'xargs', 'runuser', 'timeout', 'do', 'then', 'else'])
const OPTIONS_WITH_VALUE = new Set(['-u', '-g', '--user', '--group'])

/**
 * Offsets where `bin` is the command being run: the first word of a simple command (after a
 * prompt `$`, variable assignments and wrappers like sudo), never a word of prose or a path.
 */
function commandStarts(text: string, bin: string): number[] {
  const starts: number[] = []
  // Simple commands end at a newline, a list or pipe operator, or open a substitution.
  for (const segment of text.matchAll(/[^\n;&|(`]+/g)) {
    const tokens = [...segment[0].matchAll(/\S+/g)].map((token) => ({ text: token[0], offset: segment.index + token.index }))
    let index = tokens[0]?.text === '$' ? 1 : 0
    while (index < tokens.length) {
      const token = tokens[index]?.text ?? ''
      if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(token)) index += 1
      else if (WRAPPERS.has(token)) {
        index += 1
        if (token === 'timeout' && /^\d/.test(tokens[index]?.text ?? '')) index += 1
        while ((tokens[index]?.text ?? '').startsWith('-')) {
          const option = tokens[index]?.text ?? ''
          index += option === '--' ? 1 : OPTIONS_WITH_VALUE.has(option) ? 2 : 1
          if (option === '--') break
        }
      } else break
    }
    const first = tokens[index]
    if (first?.text === bin) starts.push(first.offset)
  }
  return starts
}

/** A command word: lower case, ended by a space, the end, or punctuation (not `NAME`, not `--flag`, not `<placeholder>`). */
const WORD = /^[ \t]+([a-z][a-z0-9-]*)(?=$|[\s`'"),;|&>])/

/** A shell comment (`# ...` at a line start or after a space) says things; it runs nothing. */
function withoutShellComments(text: string): string {
  return text.replace(/(^|[ \t])#.*$/gm, (comment, before: string) => before + ' '.repeat(comment.length - before.length))
}

interface Emit {
  (rule: ReferenceRule, offset: number, message: string): void
}

function checkFlags(command: CliCommand, label: string, rest: string, restOffset: number, emit: Emit): void {
  const known = new Set<string>(['help'])
  for (const flag of command.flags) {
    known.add(flag.name)
    if (flag.type === 'boolean' && flag.allowNo) known.add(`no-${flag.name}`)
  }
  // The command line ends at a pipe, a list operator or a redirection; `--` ends the flags.
  const end = rest.search(/\s(?:\||&&|;|>)|\s--(?=\s|$)/)
  const line = end === -1 ? rest : rest.slice(0, end)
  for (const match of line.matchAll(/(?<=\s)--([a-z][a-z0-9-]*)/g)) {
    const name = match[1] as string
    if (known.has(name)) continue
    const suggestion = closest(name, known)
    emit('docs/unknown-flag', restOffset + match.index, `\`--${name}\` is not a flag of \`${label}\`${didYouMean(suggestion && `--${suggestion}`)}: correct it (see \`${label} --help\`), or name the flag as it is now`)
  }
}

function checkCommands(fragment: CodeFragment, index: CommandIndex, emit: Emit): void {
  const text = fragment.kind === 'block' ? withoutShellComments(fragment.text) : fragment.text
  const bin = index.cli.bin
  for (const start of commandStarts(text, bin)) {
    // The words after the CLI's name, each with the offset just past it.
    const words: { word: string; end: number }[] = []
    let position = start + bin.length
    for (let word = WORD.exec(text.slice(position)); word; word = WORD.exec(text.slice(position))) {
      position += word[0].length
      words.push({ word: word[1] as string, end: position })
    }
    const nameOf = (length: number) => words.slice(0, length).map(({ word }) => word).join(' ')
    // The longest run of words that is a command; how far the words are commands or topics.
    let command: CliCommand | undefined
    let commandEnd = 0
    let known = 0
    for (let length = 1; length <= words.length; length += 1) {
      const name = nameOf(length)
      const found = index.commands.get(name)
      if (found) {
        command = found
        commandEnd = words[length - 1]?.end ?? 0
      }
      if (!found && !index.topics.has(name)) break
      known = length
    }
    if (command) {
      const lineEnd = fragment.kind === 'block' ? text.indexOf('\n', commandEnd) : -1
      const rest = text.slice(commandEnd, lineEnd === -1 ? undefined : lineEnd)
      checkFlags(command, commandLine(index.cli, command.id), rest, fragment.offset + commandEnd, emit)
    } else if (known < words.length) {
      const topic = nameOf(known)
      const where = known === 0 ? bin : `${bin} ${topic}`
      const unknown = words[known]?.word ?? ''
      const choices = index.below(topic)
      const suggestion = closest(unknown, choices)
      emit(
        'docs/unknown-command',
        fragment.offset + start,
        `\`${where} ${unknown}\` is not a command${didYouMean(suggestion && `${where} ${suggestion}`)}; \`${where}\` has: ${choices.join(', ')}. Correct the document, or name the command as it is now`,
      )
    }
  }
}

// ---------------------------------------------------------------------------------------
// Options and features

const OPTION_MENTION = /(?:(?<=\b(?:config|options)\.)|(?<![\w./-]))hypervisor((?:\.(?:[A-Za-z_][\w'-]*|"[^"\n]*"|<[^<>\s]*>|\*))+)/g
const isPlaceholder = (part: string) => part === '*' || /^[<‹].*[>›]$/.test(part)
const samePart = (mentioned: string, declared: string) => mentioned === declared || isPlaceholder(mentioned) || isPlaceholder(declared)

function splitPath(path: string): string[] {
  return (path.match(/"[^"]*"|[^.]+/g) ?? []).map((part) => (part.startsWith('"') ? part.slice(1, -1) : part))
}

export function isDeclared(path: readonly string[], options: readonly ModuleOption[]): boolean {
  return options.some(
    (option) =>
      // A prefix of an option names the set of options below it.
      (path.length <= option.loc.length && path.every((part, index) => samePart(part, option.loc[index] as string))) ||
      // Below an option of free-form type (attrsOf str), any name.
      (path.length > option.loc.length && option.freeform && option.loc.every((part, index) => samePart(path[index] as string, part))),
  )
}

function checkOptions(fragment: CodeFragment, known: KnownNames, emit: Emit): void {
  for (const mention of fragment.text.matchAll(OPTION_MENTION)) {
    const path = ['hypervisor', ...splitPath((mention[1] ?? '').slice(1))]
    const offset = fragment.offset + mention.index
    const feature = path[1] === 'features' ? path[2] : undefined
    if (known.features && feature !== undefined && !isPlaceholder(feature) && !known.features.has(feature)) {
      emit(
        'docs/unknown-feature',
        offset,
        `\`${feature}\` is not a feature of the registry (modules/features/feature-categories.nix)${didYouMean(closest(feature, known.features))}: correct the name, or add the feature to the registry`,
      )
      continue
    }
    if (known.options && !isDeclared(path, known.options)) {
      const name = optionName(path)
      const suggestion = closest(name, known.options.map((option) => optionName(option.loc)))
      emit('docs/unknown-option', offset, `\`${name}\` is not declared by any module${didYouMean(suggestion)}: correct the name (every option is in docs/options.md), or declare it`)
    }
  }
}

// ---------------------------------------------------------------------------------------
// Scripts and links

const SCRIPT_MENTION = /(?<![\w./-])((?:scripts|tests)\/[\w./-]*?\.sh)(?![\w-])/g

function checkScripts(text: string, known: KnownNames, emit: Emit): void {
  for (const mention of text.matchAll(SCRIPT_MENTION)) {
    const path = mention[1] as string
    if (known.files.has(path)) continue
    const candidates = [...known.files].filter((file) => file.endsWith('.sh'))
    emit('docs/missing-script', mention.index, `${path} does not exist${didYouMean(closest(path, candidates))}: correct the path, or remove the mention`)
  }
}

function existsInProject(path: string, files: ReadonlySet<string>): boolean {
  if (path === '' || path === '.') return true
  if (files.has(path)) return true
  const directory = `${path.replace(/\/$/, '')}/`
  for (const file of files) if (file.startsWith(directory)) return true
  return false
}

async function checkLinks(file: string, scan: MarkdownScan, known: KnownNames, emit: Emit): Promise<void> {
  for (const link of scan.links) {
    const target = link.target.trim()
    if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue
    const hash = target.indexOf('#')
    const rawPath = hash === -1 ? target : target.slice(0, hash)
    const anchor = hash === -1 ? undefined : target.slice(hash + 1)
    let path: string
    try {
      path = decodeURI(rawPath)
    } catch {
      path = rawPath
    }
    const resolved = path === '' ? file : posix.normalize(path.startsWith('/') ? path.slice(1) : posix.join(posix.dirname(file), path)).replace(/\/$/, '')
    if (resolved.startsWith('../') || resolved === '..') {
      emit('docs/broken-link', link.offset, `the link ${target} leads out of the project: link to a file inside it, or use a full URL`)
      continue
    }
    if (!existsInProject(resolved, known.files)) {
      emit('docs/broken-link', link.offset, `the link ${target} points at ${resolved}, which does not exist: correct the path`)
      continue
    }
    if (anchor && resolved.endsWith('.md')) {
      const targetScan = await known.markdown(resolved)
      if (targetScan && !targetScan.anchors.has(anchor.toLowerCase()) && !targetScan.anchors.has(anchor)) {
        emit('docs/broken-link', link.offset, `${resolved} has no heading for #${anchor}: link to an existing heading (GitHub's anchor: lower case, punctuation removed, spaces as dashes)`)
      }
    }
  }
}

const OUTPUT_LANGUAGES = new Set(['text', 'txt', 'plain', 'plaintext', 'output'])

/** Every finding about what `file` (a Markdown document of the project) names. */
export async function checkReferences(file: string, text: string, scan: MarkdownScan, known: KnownNames): Promise<Finding[]> {
  const findings: Finding[] = []
  const emit: Emit = (rule, offset, message) => findings.push({ rule, severity: 'error', file, ...positionAt(text, offset), message })
  const commands = known.cli ? new CommandIndex(known.cli) : undefined
  for (const fragment of scan.code) {
    // A block marked as text or output shows what a program printed: it runs nothing.
    if (commands && !OUTPUT_LANGUAGES.has(fragment.language ?? '')) checkCommands(fragment, commands, emit)
    checkOptions(fragment, known, emit)
  }
  checkScripts(text, known, emit)
  await checkLinks(file, scan, known, emit)
  return findings
}
