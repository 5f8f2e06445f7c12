import { Chalk, type ChalkInstance } from 'chalk'

/**
 * All colour and symbols go through here. Colour only when the stream is a
 * terminal and NO_COLOR is unset (https://no-color.org); symbols fall back to
 * plain words when colour is off, so piped output stays greppable.
 */
export interface Theme {
  readonly color: boolean
  error(text: string): string
  warning(text: string): string
  success(text: string): string
  muted(text: string): string
  strong(text: string): string
  command(text: string): string
  readonly symbols: { ok: string; fail: string; warn: string; info: string }
}

export interface ColorEnvironment {
  isTTY: boolean
  env: NodeJS.ProcessEnv
}

export function colorEnabled({ isTTY, env }: ColorEnvironment): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true
  return isTTY && env.TERM !== 'dumb'
}

export function createTheme(color: boolean): Theme {
  const chalk: ChalkInstance = new Chalk({ level: color ? 1 : 0 })
  return {
    color,
    error: (text) => chalk.red(text),
    warning: (text) => chalk.yellow(text),
    success: (text) => chalk.green(text),
    muted: (text) => chalk.dim(text),
    strong: (text) => chalk.bold(text),
    command: (text) => chalk.cyan(text),
    symbols: color
      ? { ok: chalk.green('✔'), fail: chalk.red('✖'), warn: chalk.yellow('⚠'), info: chalk.blue('ℹ') }
      : { ok: '[ok]', fail: '[fail]', warn: '[warn]', info: '[info]' },
  }
}

export function themeFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Theme {
  return createTheme(colorEnabled({ isTTY: Boolean(stream.isTTY), env }))
}
