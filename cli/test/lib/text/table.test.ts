import { describe, expect, it } from 'vitest'
import { renderTable } from '../../../src/lib/text/table.js'
import { createTheme } from '../../../src/lib/theme.js'

describe('renderTable', () => {
  it('aligns columns by what a terminal shows, colour codes aside, with no trailing spaces', () => {
    const colour = createTheme(true)
    const lines = renderTable([
      ['NAME', 'RISK', 'NOTE'],
      ['tpm', colour.risk('low'), ''],
      ['publicBridge', colour.risk('critical'), 'refused'],
    ])
    const plain = lines.map((line) => line.replace(/\u001B\[[0-9;]*m/g, ''))
    expect(plain).toEqual(['NAME          RISK        NOTE', 'tpm           ● low', 'publicBridge  ✖ critical  refused'])
  })
})
