/**
 * The only module that starts processes. It takes a program and an argv array,
 * never a shell string, so no user value is ever interpreted by a shell; and it
 * turns every failure into a typed HvError carrying the program's stderr.
 */
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { execa } from 'execa'
import { ExitCode, type ExitCodeValue } from './errors/exit-codes.js'
import { HvError } from './errors/hv-error.js'

export interface RunOptions {
  /** Written to the program's stdin. */
  input?: string
  /** Kill the program after this many milliseconds. */
  timeoutMs?: number
  cwd?: string
  /** Added to (not replacing) the current environment. */
  env?: Record<string, string | undefined>
  /** Show the program's stderr live (progress of long steps) instead of capturing it. */
  inheritStderr?: boolean
  /** Exit codes that are an answer rather than a failure (e.g. `dpkg-query` 1 = not installed). */
  allowedExitCodes?: readonly number[]
  /**
   * The program talks to the user: it reads hv's stdin (sudo asking for a password) and
   * writes to hv's stderr, its stdout included, so that hv's stdout stays the --json result.
   * Nothing is captured.
   */
  interactive?: boolean
  /** The program takes over the terminal (stdin, stdout, stderr), like a console. */
  terminal?: boolean
}

export interface RunResult {
  stdout: string
  stderr: string
  exitCode: number
}

export class CommandFailedError extends HvError {
  constructor(
    readonly program: string,
    readonly args: readonly string[],
    readonly commandExitCode: number | undefined,
    readonly stderr: string,
    exitCode: ExitCodeValue = ExitCode.SYSTEM_ERROR,
  ) {
    const detail = stderr.trim() || `exited with ${commandExitCode ?? 'a signal'}`
    super('COMMAND_FAILED', `${program} ${args.join(' ')} failed: ${detail}`, { exitCode })
    this.name = 'CommandFailedError'
  }
}

export class CommandNotFoundError extends HvError {
  constructor(readonly program: string) {
    super('MISSING_DEPENDENCY', `${program} is not installed or not on PATH`, {
      exitCode: ExitCode.MISSING_DEPENDENCY,
      suggestions: ['sudo hv dev setup   # installs what Hyper-NixOS needs on Debian/Ubuntu', 'nix develop   # on NixOS'],
    })
    this.name = 'CommandNotFoundError'
  }
}

export class CommandTimeoutError extends HvError {
  constructor(program: string, args: readonly string[], timeoutMs: number) {
    super('TIMEOUT', `${program} ${args.join(' ')} did not finish within ${timeoutMs} ms`, {
      exitCode: ExitCode.TIMEOUT,
    })
    this.name = 'CommandTimeoutError'
  }
}

export async function run(program: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await execa(program, [...args], {
    input: options.input,
    timeout: options.timeoutMs,
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    reject: false,
    stripFinalNewline: true,
    ...(options.terminal
      ? { stdio: 'inherit' as const }
      : options.interactive
      ? { stdin: 'inherit' as const, stdout: process.stderr, stderr: 'inherit' as const }
      : { stderr: options.inheritStderr ? ('inherit' as const) : ('pipe' as const) }),
  })
  if (result.failed && result.exitCode === undefined) {
    if (result.timedOut) throw new CommandTimeoutError(program, args, options.timeoutMs ?? 0)
    if ((result.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new CommandNotFoundError(program)
    throw new CommandFailedError(program, args, undefined, String(result.stderr || result.message))
  }
  if (result.timedOut) throw new CommandTimeoutError(program, args, options.timeoutMs ?? 0)
  const exitCode = result.exitCode ?? 1
  if (exitCode !== 0 && !(options.allowedExitCodes ?? []).includes(exitCode)) {
    throw new CommandFailedError(program, args, exitCode, String(result.stderr ?? ''))
  }
  return { stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), exitCode }
}

/** The absolute path `program` would start from, looked up on PATH like a shell does; undefined when absent. */
export async function which(program: string, path = process.env.PATH ?? ''): Promise<string | undefined> {
  const candidates = program.includes('/') ? [program] : path.split(delimiter).filter(Boolean).map((dir) => join(dir, program))
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here: try the next PATH entry
    }
  }
  return undefined
}

export interface WatchOptions {
  env?: Record<string, string | undefined>
  timeoutMs: number
  /** Called with all output so far each time the program writes; true ends the watch. */
  until: (output: string) => boolean
  /** What we were waiting for, for the timeout message. */
  waitingFor: string
}

/**
 * Runs a program and resolves as soon as its output satisfies `until` (an event
 * on its stdout, never a sleep loop), then stops it. Rejects with a TIMEOUT error
 * after `timeoutMs`, or when the program exits first.
 */
export async function watchOutput(program: string, args: readonly string[], options: WatchOptions): Promise<string> {
  const child = execa(program, [...args], {
    env: options.env,
    extendEnv: true,
    reject: false,
    stdin: 'ignore',
    all: true,
    buffer: false,
  })
  let output = ''
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new HvError('TIMEOUT', `gave up after ${options.timeoutMs} ms waiting for ${options.waitingFor}`, {
            exitCode: ExitCode.TIMEOUT,
            suggestions: [`last output: ${output.slice(-300).trim() || '(none)'}`],
          }),
        )
      }, options.timeoutMs)
      child.all?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8')
        if (options.until(output)) {
          clearTimeout(timer)
          resolve(output)
        }
      })
      void child.then((result) => {
        clearTimeout(timer)
        if (options.until(output)) resolve(output)
        else reject(new CommandFailedError(program, args, result.exitCode, output.slice(-500)))
      })
    })
  } finally {
    child.kill()
  }
}

export interface LineStream {
  /** Resolves when the program has ended (its exit code, undefined after a signal). */
  readonly exited: Promise<number | undefined>
  /** Stops the program; lines already received stay delivered. */
  close(): void
  /** What the program wrote on stderr so far (why it ended, when it did). */
  stderr(): string
}

/**
 * Starts a long-running program and calls `onLine` for each line of its stdout as it
 * arrives (an event stream such as `virsh event --loop`), until `close()`.
 */
export function streamLines(
  program: string,
  args: readonly string[],
  onLine: (line: string) => void,
  options: { env?: Record<string, string | undefined> } = {},
): LineStream {
  const child = execa(program, [...args], {
    env: options.env,
    extendEnv: true,
    reject: false,
    stdin: 'ignore',
    buffer: false,
  })
  let pending = ''
  let errors = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString('utf8')).slice(-4000)
  })
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8')
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) onLine(line)
  })
  const exited = child.then(
    (result) => result.exitCode,
    () => undefined,
  )
  return { exited, close: () => void child.kill(), stderr: () => errors }
}
