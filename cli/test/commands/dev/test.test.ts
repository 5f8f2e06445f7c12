import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { format } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import DevTest from '../../../src/commands/dev/test.js'
import { which } from '../../../src/lib/exec.js'
import { copyFixture, FIXTURE_NIX_ENV } from '../../fixtures/dev-test/copy-project.js'
import { CLI_ROOT } from '../../helpers/project.js'

/**
 * hv dev test run in-process through oclif (the built CLI is not rebuilt while tests run),
 * on the fixture project: real vitest, real Nix offline.
 */

interface Captured {
  stdout: string
  stderr: string
  exit: number
}

async function hvDevTest(argv: string[]): Promise<Captured> {
  let stdout = ''
  let stderr = ''
  // oclif writes through console.log (stdout) and console.error (stderr).
  const out = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    stdout += `${format(...args)}\n`
  })
  const err = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    stderr += `${format(...args)}\n`
  })
  try {
    await DevTest.run(argv, CLI_ROOT)
    return { stdout, stderr, exit: 0 }
  } catch (error) {
    const exit = (error as { oclif?: { exit?: number } }).oclif?.exit
    if (exit === undefined) throw error
    return { stdout, stderr, exit }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}

const hasNix = (await which('nix')) !== undefined
if (!hasNix) console.warn('[skip] hv dev test on the fixture project: nix is not installed (hv dev setup installs nix-bin)')

describe('hv dev test (in-process)', () => {
  let project: string
  beforeAll(async () => {
    project = await copyFixture('project')
  })
  afterAll(async () => {
    await rm(project, { recursive: true, force: true })
  })
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  function useFixture(): void {
    vi.stubEnv('HV_PROJECT_ROOT', project)
    vi.stubEnv('NIX_CONFIG', FIXTURE_NIX_ENV.NIX_CONFIG)
    vi.stubEnv('NO_COLOR', '1')
    // No user settings: the standard experience level, which prints progress notes.
    vi.stubEnv('XDG_CONFIG_HOME', join(project, 'no-settings'))
  }

  it.skipIf(!hasNix)('prints one row per layer and the counts, writes JUnit with the passing and the failing check, and exits 5', async () => {
    useFixture()
    const junit = join(project, 'out', 'junit.xml')
    const run = await hvDevTest(['--layer', 'unit', '--layer', 'eval', '--layer', 'nixos', '--junit', junit, '--no-progress'])
    expect(run.exit).toBe(5)
    const lines = run.stdout.split('\n')
    expect(lines).toContain('layer  status   ran  passed  failed  skipped  why skipped')
    expect(lines).toContain('unit   failed   2    1       1       0')
    expect(lines).toContain("eval   skipped  0    0       0       1        evaluation tests: no nixpkgs lib on Nix's search path (<nixpkgs/lib>)")
    expect(lines).toContain('nixos  failed   2    1       1       0')
    expect(lines).toContain('  [fail] nixos: tests/nixos/fail.nix: nixos-fail')
    expect(lines).toContain(`JUnit: ${junit}`)
    expect(run.stdout.trimEnd().split('\n').pop()).toBe('tests: 2 passed, 2 failed, 1 skipped')
    expect(run.stderr).toContain('==> unit, eval: vitest on 3 test files\n==> nixos: 2 NixOS tests\n    building nixos-fail\n    building nixos-pass\n')
    expect(run.stderr).toContain('Error (TESTS_FAILED): 2 tests failed (unit: 1, nixos: 1)')
    const xml = await readFile(junit, 'utf8')
    expect(xml).toMatch(/<testcase classname="nixos\.tests\/nixos\/pass\.nix" name="nixos-pass" time="[\d.]+"\/>/)
    expect(xml).toMatch(/<testcase classname="nixos\.tests\/nixos\/fail\.nix" name="nixos-fail" time="[\d.]+">\s*<failure message="[^"]*" type="failure">/)
  })

  it('--json: the error envelope carries the whole result as data', async () => {
    useFixture()
    const run = await hvDevTest(['--layer', 'unit', '--json'])
    expect(run.exit).toBe(5)
    const envelope = JSON.parse(run.stdout) as { status: number; code: string; data: { totals: unknown; layers: { layer: string; cases: { suite: string; name: string; status: string }[] }[] } }
    expect(envelope).toMatchObject({ status: 5, code: 'TESTS_FAILED', data: { totals: { ran: 2, passed: 1, failed: 1, skipped: 0 } } })
    expect(envelope.data.layers.map((layer) => layer.layer)).toEqual(['unit'])
    expect(envelope.data.layers[0]?.cases.map((testCase) => [testCase.suite, testCase.name, testCase.status])).toEqual([
      ['cli/test/lib/text/arithmetic.test.ts', 'arithmetic > adds', 'passed'],
      ['cli/test/modules/registry.test.ts', 'the feature registry > fails on purpose', 'failed'],
    ])
  })

  it('exits 0 when nothing failed; a layer that cannot run is a skip, not a failure', async () => {
    useFixture()
    const run = await hvDevTest(['--layer', 'unit', '--layer', 'integration', '--component', 'cli', '--json'])
    expect(run.exit).toBe(0)
    const result = JSON.parse(run.stdout) as { layers: { layer: string; status: string; passed: number; reasons: string[] }[] }
    expect(result.layers).toMatchObject([
      { layer: 'unit', status: 'passed', passed: 1 },
      { layer: 'integration', status: 'skipped', reasons: ['no integration tests of cli'] },
    ])
  })

  it('--interactive takes no --layer, and an unknown test name is refused with the closest', async () => {
    useFixture()
    const both = await hvDevTest(['--interactive', 'pass', '--layer', 'nixos'])
    expect(both.exit).toBe(4)
    expect(both.stderr).toMatch(/^Error \(INVALID_ARGUMENT\): [^\n]*\n\s*--layer=nixos cannot also be provided when using --interactive\n/)
    const unknown = await hvDevTest(['--interactive', 'fial'])
    expect(unknown.exit).toBe(4)
    expect(unknown.stderr).toContain('Error (INVALID_ARGUMENT): there is no NixOS test fial in tests/nixos')
    expect(unknown.stderr).toContain('did you mean fail?')
  })
})
