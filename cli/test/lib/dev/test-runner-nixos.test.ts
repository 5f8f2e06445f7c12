import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { which } from '../../../src/lib/exec.js'
import { discoverNixosTests } from '../../../src/lib/dev/test/discover.js'
import { findNixosTest, runInteractiveDriver } from '../../../src/lib/dev/test/interactive.js'
import { detectKvm } from '../../../src/lib/dev/test/kvm.js'
import { nixError, probeFlakeInputs } from '../../../src/lib/dev/test/nix.js'
import { flakeRefFor, runNixosLayer } from '../../../src/lib/dev/test/nixos.js'
import { copyFixture, FIXTURE_NIX_ENV } from '../../fixtures/dev-test/copy-project.js'
import { PROJECT_ROOT } from '../../helpers/project.js'

const hasNix = (await which('nix')) !== undefined
if (!hasNix) console.warn('[skip] the nixos layer with the real Nix: nix is not installed (hv dev setup installs nix-bin)')

const standInKvm = async () => ({ accelerator: 'tcg' as const, detail: 'stand-in: no KVM probe in this test' })

describe.skipIf(!hasNix)('hv dev test: the nixos layer with the real Nix, offline', () => {
  let project: string
  let unreachable: string
  beforeAll(async () => {
    project = await copyFixture('project')
    unreachable = await copyFixture('unreachable-input')
  })
  afterAll(async () => {
    await rm(project, { recursive: true, force: true })
    await rm(unreachable, { recursive: true, force: true })
  })

  it('builds each check of the fixture flake on its own: one passes, one fails with the tail of its log', async () => {
    const tests = await discoverNixosTests(project)
    expect(tests).toEqual([
      { path: 'tests/nixos/fail.nix', check: 'nixos-fail' },
      { path: 'tests/nixos/pass.nix', check: 'nixos-pass' },
    ])
    const built: string[] = []
    const outcome = await runNixosLayer({ root: project, tests, progress: false, env: FIXTURE_NIX_ENV, kvm: standInKvm, onBuild: (check) => built.push(check) })
    expect(built).toEqual(['nixos-fail', 'nixos-pass'])
    expect(outcome.kvm?.detail).toMatch(/^stand-in: no KVM probe in this test/)
    expect(outcome.result).toMatchObject({ layer: 'nixos', status: 'failed', ran: 2, passed: 1, failed: 1, skipped: 0, reasons: [] })
    const [fail, pass] = outcome.result.cases
    expect(pass).toMatchObject({ suite: 'tests/nixos/pass.nix', name: 'nixos-pass', status: 'passed' })
    expect(pass?.message).toBeUndefined()
    expect(fail).toMatchObject({ suite: 'tests/nixos/fail.nix', name: 'nixos-fail', status: 'failed' })
    expect(fail?.message).toContain('starting the fixture check\nassertion failed: expected 2 to be 3')
    expect(fail?.message).toMatch(/builder for '\/nix\/store\/[a-z0-9]{32}-hv-dev-test-fixture-fail\.drv' failed with exit code 1/)
  })

  it('a NixOS test the flake does not register is a failure that says why', async () => {
    const outcome = await runNixosLayer({ root: project, tests: [{ path: 'tests/nixos/untracked.nix', check: 'nixos-untracked' }], progress: false, env: FIXTURE_NIX_ENV })
    expect(outcome.result.cases).toEqual([
      {
        suite: 'tests/nixos/untracked.nix',
        name: 'nixos-untracked',
        status: 'failed',
        message: expect.stringMatching(/^tests\/nixos\/untracked\.nix is not among the flake's checks for \w+-linux: flakes see only what git tracks \(git add tests\/nixos\/untracked\.nix\)$/),
      },
    ])
  })

  it('skips every test, with the reason, when the flake\'s input is neither in the store nor reachable', async () => {
    const tests = await discoverNixosTests(unreachable)
    const outcome = await runNixosLayer({ root: unreachable, tests, progress: false, env: FIXTURE_NIX_ENV, kvm: standInKvm })
    const reason = expect.stringMatching(/^nixpkgs not reachable from this machine: not in the Nix store, and fetching failed \(unable to download 'http:\/\/hv-dev-test\.invalid\/nixpkgs\.tar\.gz'/)
    expect(outcome.result).toMatchObject({ layer: 'nixos', status: 'skipped', ran: 0, skipped: 1, reasons: [reason] })
    expect(outcome.result.cases).toEqual([{ suite: 'tests/nixos/vm-test.nix', name: 'nixos-vm-test', status: 'skipped', message: reason }])
  })

  it('--interactive stops before building, with a clear error, when nixpkgs cannot be had', async () => {
    const error = await runInteractiveDriver({ root: unreachable, name: 'vm-test', env: FIXTURE_NIX_ENV }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({
      code: 'NIXPKGS_UNREACHABLE',
      exitCode: 2,
      message: expect.stringMatching(/^cannot build the interactive driver of nixos-vm-test: nixpkgs not reachable from this machine/),
    })
  })

  it('the project\'s own flake: its nixpkgs is either at hand or the skip names it', async () => {
    const reachability = await probeFlakeInputs(flakeRefFor(PROJECT_ROOT), { env: FIXTURE_NIX_ENV })
    if (!reachability.reachable) expect(reachability.reason).toMatch(/^nixpkgs not reachable from this machine: not in the Nix store, and fetching failed \(.+\)$/)
    else console.warn('[note] nixpkgs of the project flake is reachable here: the nixos layer will build the VM tests')
  })
})

describe('hv dev test --interactive: which test', () => {
  const tests = [
    { path: 'tests/nixos/operator-access.nix', check: 'nixos-operator-access' },
    { path: 'tests/nixos/hardened-phase.nix', check: 'nixos-hardened-phase' },
  ]
  it('takes the name, the check name or the file', () => {
    expect(findNixosTest(tests, 'operator-access').check).toBe('nixos-operator-access')
    expect(findNixosTest(tests, 'nixos-hardened-phase').check).toBe('nixos-hardened-phase')
    expect(findNixosTest(tests, 'tests/nixos/hardened-phase.nix').check).toBe('nixos-hardened-phase')
  })
  it('refuses an unknown one, suggesting the closest and listing them all', () => {
    expect(() => findNixosTest(tests, 'operator-acess')).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: 'there is no NixOS test operator-acess in tests/nixos',
        suggestions: ['did you mean operator-access?', 'the NixOS tests: operator-access, hardened-phase'],
      }),
    )
  })
})

describe('hv dev test: KVM for the NixOS VM tests', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hv-kvm-'))
    await writeFile(join(dir, 'kvm'), '')
    await mkdir(join(dir, 'modules'))
    await mkdir(join(dir, 'pvm-modules', 'kvm_pvm'), { recursive: true })
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('no device: the tests fall back to TCG, and the report says so', async () => {
    expect(await detectKvm({ device: join(dir, 'missing') })).toEqual({
      accelerator: 'tcg',
      detail: `no ${join(dir, 'missing')}: NixOS VM tests will fall back to TCG (slow: expect several times longer)`,
    })
  })

  it('a PVM-only KVM is present but unusable for guests', async () => {
    const report = await detectKvm({ device: join(dir, 'kvm'), sysModules: join(dir, 'pvm-modules') })
    expect(report.accelerator).toBe('unusable')
    expect(report.detail).toMatch(/is a PVM-only KVM \(kernel module kvm_pvm\)/)
  })

  it('a device without a QEMU to try it is reported as unverified', async () => {
    expect(await detectKvm({ device: join(dir, 'kvm'), sysModules: join(dir, 'modules'), qemu: 'hv-no-such-qemu' })).toEqual({
      accelerator: 'unverified',
      detail: 'KVM device present but unverified (no hv-no-such-qemu here to try it)',
    })
  })
})

describe('hv dev test: nix\'s errors', () => {
  it('keeps the error lines, without warnings and the --show-trace hint', () => {
    const stderr = "warning: Git tree '/x' is dirty\nerror: unable to download 'https://example.invalid/x': Couldn't resolve host name (6)\n(use '--show-trace' to show detailed location information)\n"
    expect(nixError(stderr)).toBe("unable to download 'https://example.invalid/x': Couldn't resolve host name (6)")
    expect(nixError('')).toBe('nix failed without saying why')
  })
})
