import { HvCommand } from '../../base-command.js'
import type { UserSettings } from '../../lib/config/schemas.js'
import { loadSettings, settingsPath } from '../../lib/config/settings.js'

export interface SettingsShowResult extends UserSettings {
  path: string
}

export default class SettingsShow extends HvCommand {
  static override summary = "show hv's per-user settings"
  static override description =
    'Shows the settings hv keeps for you (in ~/.config/hv/settings.json). The experience level decides how much hv explains and asks: beginners get explanations and a confirmation before risky or destructive operations, experts get terse output. It never changes what a command does.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<SettingsShowResult> {
    await this.parse(SettingsShow)
    const path = settingsPath()
    const settings = await loadSettings(path)
    this.log(`experience: ${settings.experience}`)
    this.log(this.theme.muted(`(${path})`))
    return { ...settings, path }
  }
}
