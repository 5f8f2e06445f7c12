import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runHv } from '../helpers/project.js'

describe('hv (the built binary)', () => {
  it('--version prints name/version, platform and node', async () => {
    const { stdout, exitCode } = await runHv(['--version'])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/^hyper-nixos-hv\/\d+\.\d+\.\d+ linux-x64 node-v\d+\.\d+\.\d+\n$/)
  })

  it('--help lists every topic, saying which have no commands yet', async () => {
    const { stdout, exitCode } = await runHv(['--help'])
    expect(exitCode).toBe(0)
    const topics = [...stdout.split('TOPICS')[1]!.matchAll(/^ {2}(\w+)\s/gm)].map((match) => match[1])
    expect(topics).toEqual(['dev', 'features', 'image', 'security', 'settings', 'vm'])
    expect(stdout).toMatch(/vm\s+Create, start, stop and inspect virtual machines/)
  })

  it('<topic> --help describes the topic', async () => {
    const { stdout, exitCode } = await runHv(['dev', '--help'])
    expect(exitCode).toBe(0)
    expect(stdout).toContain('dev setup')
    expect(stdout).toContain('prepare this machine for Hyper-NixOS development')
  })

  it('an unknown command gives the error envelope, suggestions and exit 4', async () => {
    const human = await runHv(['sttings', 'show'])
    expect(human.exitCode).toBe(4)
    expect(human.stderr).toBe('Error (UNKNOWN_COMMAND): "sttings show" is not an hv command\nTry this:\n  - hv settings show\n  - hv settings set\n  - hv --help\n')
    const json = await runHv(['sttings', 'show', '--json'])
    expect(json.exitCode).toBe(4)
    expect(JSON.parse(json.stdout)).toEqual({
      status: 4,
      code: 'UNKNOWN_COMMAND',
      message: '"sttings show" is not an hv command',
      suggestions: ['hv settings show', 'hv settings set', 'hv --help'],
    })
  })

  it('a bad flag gives the error envelope and exit 4, human and JSON', async () => {
    const human = await runHv(['settings', 'show', '--bogus'])
    expect(human.exitCode).toBe(4)
    expect(human.stderr).toBe('Error (INVALID_ARGUMENT): Nonexistent flag: --bogus\nTry this:\n  - hv settings show --help\n')
    const json = await runHv(['settings', 'show', '--bogus', '--json'])
    expect(json.exitCode).toBe(4)
    expect(JSON.parse(json.stdout)).toEqual({
      status: 4,
      code: 'INVALID_ARGUMENT',
      message: 'Nonexistent flag: --bogus',
      suggestions: ['hv settings show --help'],
    })
  })

  it('a flag value outside its options is refused with the allowed values', async () => {
    const { stderr, exitCode } = await runHv(['settings', 'set', '--experience', 'guru'])
    expect(exitCode).toBe(4)
    expect(stderr).toMatch(/^Error \(INVALID_ARGUMENT\): Expected --experience=guru to be one of: beginner, standard, expert/)
  })

  it('keeps the experience level in the user settings file', async () => {
    const env = { XDG_CONFIG_HOME: await mkdtemp(join(tmpdir(), 'hv-xdg-')) }
    expect((await runHv(['settings', 'show'], { env })).stdout).toContain('experience: standard')
    const set = await runHv(['settings', 'set', '--experience', 'beginner', '--json'], { env })
    expect(JSON.parse(set.stdout)).toEqual({ experience: 'beginner', path: join(env.XDG_CONFIG_HOME, 'hv', 'settings.json') })
    expect((await runHv(['settings', 'show'], { env })).stdout).toContain('experience: beginner')
  })

  it('an invalid hv.json stops every libvirt command with the bad field named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hv-host-'))
    const { writeFile } = await import('node:fs/promises')
    await writeFile(join(dir, 'hv.json'), JSON.stringify({ uri: 'qemu:///system', network: 'a b' }))
    const { stderr, exitCode } = await runHv(['dev', 'demo', '--no-network'], { env: { HV_HOST_CONFIG: join(dir, 'hv.json') } })
    expect(exitCode).toBe(4)
    expect(stderr).toContain(`Error (CONFIG_INVALID): ${join(dir, 'hv.json')} is invalid:\n  network: must be 1-64 letters`)
  })
})
