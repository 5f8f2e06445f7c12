import { Command, Errors, Flags, type Interfaces, ux } from '@oclif/core'
import { type Connection, describeConnection, resolveConnection } from './lib/config/connection.js'
import type { ExperienceLevel } from './lib/config/schemas.js'
import { loadSettings, settingsPath } from './lib/config/settings.js'
import { ExitCode } from './lib/errors/exit-codes.js'
import { HvError } from './lib/errors/hv-error.js'
import { renderHuman } from './lib/errors/render.js'
import { toHvError } from './lib/errors/to-hv-error.js'
import { confirm, promptContext } from './lib/prompt.js'
import { type Theme, themeFor } from './lib/theme.js'

export type HvFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof HvCommand)['baseFlags'] & T['flags']>

/**
 * The base of every hv command: the global flags, one error shape, the user's
 * experience level, and the libvirt connection. Commands stay thin: parse, call
 * a library in lib/, return a typed result (which is also the --json output).
 */
export abstract class HvCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    connect: Flags.string({
      description: 'libvirt URI to talk to (overrides LIBVIRT_DEFAULT_URI and /etc/hypervisor/hv.json)',
      helpGroup: 'GLOBAL',
      helpValue: '<uri>',
    }),
    verbose: Flags.boolean({
      description: 'say what hv is doing, including which libvirt URI it talks to',
      helpGroup: 'GLOBAL',
      default: false,
    }),
  }

  /** For messages on stderr (notes, errors). */
  protected readonly theme: Theme = themeFor(process.stderr)
  /** For results on stdout (tables, reports): plain when stdout is piped, whatever stderr is. */
  protected readonly outputTheme: Theme = themeFor(process.stdout)
  private experienceLevel: ExperienceLevel | undefined
  private verboseOutput = false

  override async init(): Promise<void> {
    await super.init()
    this.verboseOutput = this.argv.includes('--verbose')
  }

  /** The user's experience level: it changes how much hv says and asks, never what it does. */
  protected async experience(): Promise<ExperienceLevel> {
    this.experienceLevel ??= (await loadSettings(settingsPath())).experience
    return this.experienceLevel
  }

  /** Background for beginners; silent for standard and expert users and under --json. */
  protected async explain(text: string): Promise<void> {
    if (this.jsonEnabled()) return
    if ((await this.experience()) === 'beginner') this.logToStderr(this.theme.muted(text))
  }

  /** Progress notes for beginners and standard users; experts get terse output. */
  protected async note(text: string): Promise<void> {
    if (this.jsonEnabled()) return
    if ((await this.experience()) !== 'expert') this.logToStderr(text)
  }

  /**
   * What hv is about to do with privileges (a sudo, and why), on stderr even under --json:
   * a sudo is never silent.
   */
  protected announce(text: string): void {
    ux.stderr(this.theme.warning(text))
  }

  protected verbose(text: string): void {
    if (this.verboseOutput) this.logToStderr(this.theme.muted(text))
  }

  /**
   * Beginners confirm risky or destructive operations; `--yes` answers for them.
   * Standard and expert users are not asked (the operation is the same either way).
   */
  protected async confirmRisky(message: string, yes: boolean): Promise<void> {
    if ((await this.experience()) !== 'beginner') return
    const confirmed = await confirm(promptContext(this.jsonEnabled()), message, { answeredBy: '--yes', answered: yes })
    if (!confirmed) {
      throw new HvError('CANCELLED', 'cancelled: nothing was changed', { exitCode: ExitCode.CANCELLED })
    }
  }

  /** The libvirt connection, resolved from --connect, LIBVIRT_DEFAULT_URI and hv.json. */
  protected async connection(connectFlag: string | undefined): Promise<Connection> {
    const connection = await resolveConnection({ connectFlag, env: process.env })
    this.verbose(describeConnection(connection))
    return connection
  }

  override async catch(error: Error & { exitCode?: number }): Promise<never> {
    // this.exit(n): an exit status the command chose (hv vm ssh passes the remote one on), not an error.
    if (error instanceof Errors.ExitError) throw error
    const hvError = toHvError(error, this.id)
    if (this.jsonEnabled()) this.logJson(hvError.toEnvelope())
    else this.logToStderr(renderHuman(hvError, this.theme))
    if (this.verboseOutput && hvError.cause instanceof Error && hvError.cause.stack) {
      this.logToStderr(this.theme.muted(hvError.cause.stack))
    }
    throw new Errors.ExitError(hvError.exitCode)
  }
}
