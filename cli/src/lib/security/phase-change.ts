/**
 * `hv security harden` and `hv security setup`: the preflight that refuses a change which
 * would lock administrators out or break evaluation, the exact option to change, and,
 * when hv.json names the host's managed settings file, the change itself (`--apply`).
 */
import { constants } from 'node:fs'
import { access, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { hostConfigPath, loadHostConfig } from '../config/connection.js'
import { readValidatedJson } from '../config/json-file.js'
import { type HostConfig, ManagedSettings, type SecurityPhase } from '../config/schemas.js'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { CommandFailedError, run, which } from '../exec.js'
import { readHostFeatures } from '../features/source.js'
import { type AdministratorKeys, describeAdministrator, findAdministrators, hasKey } from './administrators.js'
import { readPhaseState, readSecurityReport, requireConsistentPhase, requireHost } from './host.js'

export function phaseOption(phase: SecurityPhase): string {
  return `hypervisor.security.phase = "${phase}";`
}

export interface PreflightCheck {
  ok: boolean
  message: string
}

export interface PhasePlan {
  root: string
  current: SecurityPhase
  target: SecurityPhase
  /** The host is in the target phase already: nothing to do. */
  alreadyInPhase: boolean
  /** The line to set in the host's configuration. */
  option: string
  /** The rebuild, as a user would type it. */
  rebuildCommand: string
  checks: PreflightCheck[]
  administrators: AdministratorKeys[]
  hostConfigPath: string
  managedSettingsFile: string | undefined
  rebuildFlake: string | undefined
}

export interface PlanOptions {
  env?: NodeJS.ProcessEnv
  isRoot?: boolean
  authorizedKeysDir?: string
}

function rebuildCommand(flake: string | undefined, isRoot: boolean): string {
  return [...(isRoot ? [] : ['sudo']), 'nixos-rebuild', 'switch', ...(flake ? ['--flake', flake] : [])].join(' ')
}

/**
 * The preflight: the phase files must agree; going to `hardened` needs no critical feature
 * enabled (refused there) and an administrator with an SSH key (password logins end).
 */
export async function planPhaseChange(target: SecurityPhase, options: PlanOptions = {}): Promise<PhasePlan> {
  const env = options.env ?? process.env
  const isRoot = options.isRoot ?? process.getuid?.() === 0
  const root = await requireHost(env)
  const current = await requireConsistentPhase(root)
  const configPath = hostConfigPath(env)
  const hostConfig: HostConfig = (await loadHostConfig(configPath)) ?? {}
  const plan: PhasePlan = {
    root,
    current,
    target,
    alreadyInPhase: current === target,
    option: phaseOption(target),
    rebuildCommand: rebuildCommand(hostConfig.rebuildFlake, isRoot),
    checks: [{ ok: true, message: `the phase files agree: ${current}` }],
    administrators: [],
    hostConfigPath: configPath,
    managedSettingsFile: hostConfig.managedSettingsFile,
    rebuildFlake: hostConfig.rebuildFlake,
  }
  if (plan.alreadyInPhase || target !== 'hardened') return plan

  const features = await readHostFeatures(root)
  const critical = Object.values(features?.report.features ?? {}).filter((feature) => feature.enabled && feature.risk === 'critical')
  if (critical.length > 0) {
    const names = critical.map((feature) => feature.name)
    throw new HvError('HARDEN_REFUSED', `refused: ${names.join(', ')} ${names.length === 1 ? 'has' : 'have'} critical risk, which the hardened phase refuses even when acknowledged`, {
      exitCode: ExitCode.SECURITY_POLICY,
      suggestions: [...names.map((name) => `hypervisor.features.${name}.enable = false;`), `then rebuild (${plan.rebuildCommand}) and run hv security harden again`],
    })
  }
  plan.checks.push({ ok: true, message: features ? 'no critical feature is enabled' : `no ${join(root, 'features.json')}: critical features not checked` })

  const security = await readSecurityReport(root)
  plan.administrators = await findAdministrators(security?.report, { authorizedKeysDir: options.authorizedKeysDir })
  const withKeys = plan.administrators.filter(hasKey)
  if (withKeys.length === 0) {
    const unreadable = plan.administrators.some((admin) => admin.unreadable.length > 0)
    const who =
      plan.administrators.length === 0
        ? 'there is no administrator (no member of wheel)'
        : `no administrator has an SSH key: ${plan.administrators.map(describeAdministrator).join('; ')}`
    const example = plan.administrators[0]?.name ?? '<admin>'
    throw new HvError('HARDEN_WOULD_LOCK_OUT', `refused: the hardened phase allows SSH logins with keys only, and ${who}. Nobody could log in over SSH.`, {
      exitCode: ExitCode.SECURITY_POLICY,
      suggestions: [
        ...(plan.administrators.length === 0 ? [`users.users.${example}.extraGroups = [ "wheel" ];`] : []),
        `users.users.${example}.openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAA... you@laptop" ];`,
        `rebuild (${plan.rebuildCommand}), check that you can log in with the key, then run hv security harden again`,
        ...(unreadable && !isRoot ? ['sudo hv security harden   # to count keys in files only root can read'] : []),
      ],
    })
  }
  plan.checks.push({ ok: true, message: `administrators with SSH keys: ${withKeys.map(describeAdministrator).join('; ')}` })
  return plan
}

export interface ApplyStep {
  /** What the step does, for the user. */
  title: string
  argv: string[]
  /** Why it needs sudo, said before it runs; undefined when it runs without sudo. */
  sudoReason: string | undefined
  /** The step writes the managed settings file. */
  writesSettings: boolean
}

export interface PreparedApply {
  settingsFile: string
  /** The settings as they will be written (other keys kept). */
  settings: ManagedSettings
  steps: ApplyStep[]
  /** Removes the temporary file; call when done or cancelled. */
  cleanup: () => Promise<void>
}

const REBUILD_SEARCH_PATH = '/run/current-system/sw/bin'

async function resolveProgram(program: string, env: NodeJS.ProcessEnv, why: string): Promise<string> {
  const found = await which(program, [env.PATH ?? '', REBUILD_SEARCH_PATH].filter(Boolean).join(':'))
  if (found) return found
  throw new HvError('MISSING_DEPENDENCY', `${program} is not installed or not on PATH: ${why}`, {
    exitCode: ExitCode.MISSING_DEPENDENCY,
    suggestions: ['hv security --apply works on the NixOS host itself; elsewhere, change the option by hand as shown without --apply'],
  })
}

async function ownedAndReplaceable(path: string): Promise<boolean> {
  try {
    if ((await stat(path)).uid !== process.getuid?.()) return false
    await access(dirname(path), constants.W_OK)
    return true
  } catch {
    return false
  }
}

/**
 * What --apply will run: write the managed settings file (through a temporary file and
 * `install`), then `nixos-rebuild switch --flake`. sudo only where root is needed.
 */
export async function prepareApply(plan: PhasePlan, options: { env?: NodeJS.ProcessEnv; isRoot?: boolean } = {}): Promise<PreparedApply> {
  const env = options.env ?? process.env
  const isRoot = options.isRoot ?? process.getuid?.() === 0
  const { managedSettingsFile: settingsFile, rebuildFlake } = plan
  if (settingsFile === undefined || rebuildFlake === undefined) {
    const missing = [settingsFile === undefined ? 'managedSettingsFile' : '', rebuildFlake === undefined ? 'rebuildFlake' : ''].filter(Boolean)
    throw new HvError('APPLY_NOT_CONFIGURED', `--apply needs the host's settings file and flake, but ${plan.hostConfigPath} has no ${missing.join(' and no ')}`, {
      exitCode: ExitCode.INVALID_ARGUMENT,
      suggestions: [
        'hypervisor.cli.managedSettingsFile = "/etc/nixos/hypervisor-settings.json";   # read by the configuration with lib.importJSON',
        'hypervisor.cli.rebuildFlake = "/etc/nixos#<host>";',
        `or, without --apply: set ${plan.option} and run ${plan.rebuildCommand}`,
      ],
    })
  }
  const current = await readValidatedJson(settingsFile, ManagedSettings, `${settingsFile} must be a JSON object whose "phase" is "setup" or "hardened"`)
  if (current === undefined) {
    throw new HvError('MANAGED_SETTINGS_MISSING', `${settingsFile} (managedSettingsFile in ${plan.hostConfigPath}) does not exist`, {
      exitCode: ExitCode.INVALID_ARGUMENT,
      suggestions: [
        `create it with {"phase": "${plan.current}"}, add it to the flake (git add), and read it in the configuration: hypervisor.security.phase = (lib.importJSON ./${basename(settingsFile)}).phase;`,
      ],
    })
  }
  const nixosRebuild = await resolveProgram(env.HV_NIXOS_REBUILD || 'nixos-rebuild', env, 'it switches the host to the new configuration')
  const sudoFor = async (reason: string, needed: boolean): Promise<{ prefix: string[]; reason: string | undefined }> =>
    needed ? { prefix: [await resolveProgram('sudo', env, `${reason}, and hv is not running as root`)], reason } : { prefix: [], reason: undefined }

  const settings: ManagedSettings = { ...current, phase: plan.target }
  const steps: ApplyStep[] = []
  let cleanup = async (): Promise<void> => {}
  if (current.phase !== plan.target) {
    const directory = await mkdtemp(join(tmpdir(), 'hv-phase-'))
    cleanup = () => rm(directory, { recursive: true, force: true })
    const staged = join(directory, basename(settingsFile))
    await writeFile(staged, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o644 })
    const sudo = await sudoFor(`writing ${settingsFile} needs root (it belongs to another user)`, !isRoot && !(await ownedAndReplaceable(settingsFile)))
    steps.push({
      title: `write ${settingsFile}: "phase": "${current.phase ?? '(unset)'}" becomes "${plan.target}", other keys kept`,
      argv: [...sudo.prefix, 'install', '-m', '0644', staged, settingsFile],
      sudoReason: sudo.reason,
      writesSettings: true,
    })
  }
  const sudo = await sudoFor('nixos-rebuild switch needs root (it activates the new system configuration)', !isRoot)
  steps.push({
    title: `rebuild the host from ${rebuildFlake} and switch to it`,
    argv: [...sudo.prefix, nixosRebuild, 'switch', '--flake', rebuildFlake],
    sudoReason: sudo.reason,
    writesSettings: false,
  })
  return { settingsFile, settings, steps, cleanup }
}

export interface ApplyResult {
  settingsFile: string
  wrote: boolean
  commands: string[][]
  /** The phase the host records after the rebuild. */
  phaseAfter: SecurityPhase | undefined
}

/** Runs the prepared steps in order, announcing each sudo (and why) before it asks. */
export async function executeApply(plan: PhasePlan, prepared: PreparedApply, announce: (message: string) => void): Promise<ApplyResult> {
  const commands: string[][] = []
  // Without a write step, the file already said the target phase (an earlier rebuild failed).
  let settingsSayTarget = !prepared.steps.some((step) => step.writesSettings)
  try {
    for (const step of prepared.steps) {
      announce(step.sudoReason ? `sudo: ${step.sudoReason}. sudo may ask for your password.` : step.title)
      commands.push(step.argv)
      const [program, ...args] = step.argv
      if (program === undefined) continue
      try {
        await run(program, args, { interactive: true })
      } catch (error) {
        if (!(error instanceof CommandFailedError)) throw error
        const how = error.commandExitCode === undefined ? 'killed by a signal' : `exit ${error.commandExitCode}`
        const state = settingsSayTarget ? `: ${prepared.settingsFile} says "phase": "${plan.target}", but the running system is unchanged` : ''
        throw new HvError('APPLY_FAILED', `${step.title} failed (${how})${state}`, {
          exitCode: ExitCode.SYSTEM_ERROR,
          suggestions: [
            'read the output above, fix the cause, and run the same command again',
            ...(settingsSayTarget ? [`or go back: set "phase": "${plan.current}" in ${prepared.settingsFile}`] : []),
          ],
          cause: error,
        })
      }
      if (step.writesSettings) settingsSayTarget = true
    }
  } finally {
    await prepared.cleanup()
  }
  const after = await readPhaseState(plan.root)
  return { settingsFile: prepared.settingsFile, wrote: prepared.steps.some((step) => step.writesSettings), commands, phaseAfter: after.phase }
}

/** How a command is shown to the user: words with spaces or shell characters quoted. */
export function showCommand(argv: readonly string[]): string {
  return argv.map((word) => (/^[\w@%+=:,./#-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`)).join(' ')
}
