import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadSettings, saveSettings, settingsPath } from '../../../src/lib/config/settings.js'

describe('user settings', () => {
  it('live under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(settingsPath({ XDG_CONFIG_HOME: '/x' })).toBe('/x/hv/settings.json')
    expect(settingsPath({ HOME: '/home/ana' })).toBe('/home/ana/.config/hv/settings.json')
  })

  it('default to the standard experience level and round-trip through the file', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'hv-settings-')), 'hv', 'settings.json')
    expect(await loadSettings(path)).toEqual({ experience: 'standard' })
    await saveSettings(path, { experience: 'beginner' })
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ experience: 'beginner' })
    expect(await loadSettings(path)).toEqual({ experience: 'beginner' })
  })

  it('refuse an unknown experience level with the allowed values', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'hv-settings-')), 'settings.json')
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, JSON.stringify({ experience: 'guru' }))
    await expect(loadSettings(path)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/experience: .*"beginner"\|"standard"\|"expert"/),
    })
  })
})
