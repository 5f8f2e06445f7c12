/**
 * The command reference of docs/cli.md, rendered from the CLI's oclif manifest (every
 * command, argument, flag and example, as `hv --help` knows them): topics with their
 * commands, then a section per command. Deterministic: sorted by id, no dates, no versions.
 */
import { Config, type Command } from '@oclif/core'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { githubSlug } from './markdown.js'
import { byNixOrder } from './nix-pretty.js'

export interface CliFlag {
  name: string
  char?: string
  description?: string
  type: 'boolean' | 'option'
  required?: boolean
  default?: unknown
  options?: readonly string[]
  multiple?: boolean
  allowNo?: boolean
  helpValue?: string
  helpGroup?: string
  hidden?: boolean
  env?: string
  dependsOn?: readonly string[]
  exclusive?: readonly string[]
}

export interface CliArg {
  name: string
  description?: string
  required?: boolean
  options?: readonly string[]
  hidden?: boolean
}

export interface CliCommand {
  /** oclif's id, `vm:snapshot:create`. */
  id: string
  summary?: string
  description?: string
  examples: string[]
  /** More arguments than declared are accepted (`static strict = false`). */
  variadic: boolean
  args: CliArg[]
  flags: CliFlag[]
  hidden: boolean
}

export interface CliDescription {
  bin: string
  topics: { name: string; description?: string }[]
  commands: CliCommand[]
}

/** `vm:snapshot:create` → `hv vm snapshot create`. */
export const commandLine = (cli: { bin: string }, id: string): string => [cli.bin, ...id.split(':')].join(' ')

function exampleText(example: Command.Example, bin: string, id: string): string {
  const text = typeof example === 'string' ? example : `${example.command}   # ${example.description}`
  return text.replaceAll('<%= config.bin %>', bin).replaceAll('<%= command.id %>', id.split(':').join(' '))
}

export function toCliCommand(cached: Command.Cached, bin: string): CliCommand {
  const flags = Object.values(cached.flags).map((flag): CliFlag => {
    const common = {
      name: flag.name,
      ...(flag.char ? { char: flag.char } : {}),
      ...(flag.description ? { description: flag.description } : flag.summary ? { description: flag.summary } : {}),
      ...(flag.required ? { required: true } : {}),
      ...(flag.default !== undefined && typeof flag.default !== 'function' ? { default: flag.default as unknown } : {}),
      ...(flag.helpGroup ? { helpGroup: flag.helpGroup } : {}),
      ...(flag.hidden ? { hidden: true } : {}),
      ...(flag.env ? { env: flag.env } : {}),
      ...(flag.dependsOn?.length ? { dependsOn: flag.dependsOn } : {}),
      ...(flag.exclusive?.length ? { exclusive: flag.exclusive } : {}),
    }
    if (flag.type === 'boolean') return { ...common, type: 'boolean', ...(flag.allowNo ? { allowNo: true } : {}) }
    const helpValue = Array.isArray(flag.helpValue) ? flag.helpValue.join(' ') : flag.helpValue
    return {
      ...common,
      type: 'option',
      ...(flag.options?.length ? { options: flag.options } : {}),
      ...(flag.multiple ? { multiple: true } : {}),
      ...(helpValue ? { helpValue } : {}),
    }
  })
  return {
    id: cached.id,
    ...(cached.summary ? { summary: cached.summary } : {}),
    ...(cached.description ? { description: cached.description } : {}),
    examples: (cached.examples ?? []).map((example) => exampleText(example, bin, cached.id)),
    variadic: cached.strict === false,
    args: Object.values(cached.args).map((arg) => ({
      name: arg.name,
      ...(arg.description ? { description: arg.description } : {}),
      ...(arg.required ? { required: true } : {}),
      ...(arg.options?.length ? { options: arg.options } : {}),
      ...(arg.hidden ? { hidden: true } : {}),
    })),
    flags,
    hidden: Boolean(cached.hidden),
  }
}

/**
 * The commands of the CLI whose package.json is in `cliRoot`, through oclif itself: from its
 * oclif.manifest.json (written by `npm run build`), else from its compiled commands.
 */
export async function loadCliDescription(cliRoot: string): Promise<CliDescription> {
  let config: Config
  try {
    config = await Config.load({ root: cliRoot })
  } catch (error) {
    throw new HvError('CLI_NOT_BUILT', `cannot load the CLI in ${cliRoot}: ${(error as Error).message}`, {
      exitCode: ExitCode.MISSING_DEPENDENCY,
      suggestions: ['scripts/dev/build-cli.sh   # installs and builds the CLI'],
      cause: error,
    })
  }
  const bin = config.bin
  const commands = config.commands.map((command) => toCliCommand(command, bin))
  // config.topics also lists every command as a topic: keep the topics that are only topics.
  const ids = new Set(commands.map((command) => command.id))
  const topics = config.topics
    .filter((topic) => !ids.has(topic.name))
    .map((topic) => ({ name: topic.name, ...(topic.description ? { description: topic.description } : {}) }))
  return { bin, topics, commands }
}

// ---------------------------------------------------------------------------------------
// Rendering

/** Prose from help texts, safe in Markdown: `<value>` would otherwise vanish as an HTML tag. */
const prose = (text: string) => text.replaceAll('\\', '\\\\').replaceAll('<', '&lt;').replaceAll('*', '\\*')
const cell = (text: string) => prose(text).replaceAll('|', '\\|').replace(/\s*\n\s*/g, ' ')
/** Inline code that may contain backticks or pipes (in a table cell, pipes are escaped even in code). */
const code = (text: string, inCell = false) => {
  const body = inCell ? text.replaceAll('|', '\\|') : text
  return body.includes('`') ? `\`\` ${body} \`\`` : `\`${body}\``
}

const isGlobal = (flag: CliFlag) => flag.helpGroup === 'GLOBAL'
const visible = <T extends { hidden?: boolean }>(items: readonly T[]) => items.filter((item) => !item.hidden)
const byName = <T extends { name: string }>(a: T, b: T) => byNixOrder(a.name, b.name)

function flagValue(flag: CliFlag): string {
  if (flag.options?.length) return `<${flag.options.join('|')}>`
  return flag.helpValue ?? '<value>'
}

function flagSignature(flag: CliFlag): string {
  const short = flag.char ? `-${flag.char}, ` : ''
  if (flag.type === 'boolean') return `${short}--${flag.allowNo ? '[no-]' : ''}${flag.name}`
  return `${short}--${flag.name}=${flagValue(flag)}${flag.multiple ? '...' : ''}`
}

function showDefault(value: unknown): string | undefined {
  if (value === undefined || value === '' || value === false) return undefined
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(String).join(',')
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)
}

function flagNotes(flag: CliFlag): string[] {
  const notes: string[] = []
  if (flag.required) notes.push('required')
  if (flag.type === 'boolean' && flag.default === true) notes.push('on by default')
  else {
    const shown = showDefault(flag.default)
    if (shown !== undefined) notes.push(`default: ${code(shown, true)}`)
  }
  if (flag.multiple && !/repeatable/i.test(flag.description ?? '')) notes.push('repeatable')
  if (flag.env) notes.push(`env: ${code(flag.env, true)}`)
  if (flag.dependsOn?.length) notes.push(`with ${flag.dependsOn.map((name) => code(`--${name}`, true)).join(', ')}`)
  if (flag.exclusive?.length) notes.push(`not with ${flag.exclusive.map((name) => code(`--${name}`, true)).join(', ')}`)
  return notes
}

function flagRow(flag: CliFlag): string {
  const notes = flagNotes(flag)
  const description = [flag.description ? cell(flag.description) : '', notes.length ? `(${notes.join('; ')})` : ''].filter(Boolean).join(' ')
  return `| ${code(flagSignature(flag), true)} | ${description} |`
}

function usage(cli: CliDescription, command: CliCommand): string {
  const args = command.args.map((arg, index) => {
    const name = arg.name.toUpperCase()
    const variadic = command.variadic && index === command.args.length - 1 ? '...' : ''
    return arg.required ? `${name}${variadic}` : `[${name}${variadic}]`
  })
  const own = visible(command.flags).filter((flag) => !isGlobal(flag))
  const required = own.filter((flag) => flag.required).sort(byName).map((flag) => `--${flag.name}${flag.type === 'option' ? `=${flagValue(flag)}` : ''}`)
  const optional = own.some((flag) => !flag.required) ? ['[FLAGS]'] : []
  return [commandLine(cli, command.id), ...args, ...required, ...optional].join(' ')
}

/** The description as Markdown: indented paragraphs (aligned lists in help texts) stay verbatim. */
function descriptionBlocks(text: string): string[] {
  return text
    .trim()
    .split(/\n[ \t]*\n/)
    .map((paragraph) => {
      const lines = paragraph.split('\n')
      if (lines.every((line) => /^\s/.test(line))) {
        const indent = Math.min(...lines.map((line) => /^\s*/.exec(line)?.[0].length ?? 0))
        return ['```text', ...lines.map((line) => line.slice(indent)), '```'].join('\n')
      }
      return prose(paragraph)
    })
}

export const commandAnchor = (cli: CliDescription, id: string): string => githubSlug(commandLine(cli, id))

function renderCommand(cli: CliDescription, command: CliCommand): string[] {
  const lines = [`### ${code(commandLine(cli, command.id))}`, '']
  if (command.summary) lines.push(prose(command.summary), '')
  lines.push('```sh', usage(cli, command), '```', '')
  const args = visible(command.args)
  if (args.length > 0) {
    lines.push('| argument | description |', '| --- | --- |')
    for (const arg of args) {
      const notes = [arg.required ? 'required' : '', arg.options?.length ? `one of ${arg.options.map((option) => code(option, true)).join(', ')}` : ''].filter(Boolean)
      const description = [arg.description ? cell(arg.description) : '', notes.length ? `(${notes.join('; ')})` : ''].filter(Boolean).join(' ')
      lines.push(`| ${code(arg.name.toUpperCase(), true)} | ${description} |`)
    }
    lines.push('')
  }
  const own = visible(command.flags).filter((flag) => !isGlobal(flag)).sort(byName)
  if (own.length > 0) {
    lines.push('| flag | description |', '| --- | --- |', ...own.map(flagRow), '')
  }
  const globals = visible(command.flags).filter(isGlobal).sort(byName)
  if (globals.length > 0) lines.push(`Global flags: ${globals.map((flag) => code(flagSignature(flag))).join(', ')}.`, '')
  if (command.description) lines.push(...descriptionBlocks(command.description).flatMap((block) => [block, '']))
  if (command.examples.length > 0) lines.push('Examples:', '', '```sh', ...command.examples, '```', '')
  return lines
}

export function renderCliReference(cli: CliDescription): string {
  const commands = visible(cli.commands).sort((a, b) => byNixOrder(a.id, b.id))
  const topicOf = (id: string) => id.split(':')[0] ?? id
  const topics = [...new Set(commands.map((command) => topicOf(command.id)))].sort(byNixOrder)
  const describe = (name: string) => cli.topics.find((topic) => topic.name === name)?.description

  const lines: string[] = []
  // The global flags once, with what they do; each command then only names the ones it takes.
  const globals = new Map<string, CliFlag>()
  for (const command of commands) for (const flag of visible(command.flags).filter(isGlobal)) if (!globals.has(flag.name)) globals.set(flag.name, flag)
  if (globals.size > 0) {
    lines.push('## Global flags', '', 'Each command names the ones it takes.', '', '| flag | description |', '| --- | --- |', ...[...globals.values()].sort(byName).map(flagRow), '')
  }
  for (const topic of topics) {
    const members = commands.filter((command) => topicOf(command.id) === topic)
    const topicCommand = members.find((command) => command.id === topic)
    lines.push(`## ${code(commandLine(cli, topic))}`, '')
    const about = describe(topic) ?? topicCommand?.summary
    if (about) lines.push(prose(about), '')
    for (const command of members) {
      lines.push(`- [${code(commandLine(cli, command.id))}](#${commandAnchor(cli, command.id)})${command.summary ? `: ${prose(command.summary)}` : ''}`)
    }
    lines.push('')
    for (const command of members) lines.push(...renderCommand(cli, command))
  }
  return lines.join('\n').trimEnd()
}
