import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { countKeys, describeAdministrator, findAdministrators, groupMembers, hasKey } from '../../../src/lib/security/administrators.js'
import { SecurityReport } from '../../../src/lib/security/schema.js'
import { securityReport } from '../../helpers/host.js'

describe('administrators and their SSH keys', () => {
  it('counts key lines, not blanks or comments', () => {
    expect(countKeys('# alice\nssh-ed25519 AAAA alice@a\n\n  ssh-rsa BBBB alice@b\n')).toBe(2)
  })

  it('joins the configured administrators and the live members of the group, with their key files', async () => {
    const keysDir = await mkdtemp(join(tmpdir(), 'hv-keys-'))
    await writeFile(join(keysDir, 'alice'), 'ssh-ed25519 AAAA alice@laptop\n# old key removed\n')
    // The live group is the real `root` group of this machine (getent), whatever its members.
    const liveMembers = await groupMembers('root')
    const report = SecurityReport.parse(securityReport({ administrators: [{ name: 'alice', sshKeys: 0 }, { name: 'bob', sshKeys: 2 }] }))
    const admins = await findAdministrators(report, { authorizedKeysDir: keysDir, group: 'root' })
    expect(admins.map((admin) => admin.name)).toEqual([...new Set(['alice', 'bob', ...liveMembers])].sort())
    const alice = admins.find((admin) => admin.name === 'alice')!
    expect(alice).toEqual({ name: 'alice', configuredKeys: 0, liveKeys: 1, keyFiles: [join(keysDir, 'alice')], unreadable: [] })
    expect(hasKey(alice)).toBe(true)
    expect(describeAdministrator(alice)).toBe(`alice: 1 key (0 in the configuration; 1 in ${join(keysDir, 'alice')})`)
    const bob = admins.find((admin) => admin.name === 'bob')!
    expect(describeAdministrator(bob)).toBe('bob: 2 keys (2 in the configuration; none in authorized_keys files)')
  })

  it('finds nobody in a group that does not exist', async () => {
    expect(await groupMembers('hv-no-such-group')).toEqual([])
  })
})
