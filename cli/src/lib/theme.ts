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
  /** A feature's risk: an icon and the level in its colour, or the bare level without colour. */
  risk(level: RiskTone): string
  /** A check's outcome: an icon and the word in its colour, or the bare word without colour. */
  outcome(outcome: CheckOutcome): string
}

/** The registry's risk levels, lowest first (modules/features/feature-categories.nix). */
export type RiskTone = 'minimal' | 'low' | 'moderate' | 'high' | 'critical'
export type CheckOutcome = 'pass' | 'fail' | 'unknown'

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
  const riskStyle: Record<RiskTone, [string, (text: string) => string]> = {
    minimal: ['○', chalk.green],
    low: ['●', chalk.green],
    moderate: ['▲', chalk.yellow],
    high: ['◆', chalk.red],
    critical: ['✖', (text) => chalk.bold.red(text)],
  }
  const outcomeStyle: Record<CheckOutcome, [string, (text: string) => string]> = {
    pass: ['✔', chalk.green],
    fail: ['✖', chalk.red],
    unknown: ['?', chalk.yellow],
  }
  const badge = ([icon, paint]: [string, (text: string) => string], word: string): string =>
    color ? paint(`${icon} ${word}`) : word
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
    risk: (level) => badge(riskStyle[level], level),
    outcome: (outcome) => badge(outcomeStyle[outcome], outcome),
  }
}

export function themeFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Theme {
  return createTheme(colorEnabled({ isTTY: Boolean(stream.isTTY), env }))
}

const ANSI_ESCAPE = /\u001B\[[0-9;]*m/g

/** The width a string takes on a terminal, colour codes aside. */
export function visibleLength(text: string): number {
  return text.replace(ANSI_ESCAPE, '').length
}
