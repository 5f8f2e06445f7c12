/**
 * Nix values as the NixOS manual shows them: a port of nixpkgs' `lib.generators.toPretty
 * { multiline = true; }`, which `lib.options.renderOptionValue` uses for defaults and
 * examples. The values come from nix-instantiate as JSON; what JSON cannot carry (paths,
 * floats, functions, derivations) arrives tagged by the extraction (module-options.ts).
 */

export type NixData = null | boolean | number | string | NixData[] | { [name: string]: NixData }

/** The tag the extraction puts on values JSON cannot carry. */
export const NIX_TAG = '__hvNix'

const NIX_KEYWORDS = new Set(['assert', 'else', 'if', 'in', 'inherit', 'let', 'or', 'rec', 'then', 'with'])

/** nixpkgs' `escapeNixString`: JSON's escaping, and `$` escaped so that `${` stays literal. */
export function escapeNixString(text: string): string {
  return JSON.stringify(text).replaceAll('$', '\\$')
}

/** nixpkgs' `escapeNixIdentifier`: bare when the lexer reads it as an identifier, else quoted. */
export function escapeNixIdentifier(name: string): string {
  return /^[a-zA-Z_][a-zA-Z0-9_'-]*$/.test(name) && !NIX_KEYWORDS.has(name) ? name : escapeNixString(name)
}

/** Nix orders attribute names by bytes; for the ASCII names of options, code units agree. */
export const byNixOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

function prettyString(value: string, indent: string): string {
  const lines = value.split('\n')
  if (lines.length === 1) return `"${value.replace(/\\|"|\$\{/g, (special) => `\\${special}`)}"`
  const intro = `\n${indent}  `
  const escaped = lines.map((line) => line.replace(/\$\{|''/g, (special) => (special === '${' ? "''${" : "'''")))
  const last = escaped.pop() ?? ''
  return `''${intro}${escaped.join(intro)}${last === '' ? `\n${indent}` : intro + last}''`
}

function prettyTagged(value: { [name: string]: NixData }): string | undefined {
  switch (value[NIX_TAG]) {
    case 'path':
    case 'float':
    case 'pretty':
      return String(value.text)
    case 'derivation':
      return `<derivation ${String(value.name)}>`
    case 'function': {
      const args = value.args && typeof value.args === 'object' && !Array.isArray(value.args) ? value.args : {}
      const names = Object.keys(args).sort(byNixOrder)
      return names.length === 0 ? '<function>' : `<function, args: {${names.map((name) => (args[name] === true ? `${name}?` : name)).join(', ')}}>`
    }
    default:
      return undefined
  }
}

export function nixPretty(value: NixData, indent = ''): string {
  const intro = `\n${indent}  `
  const outro = `\n${indent}`
  if (value === null) return 'null'
  if (typeof value === 'boolean' || typeof value === 'number') return String(value)
  if (typeof value === 'string') return prettyString(value, indent)
  if (Array.isArray(value)) {
    if (value.length === 0) return '[ ]'
    return `[${intro}${value.map((item) => nixPretty(item, `${indent}  `)).join(intro)}${outro}]`
  }
  const tagged = prettyTagged(value)
  if (tagged !== undefined) return tagged
  const names = Object.keys(value).sort(byNixOrder)
  if (names.length === 0) return '{ }'
  const entries = names.map((name) => `${escapeNixIdentifier(name)} = ${nixPretty(value[name] ?? null, `${indent}  `)};`)
  return `{${intro}${entries.join(intro)}${outro}}`
}
