import { describe, expect, it } from 'vitest'
import { OPERATOR, isRoot, runHv, userExists } from '../../helpers/project.js'

const canSwitchUser = isRoot() && (await userExists(OPERATOR))
if (!canSwitchUser) console.warn(`[skip] hv dev setup as non-root: needs root and the ${OPERATOR} account (hv dev setup creates it)`)

describe('hv dev setup', () => {
  it.skipIf(!canSwitchUser)('refuses to run without root, and says to use sudo', async () => {
    const { stdout, exitCode } = await runHv(['dev', 'setup', '--json'], { user: OPERATOR })
    expect(exitCode).toBe(3)
    expect(JSON.parse(stdout)).toEqual({
      status: 3,
      code: 'PERMISSION_DENIED',
      message: 'hv dev setup installs packages, starts system services and creates a user account: it needs root',
      suggestions: ['sudo hv dev setup'],
    })
  })
})
