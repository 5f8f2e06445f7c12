/**
 * The table of SCRIPT_PRIVILEGE_CLASSIFICATION.md, from the scripts' own headers: the sudo
 * class (`# Sudo Required:`), why (`readonly OPERATION_TYPE=`, the Script Pattern's "what
 * needs root"; a library's `# Library:` line) and what the script does (the first sentence
 * of `# Description:`). The rows keep the shape `| \`path\` | YES|NO | ... |` that the
 * script checks parse.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { byNixOrder } from './nix-pretty.js'

export interface ScriptHeader {
  /** Project-relative path. */
  file: string
  sudo?: 'YES' | 'NO'
  /** OPERATION_TYPE, or `library: ...` for a library. */
  why?: string
  /** The first sentence of the description. */
  summary?: string
}

/** Host scripts: `*.sh` under scripts/ and tests/; guest-side files (POSIX sh, no suffix) are not. */
export function isHostScript(file: string): boolean {
  return /^(scripts|tests)\/.+\.sh$/.test(file) && !file.startsWith('scripts/guests/tiny-guest/')
}

/** The text after `# Key:` on its line and the indented `#   ` lines that continue it. */
function headerField(text: string, key: string): string | undefined {
  const lines = text.split('\n')
  const start = lines.findIndex((line) => line.startsWith(`# ${key}:`))
  if (start === -1) return undefined
  const parts = [(lines[start] ?? '').slice(`# ${key}:`.length).trim()]
  for (const line of lines.slice(start + 1)) {
    const continuation = /^#\s{2,}(\S.*)$/.exec(line)
    if (!continuation?.[1]) break
    parts.push(continuation[1].trim())
  }
  return parts.join(' ').trim() || undefined
}

/** Up to the first full stop that ends a sentence (not `e.g.`, not inside a file name). */
export function firstSentence(text: string): string {
  const end = /(?<!\be\.g|\bi\.e)\.(?=\s+[A-Z`(]|\s*$)/.exec(text)
  return end ? text.slice(0, end.index + 1) : text
}

export function parseScriptHeader(file: string, text: string): ScriptHeader {
  const sudo = /^# Sudo Required: (YES|NO)\s*$/m.exec(text)?.[1] as 'YES' | 'NO' | undefined
  const operation = /^readonly OPERATION_TYPE="([^"\n]*)"/m.exec(text)?.[1]
  const library = headerField(text, 'Library')
  const description = headerField(text, 'Description')
  const why = operation ?? (library ? `library: ${library.replace(/\.$/, '')}` : undefined)
  return { file, ...(sudo ? { sudo } : {}), ...(why ? { why } : {}), ...(description ? { summary: firstSentence(description) } : {}) }
}

export async function readScriptHeaders(root: string, files: readonly string[]): Promise<ScriptHeader[]> {
  const scripts = files.filter(isHostScript).sort(byNixOrder)
  return Promise.all(scripts.map(async (file) => parseScriptHeader(file, await readFile(join(root, file), 'utf8'))))
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('<', '&lt;')

export function renderScriptTable(scripts: readonly ScriptHeader[]): string {
  const rows = [...scripts]
    .sort((a, b) => byNixOrder(a.file, b.file))
    .map((script) => `| \`${script.file}\` | ${script.sudo ?? '?'} | ${cell(script.why ?? '–')} | ${cell(script.summary ?? '–')} |`)
  return ['| script | sudo | operation | what it does |', '| --- | --- | --- | --- |', ...rows].join('\n')
}
