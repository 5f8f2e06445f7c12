import { mkdir, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { readValidatedJson } from './json-file.js'
import { UserSettings } from './schemas.js'

/** ~/.config/hv/settings.json, honouring XDG_CONFIG_HOME. */
export function settingsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config')
  return join(base, 'hv', 'settings.json')
}

export async function loadSettings(path: string): Promise<UserSettings> {
  const stored = await readValidatedJson(path, UserSettings, `fix ${path}, or reset it with: hv settings set --experience standard`)
  return stored ?? UserSettings.parse({})
}

/** Written to a temporary file then renamed, so a crash never leaves half a file. */
export async function saveSettings(path: string, settings: UserSettings): Promise<void> {
  const valid = UserSettings.parse(settings)
  await mkdir(dirname(path), { recursive: true })
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o644 })
  await rename(temporary, path)
}
