import { execFile } from 'node:child_process'
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { type HostFixture, makeHost, securityReport, writeScript } from '../../helpers/host.js'
import { isRoot, OPERATOR, runHv, userExists } from '../../helpers/project.js'

const execFileAsync = promisify(execFile)

/** Members of wheel on this machine: live administrators the preflight also counts. */
async function liveWheel(): Promise<string[]> {
  try {
    return ((await execFileAsync('getent', ['group', 'wheel'])).stdout.trim().split(':')[3] ?? '').split(',').filter(Boolean)
  } catch {
    return [] // no wheel group
  }
}
const wheel = await liveWheel()
if (wheel.length > 0) console.warn(`[skip] the lockout refusal: this machine's wheel group has members (${wheel.join(', ')}) whose keys the preflight would count`)

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  )

interface ApplyHost extends HostFixture {
  settingsFile: string
  flake: string
  rebuildArgv: string
  sudoLog: string
  env: Record<string, string>
}

/**
 * A setup-phase host whose hv.json names a managed settings file and a flake, with two
 * stand-ins on PATH, since neither can run here: `nixos-rebuild` (no NixOS) records its argv
 * and, like an activation, rewrites the phase files from the settings file; `sudo` only
 * records its argv (it must not be called when hv runs as root).
 */
async function applyHost(): Promise<ApplyHost> {
  const host = await makeHost({ security: securityReport({ administrators: [{ name: 'alice', sshKeys: 1 }] }) })
  const flakeDir = join(host.root, 'flake')
  await mkdir(flakeDir, { mode: 0o755 })
  const settingsFile = join(flakeDir, 'hypervisor-settings.json')
  await writeFile(settingsFile, `${JSON.stringify({ phase: 'setup', hostName: 'hv1', storage: { pools: ['fast', 'slow'] } }, null, 2)}\n`)
  const flake = `${flakeDir}#hv1`
  await writeFile(join(host.root, 'hv.json'), JSON.stringify({ uri: 'qemu:///system', managedSettingsFile: settingsFile, rebuildFlake: flake }))
  const bin = join(host.root, 'bin')
  const rebuildArgv = join(host.root, 'rebuild-argv')
  const sudoLog = join(host.root, 'sudo-argv')
  const rebuild = await writeScript(
    join(bin, 'nixos-rebuild'),
    [
      '# Stand-in for nixos-rebuild: records its argv, then does the part of an activation hv checks.',
      `printf '%s\\n' "$@" > '${rebuildArgv}'`,
      `phase=$(sed -n 's/^ *"phase": *"\\([a-z]*\\)".*/\\1/p' '${settingsFile}')`,
      `rm -f '${host.root}/.phase-setup' '${host.root}/.phase-hardened'`,
      `printf '%s\\n' "$phase" > '${host.root}/phase'`,
      `: > '${host.root}/.phase-'"$phase"`,
      'echo "stand-in nixos-rebuild: switched to $phase"',
    ].join('\n'),
  )
  await writeScript(join(bin, 'sudo'), `# Stand-in for sudo: records its argv, runs nothing.\nprintf '%s\\n' "$*" >> '${sudoLog}'`)
  // Writable by the operator too, for the non-root test; empty means sudo was never called.
  await writeFile(sudoLog, '', { mode: 0o666 })
  await chmod(sudoLog, 0o666)
  await chmod(bin, 0o755)
  return {
    ...host,
    settingsFile,
    flake,
    rebuildArgv,
    sudoLog,
    env: { ...host.env, HV_NIXOS_REBUILD: rebuild, PATH: `${bin}:${process.env.PATH ?? ''}` },
  }
}

describe('hv security harden', () => {
  it('prints the preflight, the exact option and the rebuild command', async () => {
    const host = await makeHost({ security: securityReport({ administrators: [{ name: 'alice', sshKeys: 1 }] }) })
    const { stdout, exitCode } = await runHv(['security', 'harden'], { env: host.env })
    expect(exitCode).toBe(0)
    const sudo = isRoot() ? '' : 'sudo '
    expect(stdout.split('\n')).toEqual([
      'Preflight:',
      '  [ok] the phase files agree: setup',
      '  [ok] no critical feature is enabled',
      wheel.length === 0
        ? '  [ok] administrators with SSH keys: alice: 1 key (1 in the configuration; none in authorized_keys files)'
        : expect.stringContaining('[ok] administrators with SSH keys: '),
      '',
      'To harden this host, set in its NixOS configuration:',
      '  hypervisor.security.phase = "hardened";',
      'then rebuild and switch:',
      `  ${sudo}nixos-rebuild switch`,
      '',
    ])
  })

  it.skipIf(wheel.length > 0)('refuses when no administrator has an SSH key: the hardened phase allows keys only (exit 41)', async () => {
    const host = await makeHost({ security: securityReport({ administrators: [{ name: 'alice', sshKeys: 0 }] }) })
    const { stdout, exitCode } = await runHv(['security', 'harden', '--json'], { env: host.env })
    expect(exitCode).toBe(41)
    expect(JSON.parse(stdout)).toEqual({
      status: 41,
      code: 'HARDEN_WOULD_LOCK_OUT',
      message:
        'refused: the hardened phase allows SSH logins with keys only, and no administrator has an SSH key: alice: 0 keys (0 in the configuration; none in authorized_keys files). Nobody could log in over SSH.',
      suggestions: [
        'users.users.alice.openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAA... you@laptop" ];',
        `rebuild (${isRoot() ? '' : 'sudo '}nixos-rebuild switch), check that you can log in with the key, then run hv security harden again`,
      ],
    })
  })

  it.skipIf(wheel.length > 0)('refuses when there is no administrator at all', async () => {
    const host = await makeHost({ security: securityReport() })
    const { stderr, exitCode } = await runHv(['security', 'harden'], { env: host.env })
    expect(exitCode).toBe(41)
    expect(stderr).toMatch(/^Error \(HARDEN_WOULD_LOCK_OUT\): refused: the hardened phase allows SSH logins with keys only, and there is no administrator \(no member of wheel\)\. /)
    expect(stderr).toContain('  - users.users.<admin>.extraGroups = [ "wheel" ];\n')
  })

  it('refuses while a critical feature is enabled (exit 41)', async () => {
    const host = await makeHost({
      resolveArgs: '{ enabled = { publicBridge = true; }; acknowledgedRisks = [ "publicBridge" ]; }',
      security: securityReport({ administrators: [{ name: 'alice', sshKeys: 1 }] }),
    })
    const { stderr, exitCode } = await runHv(['security', 'harden'], { env: host.env })
    expect(exitCode).toBe(41)
    expect(stderr).toMatch(/^Error \(HARDEN_REFUSED\): refused: publicBridge has critical risk, which the hardened phase refuses even when acknowledged\nTry this:\n {2}- hypervisor\.features\.publicBridge\.enable = false;\n/)
  })

  it('is a success with a note when the host is hardened already', async () => {
    const host = await makeHost({ resolveArgs: '{ phase = "hardened"; }' })
    const { stdout, exitCode } = await runHv(['security', 'harden', '--apply'], { env: host.env })
    expect(exitCode).toBe(0)
    expect(stdout).toBe('[ok] This host is already in the hardened phase: nothing to do.\n')
    expect(JSON.parse((await runHv(['security', 'harden', '--json'], { env: host.env })).stdout)).toMatchObject({ current: 'hardened', target: 'hardened', alreadyInPhase: true })
  })

  it('refuses to change anything when the phase files disagree', async () => {
    const host = await makeHost({ phase: 'setup', markers: ['hardened'] })
    const { stderr, exitCode } = await runHv(['security', 'harden'], { env: host.env })
    expect(exitCode).toBe(43)
    expect(stderr).toMatch(/^Error \(PHASE_INCONSISTENT\): the host's phase is unknown: .*phase says setup, but the marker is \.phase-hardened\n/)
  })
})

describe('hv security harden --apply', () => {
  it('needs managedSettingsFile and rebuildFlake in hv.json (exit 4)', async () => {
    const host = await makeHost({ security: securityReport({ administrators: [{ name: 'alice', sshKeys: 1 }] }), hvJson: { uri: 'qemu:///system' } })
    const { stdout, exitCode } = await runHv(['security', 'harden', '--apply', '--yes', '--json'], { env: host.env })
    expect(exitCode).toBe(4)
    expect(JSON.parse(stdout)).toMatchObject({
      code: 'APPLY_NOT_CONFIGURED',
      message: `--apply needs the host's settings file and flake, but ${join(host.root, 'hv.json')} has no managedSettingsFile and no rebuildFlake`,
    })
  })

  it('refuses without --yes when there is no terminal to ask on, and changes nothing', async () => {
    const host = await applyHost()
    const before = await readFile(host.settingsFile, 'utf8')
    const { stdout, stderr, exitCode } = await runHv(['security', 'harden', '--apply'], { env: host.env })
    expect(exitCode).toBe(4)
    expect(stderr).toBe(
      'Error (CONFIRMATION_REQUIRED): "Switch this host to the hardened phase now?" needs a confirmation, but there is no terminal to ask on\nTry this:\n  - re-run with --yes to confirm\n',
    )
    expect(stdout).toContain(`\nhv will run:\n  1. write ${host.settingsFile}: "phase": "setup" becomes "hardened", other keys kept`)
    expect(await readFile(host.settingsFile, 'utf8')).toBe(before)
    expect(await exists(host.rebuildArgv)).toBe(false)
  })

  it.skipIf(!isRoot())('as root: rewrites the settings file keeping its other keys, runs nixos-rebuild without sudo, and is idempotent', async () => {
    const host = await applyHost()
    const { stdout, stderr, exitCode } = await runHv(['security', 'harden', '--apply', '--yes'], { env: host.env })
    expect(exitCode).toBe(0)
    expect(JSON.parse(await readFile(host.settingsFile, 'utf8'))).toEqual({ phase: 'hardened', hostName: 'hv1', storage: { pools: ['fast', 'slow'] } })
    expect((await stat(host.settingsFile)).mode & 0o777).toBe(0o644)
    expect(await readFile(host.rebuildArgv, 'utf8')).toBe(`switch\n--flake\n${host.flake}\n`)
    expect(await readFile(host.sudoLog, 'utf8')).toBe('')
    expect(stdout).toMatch(new RegExp(`\\n {5}install -m 0644 /\\S+/hypervisor-settings\\.json ${host.settingsFile}\\n`))
    expect(stdout).toContain(`\n     ${host.env.HV_NIXOS_REBUILD} switch --flake ${host.flake}\n`)
    expect(stdout.endsWith('[ok] This host is now in the hardened phase.\n')).toBe(true)
    // Progress and the program's own output go to stderr; no sudo is announced.
    expect(stderr).toContain('stand-in nixos-rebuild: switched to hardened')
    expect(stderr).not.toContain('sudo')

    const again = await runHv(['security', 'harden', '--apply', '--yes', '--json'], { env: host.env })
    expect(again.exitCode).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ current: 'hardened', alreadyInPhase: true })
  })

  it.skipIf(!isRoot())('--json keeps stdout for the result while nixos-rebuild talks on stderr', async () => {
    const host = await applyHost()
    const { stdout, stderr, exitCode } = await runHv(['security', 'harden', '--apply', '--yes', '--json'], { env: host.env })
    expect(exitCode).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({
      target: 'hardened',
      applied: { settingsFile: host.settingsFile, wrote: true, phaseAfter: 'hardened', commands: [expect.arrayContaining(['install']), [host.env.HV_NIXOS_REBUILD, 'switch', '--flake', host.flake]] },
    })
    expect(stderr).toContain('stand-in nixos-rebuild: switched to hardened')
  })
})

const canSwitchUser = isRoot() && (await userExists(OPERATOR))
if (!canSwitchUser) console.warn(`[skip] hv security harden --apply as a non-root user: needs root and the ${OPERATOR} account (hv dev setup creates it)`)

describe('hv security harden --apply as a non-root administrator', () => {
  it.skipIf(!canSwitchUser)('announces each sudo with its reason before running it', async () => {
    const host = await applyHost()
    const { stderr, exitCode } = await runHv(['security', 'harden', '--apply', '--yes'], { env: host.env, user: OPERATOR })
    expect(exitCode).toBe(0)
    const sudoCalls = (await readFile(host.sudoLog, 'utf8')).trim().split('\n')
    expect(sudoCalls).toEqual([
      expect.stringMatching(new RegExp(`^install -m 0644 /\\S+/hypervisor-settings\\.json ${host.settingsFile}$`)),
      `${host.env.HV_NIXOS_REBUILD} switch --flake ${host.flake}`,
    ])
    expect(stderr.split('\n').filter((line) => line.startsWith('sudo:'))).toEqual([
      `sudo: writing ${host.settingsFile} needs root (it belongs to another user). sudo may ask for your password.`,
      'sudo: nixos-rebuild switch needs root (it activates the new system configuration). sudo may ask for your password.',
    ])
  })
})
