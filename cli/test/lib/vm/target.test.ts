import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Connection } from '../../../src/lib/config/connection.js'
import { vmTarget } from '../../../src/lib/vm/target.js'

const connection = (overrides: Partial<Connection>): Connection => ({
  uri: undefined,
  source: 'libvirt-default',
  storagePool: undefined,
  network: undefined,
  hostConfigPath: '/nonexistent/hv.json',
  hostConfigFound: false,
  ...overrides,
})

const systemDaemon = existsSync('/run/libvirt/libvirt-sock') || existsSync('/var/run/libvirt/libvirt-sock')
if (!systemDaemon) console.warn('[skip] the qemu:///session warning: no system libvirtd socket on this machine')

describe('where hv vm works', () => {
  it('uses the resolved URI, pool and network, with the defaults when nothing names them', async () => {
    expect(await vmTarget(connection({ uri: 'qemu:///system', source: 'flag', storagePool: 'fast', network: 'lab' }), false)).toEqual({
      uri: 'qemu:///system',
      pool: 'fast',
      network: 'lab',
      defaults: {},
      phoneHomePorts: [42420, 42439],
      sessionWarning: undefined,
    })
    expect(await vmTarget(connection({}), true)).toMatchObject({ uri: 'qemu:///system', pool: 'hypervisor', network: 'default', sessionWarning: undefined })
  })

  it.skipIf(!systemDaemon)('warns a non-root user who silently lands on qemu:///session while the system daemon runs', async () => {
    const target = await vmTarget(connection({}), false)
    expect(target.uri).toBe('qemu:///session')
    expect(target.sessionWarning).toMatch(/qemu:\/\/\/session.*--connect qemu:\/\/\/system/s)
  })
})
