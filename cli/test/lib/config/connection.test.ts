import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { describeConnection, hostConfigPath as configPathFor, loadHostConfig, resolveConnection } from '../../../src/lib/config/connection.js'
import { HvError } from '../../../src/lib/errors/hv-error.js'

let dir: string
let hostConfigPath: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hv-config-'))
  hostConfigPath = join(dir, 'hv.json')
})

async function writeHostConfig(content: unknown): Promise<void> {
  await writeFile(hostConfigPath, typeof content === 'string' ? content : JSON.stringify(content))
}

describe('libvirt connection resolution', () => {
  it("uses libvirt's default when nothing is configured", async () => {
    const connection = await resolveConnection({ connectFlag: undefined, env: {}, hostConfigPath })
    expect(connection).toMatchObject({ uri: undefined, source: 'libvirt-default', hostConfigFound: false })
  })

  it('reads hv.json: URI, storage pool and network', async () => {
    await writeHostConfig({ uri: 'qemu:///system', storagePool: 'hypervisor', network: 'default' })
    const connection = await resolveConnection({ connectFlag: undefined, env: {}, hostConfigPath })
    expect(connection).toMatchObject({ uri: 'qemu:///system', source: 'host-config', storagePool: 'hypervisor', network: 'default' })
  })

  it('lets LIBVIRT_DEFAULT_URI override hv.json, and --connect override both', async () => {
    await writeHostConfig({ uri: 'qemu:///system' })
    const env = { LIBVIRT_DEFAULT_URI: 'test:///default' }
    expect(await resolveConnection({ connectFlag: undefined, env, hostConfigPath })).toMatchObject({ uri: 'test:///default', source: 'env' })
    expect(await resolveConnection({ connectFlag: 'qemu+ssh://admin@hv1/system', env, hostConfigPath })).toMatchObject({
      uri: 'qemu+ssh://admin@hv1/system',
      source: 'flag',
      // the host's pool and network still apply
    })
  })

  it('refuses an invalid hv.json field by field, naming the file', async () => {
    await writeHostConfig({ uri: 'not a uri', storagePool: '../etc', colour: 'blue' })
    const error = await resolveConnection({ connectFlag: undefined, env: {}, hostConfigPath }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(HvError)
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', exitCode: 4 })
    const message = (error as HvError).message
    expect(message).toContain(hostConfigPath)
    expect(message).toMatch(/uri: must be a libvirt URI/)
    expect(message).toMatch(/storagePool: must be 1-64 letters/)
    expect(message).toMatch(/colour/)
  })

  it('refuses malformed JSON with the parser message', async () => {
    await writeHostConfig('{"uri": ')
    await expect(resolveConnection({ connectFlag: undefined, env: {}, hostConfigPath })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('is not valid JSON'),
    })
  })

  it('refuses a bad --connect or LIBVIRT_DEFAULT_URI value', async () => {
    await expect(resolveConnection({ connectFlag: 'system', env: {}, hostConfigPath })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: '--connect "system" is not a libvirt URI',
    })
    await expect(resolveConnection({ connectFlag: undefined, env: { LIBVIRT_DEFAULT_URI: 'x y' }, hostConfigPath })).rejects.toMatchObject({
      message: 'LIBVIRT_DEFAULT_URI "x y" is not a libvirt URI',
    })
  })

  it('says where the URI came from', async () => {
    await writeHostConfig({ uri: 'qemu:///system' })
    const connection = await resolveConnection({ connectFlag: undefined, env: {}, hostConfigPath })
    expect(describeConnection(connection)).toBe(`libvirt: qemu:///system (from ${hostConfigPath})`)
  })

  it('finds hv.json in HYPERVISOR_ROOT unless HV_HOST_CONFIG names it', () => {
    expect(configPathFor({})).toBe('/etc/hypervisor/hv.json')
    expect(configPathFor({ HYPERVISOR_ROOT: '/srv/hv' })).toBe('/srv/hv/hv.json')
    expect(configPathFor({ HYPERVISOR_ROOT: '/srv/hv', HV_HOST_CONFIG: '/tmp/x.json' })).toBe('/tmp/x.json')
  })

  it('reads the VM defaults, the managed settings file and the flake the module writes', async () => {
    const written = {
      uri: 'qemu:///system',
      defaults: { firmware: 'uefi', secureBoot: true, tpm: false, guestAgent: true, serialConsoleLog: false },
      managedSettingsFile: '/etc/nixos/hypervisor-settings.json',
      rebuildFlake: '/etc/nixos#hv1',
      imageRegistry: 'http://mirror.example.org/images',
    }
    await writeHostConfig(written)
    expect(await loadHostConfig(hostConfigPath)).toEqual(written)
  })

  it('refuses bad VM defaults, a relative settings file and an unknown default, field by field', async () => {
    await writeHostConfig({ defaults: { firmware: 'coreboot', sound: true }, managedSettingsFile: 'settings.json', rebuildFlake: '/etc/nixos #hv1', imageRegistry: 'ftp://mirror/' })
    const error = (await loadHostConfig(hostConfigPath).catch((caught: unknown) => caught)) as HvError
    expect(error.message.split('\n').slice(1)).toEqual([
      '  defaults.firmware: Invalid option: expected one of "bios"|"uefi"',
      '  defaults: Unrecognized key: "sound"',
      '  imageRegistry: must be an http(s) URL',
      '  managedSettingsFile: must be an absolute path',
      '  rebuildFlake: must be a flake reference such as /etc/nixos#hv1',
    ])
  })
})
