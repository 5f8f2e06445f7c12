import { describe, expect, it } from 'vitest'
import type { Finding } from '../../../src/lib/validate/finding.js'
import { renderGithub, renderHuman, summarize } from '../../../src/lib/validate/report.js'
import { createTheme } from '../../../src/lib/theme.js'

const finding = (overrides: Partial<Finding> = {}): Finding => ({
  rule: 'script/header',
  severity: 'error',
  file: 'scripts/dev/x.sh',
  line: 2,
  column: 1,
  message: 'the header lacks "# Sudo Required: YES|NO": add it',
  ...overrides,
})

describe('validate output', () => {
  it('GitHub annotations escape what would end a property or the message', () => {
    const [line] = renderGithub([finding({ file: 'scripts/a,b:c.sh', rule: 'shellcheck/SC2086', message: '100% wrong\nsecond line' })])
    expect(line).toBe('::error file=scripts/a%2Cb%3Ac.sh,line=2,col=1,title=shellcheck/SC2086::100%25 wrong%0Asecond line')
    expect(renderGithub([finding({ severity: 'warning' })])[0]).toMatch(/^::warning file=scripts\/dev\/x\.sh,line=2,col=1,title=script\/header::/)
  })

  it('groups findings by file for people, with place, severity, message and rule', () => {
    const lines = renderHuman([finding(), finding({ line: 9, rule: 'script/strict-mode', message: 'add set -Eeuo pipefail' }), finding({ file: 'modules/a.nix', line: 1 })], createTheme(false))
    expect(lines).toEqual([
      'scripts/dev/x.sh',
      '  2:1  error  the header lacks "# Sudo Required: YES|NO": add it  script/header',
      '  9:1  error  add set -Eeuo pipefail  script/strict-mode',
      '',
      'modules/a.nix',
      '  1:1  error  the header lacks "# Sudo Required: YES|NO": add it  script/header',
    ])
    expect(summarize({ errors: 1, warnings: 0, files: 2, durationMs: 1234 })).toBe('1 error, 0 warnings in 2 files (1.23 s)')
  })
})
