import { describe, expect, it } from 'vitest'
import { firstSentence, isHostScript, parseScriptHeader, renderScriptTable } from '../../../src/lib/docs/script-table.js'

describe('the script privilege table, from the scripts’ headers', () => {
  it('reads the sudo class, OPERATION_TYPE and the description’s first sentence', () => {
    const text = [
      '#!/usr/bin/env bash',
      '# Script: start.sh',
      '# Sudo Required: YES',
      '# Description: Starts the services a dev machine needs (e.g. libvirtd, see',
      '#   start-services.sh) when they are not running. Idempotent.',
      'set -Eeuo pipefail',
      'readonly OPERATION_TYPE="starts system services (libvirtd)"',
    ].join('\n')
    expect(parseScriptHeader('scripts/dev/start.sh', text)).toEqual({
      file: 'scripts/dev/start.sh',
      sudo: 'YES',
      why: 'starts system services (libvirtd)',
      summary: 'Starts the services a dev machine needs (e.g. libvirtd, see start-services.sh) when they are not running.',
    })
  })

  it('a library says so instead of an operation', () => {
    const text = '# Script: common.sh\n# Sudo Required: NO\n# Description: Shared helpers.\n# Library: defines functions only; sourcing it runs nothing.\n'
    expect(parseScriptHeader('scripts/lib/common.sh', text)).toMatchObject({ sudo: 'NO', why: 'library: defines functions only; sourcing it runs nothing', summary: 'Shared helpers.' })
  })

  it('ends the first sentence at a full stop before a capital, not inside names', () => {
    expect(firstSentence('Reads hv.json and apt-packages.txt. Then stops.')).toBe('Reads hv.json and apt-packages.txt.')
    expect(firstSentence('No full stop at all')).toBe('No full stop at all')
  })

  it('lists host scripts only, sorted, one row each in the shape the script checks parse', () => {
    expect(['scripts/dev/a.sh', 'tests/run_all_tests.sh', 'scripts/guests/tiny-guest/init', 'scripts/guests/tiny-guest/hook.sh', 'docs/x.sh'].filter(isHostScript)).toEqual([
      'scripts/dev/a.sh',
      'tests/run_all_tests.sh',
    ])
    expect(renderScriptTable([{ file: 'tests/t.sh', sudo: 'NO', why: 'runs tests', summary: 'Runs | tests.' }, { file: 'scripts/x.sh' }]).split('\n')).toEqual([
      '| script | sudo | operation | what it does |',
      '| --- | --- | --- | --- |',
      '| `scripts/x.sh` | ? | – | – |',
      '| `tests/t.sh` | NO | runs tests | Runs \\| tests. |',
    ])
  })
})
