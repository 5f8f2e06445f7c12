/**
 * The NixOS options reference of docs/options.md: every option the modules declare, as the
 * NixOS manual shows one (description, type, default, example, where it is declared),
 * ordered as nixpkgs orders them (`enable` first, then `package`, then by name).
 */
import type { ModuleOption, RenderedValue } from './module-options.js'
import { byNixOrder, escapeNixIdentifier, type NixData, nixPretty } from './nix-pretty.js'
import { githubSlug } from './markdown.js'

/** nixpkgs' `showOption`: `a.b."c d".<name>.*`. */
export function optionName(loc: readonly string[]): string {
  return loc.map((part) => (part === '*' || /^<.*>$/.test(part) ? part : escapeNixIdentifier(part))).join('.')
}

// nixpkgs' make-options-doc: at each level, `enable*` first, then `package*`, then the rest.
const rank = (part: string) => (part.startsWith('enable') ? 0 : part.startsWith('package') ? 1 : 2)

export function compareLocs(a: readonly string[], b: readonly string[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    const left = a[index] as string
    const right = b[index] as string
    if (left === right) continue
    return rank(left) - rank(right) || byNixOrder(left, right)
  }
  return a.length - b.length
}

const inlineCode = (text: string) => {
  const fence = text.includes('`') ? '``' : '`'
  const pad = fence === '``' || text.startsWith(' ') || text.endsWith(' ') ? ' ' : ''
  return `${fence}${pad}${text}${pad}${fence}`
}

/** A value as the manual shows it: inline when it fits on a line, else a Nix block. */
function renderValue(value: RenderedValue): string {
  if ('unrenderable' in value) return '*computed from the configuration* (the declaration gives no `defaultText`)'
  if ('literal' in value && value.literal === 'literalMD') return value.text.trim()
  const text = 'literal' in value ? value.text.trim() : nixPretty(value.value as NixData)
  return text.includes('\n') ? ['```nix', text, '```'].join('\n') : inlineCode(text)
}

function field(label: string, value: string): string {
  return value.includes('\n') ? `**${label}:**\n\n${value}` : `**${label}:** ${value}`
}

export interface OptionsReferenceOptions {
  /** How the document reaches the project root in links (`../` from docs/). */
  rootLink: string
}

export function renderOptionsReference(options: readonly ModuleOption[], { rootLink }: OptionsReferenceOptions): string {
  const shown = options.filter((option) => option.shown).sort((a, b) => compareLocs(a.loc, b.loc))
  const lines: string[] = []
  for (const option of shown) {
    const name = optionName(option.loc)
    lines.push(`- [${inlineCode(name)}](#${githubSlug(name)})`)
  }
  lines.push('')
  for (const option of shown) {
    const name = optionName(option.loc)
    lines.push(`## ${inlineCode(name)}`, '')
    lines.push(option.description?.trim() || '*No description.*', '')
    // A newline in a type (a pattern that matches one) is shown as \n, as it is written in Nix.
    lines.push(field('Type', inlineCode(option.type.replaceAll('\n', '\\n'))), '')
    if (option.default) lines.push(field('Default', renderValue(option.default)), '')
    if (option.example) lines.push(field('Example', renderValue(option.example)), '')
    if (option.readOnly) lines.push('**Read-only.**', '')
    lines.push(field('Declared in', `[${inlineCode(option.file)}](${rootLink}${option.file})`), '')
  }
  return lines.join('\n').trimEnd()
}
