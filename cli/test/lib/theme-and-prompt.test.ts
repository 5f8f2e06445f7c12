import { describe, expect, it } from 'vitest'
import { confirm } from '../../src/lib/prompt.js'
import { colorEnabled, createTheme, visibleLength } from '../../src/lib/theme.js'

describe('theme', () => {
  it('colours a terminal, but not when NO_COLOR is set, TERM is dumb, or output is piped', () => {
    expect(colorEnabled({ isTTY: true, env: {} })).toBe(true)
    expect(colorEnabled({ isTTY: true, env: { NO_COLOR: '1' } })).toBe(false)
    expect(colorEnabled({ isTTY: true, env: { TERM: 'dumb' } })).toBe(false)
    expect(colorEnabled({ isTTY: false, env: {} })).toBe(false)
    expect(colorEnabled({ isTTY: false, env: { FORCE_COLOR: '1' } })).toBe(true)
  })

  it('uses words instead of symbols without colour, so piped output stays greppable', () => {
    expect(createTheme(false).symbols).toEqual({ ok: '[ok]', fail: '[fail]', warn: '[warn]', info: '[info]' })
    expect(createTheme(false).error('x')).toBe('x')
    expect(createTheme(true).symbols.ok).toContain('✔')
  })

  it('shows risk levels and check outcomes as coloured icons, or as bare words without colour', () => {
    expect(createTheme(false).risk('high')).toBe('high')
    expect(createTheme(false).outcome('unknown')).toBe('unknown')
    expect(createTheme(true).risk('high')).toBe('\u001B[31m◆ high\u001B[39m')
    expect(createTheme(true).outcome('pass')).toBe('\u001B[32m✔ pass\u001B[39m')
    expect(visibleLength(createTheme(true).risk('critical'))).toBe('✖ critical'.length)
  })
})

describe('confirm', () => {
  it('does not ask when the answering flag was given', async () => {
    expect(await confirm({ json: false, interactive: false }, 'Delete web?', { answeredBy: '--yes', answered: true })).toBe(true)
  })

  it('refuses to ask without a terminal, naming the flag that answers', async () => {
    await expect(confirm({ json: false, interactive: false }, 'Delete web?', { answeredBy: '--yes', answered: false })).rejects.toMatchObject({
      code: 'CONFIRMATION_REQUIRED',
      exitCode: 4,
      message: '"Delete web?" needs a confirmation, but there is no terminal to ask on',
      suggestions: ['re-run with --yes to confirm'],
    })
  })

  it('refuses to ask under --json even on a terminal', async () => {
    await expect(confirm({ json: true, interactive: true }, 'Delete web?', { answeredBy: '--yes', answered: false })).rejects.toMatchObject({
      message: '"Delete web?" needs a confirmation, but output is --json',
    })
  })
})
