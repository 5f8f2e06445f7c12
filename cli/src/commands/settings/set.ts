import { Flags } from '@oclif/core'
import { HvCommand } from '../../base-command.js'
import { ExperienceLevel, type UserSettings } from '../../lib/config/schemas.js'
import { loadSettings, saveSettings, settingsPath } from '../../lib/config/settings.js'
import { invalidArgument } from '../../lib/errors/hv-error.js'

export interface SettingsSetResult extends UserSettings {
  path: string
}

export default class SettingsSet extends HvCommand {
  static override summary = "change hv's per-user settings"
  static override description =
    'Changes the settings hv keeps for you. --experience beginner makes hv explain what it does and confirm risky or destructive operations; expert makes it terse; standard is in between.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --experience beginner',
    '<%= config.bin %> <%= command.id %> --experience expert --json',
  ]
  static override flags = {
    experience: Flags.string({
      description: 'how much hv explains and asks',
      options: ExperienceLevel.options,
    }),
  }

  async run(): Promise<SettingsSetResult> {
    const { flags } = await this.parse(SettingsSet)
    if (flags.experience === undefined) {
      throw invalidArgument('nothing to change', ['hv settings set --experience beginner|standard|expert'])
    }
    const path = settingsPath()
    const settings = { ...(await loadSettings(path)), experience: ExperienceLevel.parse(flags.experience) }
    await saveSettings(path, settings)
    this.log(`experience: ${settings.experience}`)
    return { ...settings, path }
  }
}
