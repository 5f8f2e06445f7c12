/**
 * nix/syntax: what the real Nix says about each file, from `nix-instantiate --parse`
 * (syntax errors and undefined variables, with line and column). One process parses every
 * file not in the cache; it stops at the first file with an error, so after an error it
 * runs again on the files after that one (at most one process per broken file).
 * Results are cached by file content and the nix-instantiate binary.
 */
import { realpath, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { cacheKey, type ResultCache } from '../cache.js'
import { ExitCode } from '../../errors/exit-codes.js'
import { HvError } from '../../errors/hv-error.js'
import { CommandNotFoundError, run, which } from '../../exec.js'
import { OFFLINE_NIX_CONFIG } from '../../nix/registry-file.js'

export interface NixSyntaxError {
  /** 1-based. */
  line: number
  /** 1-based, in characters (Nix counts bytes). */
  column: number
  /** Nix's message: `syntax error, unexpected '}', expecting ';'`, `undefined variable 'x'`. */
  message: string
}

export interface NixSource {
  /** Project-relative. */
  file: string
  text: string
}

interface CachedParse {
  error: NixSyntaxError | null
}

// Offline, without nixbld users, without a store: parsing needs none of them.
const nixEnvironment = (env: NodeJS.ProcessEnv) => ({ NIX_CONFIG: [env.NIX_CONFIG, OFFLINE_NIX_CONFIG].filter(Boolean).join('\n') })
const ANSI = /\u001b\[[0-9;]*m/g

/** The binary's identity: its real path, size and time (a new Nix is a new cache). */
async function nixInstantiateIdentity(): Promise<string> {
  const found = await which('nix-instantiate')
  if (!found) throw new CommandNotFoundError('nix-instantiate')
  const binary = await realpath(found)
  const { size, mtimeMs } = await stat(binary)
  return `${binary}:${size}:${mtimeMs}`
}

/** Nix's error (`@nix {"action":"msg",...}` with --log-format internal-json) and its file. */
function errorOf(stderr: string): { file: string | undefined; line: number; column: number; message: string } | undefined {
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('@nix ')) continue
    const entry = JSON.parse(line.slice('@nix '.length)) as { action?: string; level?: number; file?: string; line?: number; column?: number; raw_msg?: string; msg?: string }
    if (entry.action !== 'msg' || entry.level !== 0) continue
    const message = (entry.raw_msg || entry.msg || '').replace(ANSI, '').trim()
    return { file: entry.file ?? undefined, line: entry.line || 1, column: entry.column || 1, message }
  }
  return undefined
}

/** Nix's byte column on `line` of `text`, as a character column. */
function characterColumn(text: string, line: number, byteColumn: number): number {
  const lineText = text.split('\n')[line - 1]
  if (lineText === undefined) return byteColumn
  return Buffer.from(lineText, 'utf8').subarray(0, byteColumn - 1).toString('utf8').length + 1
}

async function parseUncached(root: string, sources: readonly NixSource[]): Promise<Map<string, NixSyntaxError | null>> {
  const results = new Map<string, NixSyntaxError | null>()
  let pending = [...sources]
  while (pending.length > 0) {
    const { exitCode, stderr } = await run('nix-instantiate', ['--store', 'dummy://', '--parse', '--log-format', 'internal-json', ...pending.map(({ file }) => `./${file}`)], {
      cwd: root,
      env: nixEnvironment(process.env),
      allowedExitCodes: [1],
      timeoutMs: 120_000,
    })
    if (exitCode === 0) break
    const error = errorOf(stderr)
    const failing = error?.file === undefined ? -1 : await indexOfFile(root, pending, error.file)
    const source = pending[failing]
    if (!error || !source) {
      throw new HvError('COMMAND_FAILED', `nix-instantiate --parse failed without naming a file: ${stderr.replace(ANSI, '').trim() || `exit code ${exitCode}`}`, {
        exitCode: ExitCode.SYSTEM_ERROR,
      })
    }
    // The files before the broken one parsed; nix-instantiate never looked at those after it.
    for (const parsed of pending.slice(0, failing)) results.set(parsed.file, null)
    results.set(source.file, { line: error.line, column: characterColumn(source.text, error.line, error.column), message: error.message })
    pending = pending.slice(failing + 1)
  }
  for (const { file } of pending) results.set(file, null)
  return results
}

async function indexOfFile(root: string, sources: readonly NixSource[], reported: string): Promise<number> {
  const index = sources.findIndex(({ file }) => resolve(root, file) === reported)
  if (index !== -1) return index
  // Nix names the file it read: through symbolic links, the target.
  const real = await Promise.all(sources.map(({ file }) => realpath(resolve(root, file)).catch(() => undefined)))
  return real.indexOf(reported)
}

/** The files of `sources` Nix cannot parse, with Nix's error. */
export async function nixSyntaxErrors(root: string, sources: readonly NixSource[], cache: ResultCache): Promise<Map<string, NixSyntaxError>> {
  if (sources.length === 0) return new Map()
  const tool = await nixInstantiateIdentity()
  const keyOf = (source: NixSource) => cacheKey('nix/syntax', tool, source.text)
  const cached = await Promise.all(sources.map((source) => cache.get<CachedParse>(keyOf(source))))
  const results = new Map<string, NixSyntaxError | null>(sources.flatMap((source, index) => (cached[index] ? [[source.file, cached[index].error] as const] : [])))
  const uncached = sources.filter((source) => !results.has(source.file))
  if (uncached.length > 0) {
    const parsed = await parseUncached(root, uncached)
    await Promise.all(
      uncached.map((source) => {
        const error = parsed.get(source.file) ?? null
        results.set(source.file, error)
        return cache.set(keyOf(source), { error } satisfies CachedParse)
      }),
    )
  }
  return new Map([...results].flatMap(([file, error]) => (error ? [[file, error] as const] : [])))
}
