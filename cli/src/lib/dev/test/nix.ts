/**
 * The Nix commands of the nixos layer (flakes, through the `nix` command of Nix 2.8 and
 * later). Questions about the flake are asked offline, without binary caches and without
 * writing flake.lock, so that they answer in well under a second on a machine without
 * network; builds use the user's own Nix configuration (its caches, its sandbox).
 */
import { z } from 'zod'
import { run, type RunResult } from '../../exec.js'

const NIX = 'nix'
const FEATURES = ['--extra-experimental-features', 'nix-command flakes']
/** For questions: nothing downloaded unless asked, no binary cache retried, the lock file untouched. */
const LOCAL = ['--offline', '--option', 'substituters', '', '--no-write-lock-file']
const ALL_EXIT_CODES = Array.from({ length: 255 }, (_, index) => index + 1)
const QUESTION_TIMEOUT_MS = 60_000
/** Give up on a host that does not answer: an unreachable network fails in seconds, not minutes. */
const FETCH_OPTIONS = ['--option', 'connect-timeout', '5', '--option', 'download-attempts', '1']

export interface NixOptions {
  /** Added to the environment of every nix command (NIX_CONFIG, for instance). */
  env?: Record<string, string | undefined>
}

/** nix's own explanation: its `error:` lines, without warnings, or the last lines it wrote. */
export function nixError(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trimEnd())
  const start = lines.findIndex((line) => line.startsWith('error:'))
  const relevant = start === -1 ? lines.filter((line) => line.trim() !== '').slice(-3) : lines.slice(start).filter((line) => !line.startsWith('(use '))
  return relevant.join('\n').replace(/^error:\s*/, '').trim() || 'nix failed without saying why'
}

async function nix(args: readonly string[], options: NixOptions & { timeoutMs?: number }): Promise<RunResult> {
  return run(NIX, [...FEATURES, ...args], { env: options.env, timeoutMs: options.timeoutMs, allowedExitCodes: ALL_EXIT_CODES })
}

/** The Nix system of this machine (`x86_64-linux`), as flakes name their outputs. */
export async function nixSystem(options: NixOptions = {}): Promise<string> {
  const result = await nix(['eval', '--impure', '--raw', '--expr', 'builtins.currentSystem', ...LOCAL], {
    ...options,
    timeoutMs: QUESTION_TIMEOUT_MS,
  })
  if (result.exitCode !== 0) throw new Error(nixError(result.stderr))
  return result.stdout.trim()
}

interface ArchivedFlake {
  path: string
  inputs?: Record<string, ArchivedFlake>
}
const ArchivedFlake: z.ZodType<ArchivedFlake> = z.lazy(() => z.object({ path: z.string(), inputs: z.record(z.string(), ArchivedFlake).optional() }))

/** Each input of a flake (nested ones as `a/b`) with the store path its lock pins. */
function inputPaths(flake: ArchivedFlake, prefix = ''): { name: string; path: string }[] {
  return Object.entries(flake.inputs ?? {}).flatMap(([name, input]) => [{ name: prefix + name, path: input.path }, ...inputPaths(input, `${prefix}${name}/`)])
}

export type Reachability = { reachable: true } | { reachable: false; reason: string }

/**
 * Whether the flake's inputs (nixpkgs) can be had here: already in the Nix store (asked
 * offline: `nix flake archive --dry-run` knows their store paths from the lock), or fetched
 * now. Fetching gives up after one attempt and a 5 s connect timeout, so a machine without
 * network learns it in seconds; on one with network it downloads what the tests need anyway.
 */
export async function probeFlakeInputs(flakeRef: string, options: NixOptions = {}): Promise<Reachability> {
  const dryRun = await nix(['flake', 'archive', '--dry-run', '--json', ...LOCAL, flakeRef], { ...options, timeoutMs: QUESTION_TIMEOUT_MS })
  if (dryRun.exitCode !== 0) return { reachable: false, reason: `nix cannot read the flake: ${nixError(dryRun.stderr)}` }
  const inputs = inputPaths(ArchivedFlake.parse(JSON.parse(dryRun.stdout)))
  if (inputs.length === 0) return { reachable: true }
  const validity = await run('nix-store', ['--check-validity', '--print-invalid', ...inputs.map((input) => input.path)], {
    env: options.env,
    timeoutMs: QUESTION_TIMEOUT_MS,
    allowedExitCodes: ALL_EXIT_CODES,
  })
  const invalid = new Set(validity.stdout.split('\n').filter(Boolean))
  const missing = validity.exitCode === 0 ? inputs.filter((input) => invalid.has(input.path)) : inputs
  if (missing.length === 0) return { reachable: true }
  const fetched = await nix(['flake', 'archive', '--json', '--no-write-lock-file', ...FETCH_OPTIONS, flakeRef], options)
  if (fetched.exitCode === 0) return { reachable: true }
  const names = missing.map((input) => input.name).join(', ')
  return {
    reachable: false,
    reason: `${names} not reachable from this machine: not in the Nix store, and fetching failed (${nixError(fetched.stderr).split('\n')[0]})`,
  }
}

/** The names of the flake's checks for `system`. */
export async function flakeCheckNames(flakeRef: string, system: string, options: NixOptions = {}): Promise<string[]> {
  const result = await nix(['eval', '--json', ...LOCAL, `${flakeRef}#checks.${system}`, '--apply', 'builtins.attrNames'], {
    ...options,
    timeoutMs: QUESTION_TIMEOUT_MS,
  })
  if (result.exitCode !== 0) throw new Error(nixError(result.stderr))
  return z.array(z.string()).parse(JSON.parse(result.stdout))
}

/** nix's system-features (`kvm`, `nixos-test`, ...): NixOS VM tests require kvm and nixos-test. */
export async function nixSystemFeatures(options: NixOptions = {}): Promise<string[] | undefined> {
  const result = await nix(['show-config', '--json'], { ...options, timeoutMs: QUESTION_TIMEOUT_MS })
  if (result.exitCode !== 0) return undefined
  const parsed = z.object({ 'system-features': z.object({ value: z.array(z.string()) }) }).safeParse(JSON.parse(result.stdout))
  return parsed.success ? parsed.data['system-features'].value : undefined
}

export interface BuildOutcome {
  ok: boolean
  durationMs: number
  /** The tail of the build log (or of nix's output) when the build failed. */
  log?: string
}

const LOG_LINES = 40

function tail(text: string, lines = LOG_LINES): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

/**
 * `nix build <flake>#checks.<system>.<name> -L --no-link`. With `progress` the log streams to
 * hv's stderr as it is written; the tail recorded on failure then comes from `nix log`.
 */
export async function buildCheck(installable: string, options: NixOptions & { progress: boolean }): Promise<BuildOutcome> {
  const started = performance.now()
  const result = await run(NIX, [...FEATURES, 'build', installable, '-L', '--no-link', '--no-write-lock-file'], {
    env: options.env,
    allowedExitCodes: ALL_EXIT_CODES,
    inheritStderr: options.progress,
  })
  const durationMs = Math.round(performance.now() - started)
  if (result.exitCode === 0) return { ok: true, durationMs }
  const log = await nix(['log', installable], options)
  const buildLog = log.exitCode === 0 ? tail(log.stdout) : ''
  // Under progress nix's stderr went to the terminal; without a build log the failure came
  // before building (evaluation), and nix's error says why.
  const error = result.stderr.trim() ? nixError(result.stderr) : ''
  const detail = [buildLog, error].filter(Boolean).join('\n') || 'nix build failed before building: its error is above'
  return { ok: false, durationMs, log: detail }
}

/** Builds `installable` and returns its `out` path (for the interactive test driver). */
export async function buildOutPath(installable: string, options: NixOptions = {}): Promise<string> {
  const result = await run(NIX, [...FEATURES, 'build', installable, '--no-link', '--json', '--no-write-lock-file'], {
    env: options.env,
    allowedExitCodes: ALL_EXIT_CODES,
  })
  if (result.exitCode !== 0) throw new Error(nixError(result.stderr))
  const built = z.array(z.object({ outputs: z.object({ out: z.string() }) })).parse(JSON.parse(result.stdout))
  const out = built[0]?.outputs.out
  if (!out) throw new Error(`nix build ${installable} reported no output`)
  return out
}
