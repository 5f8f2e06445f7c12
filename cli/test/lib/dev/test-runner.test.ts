import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { which } from '../../../src/lib/exec.js'
import { renderJunit, xmlText } from '../../../src/lib/dev/test/junit.js'
import { projectDocsCheck, projectValidator, runDocsLayer, runValidateLayer, sourcePaths, type ValidateFunction } from '../../../src/lib/dev/test/project-checks.js'
import { layerResult, skippedLayer, type TestRunResult, totalCounts } from '../../../src/lib/dev/test/results.js'
import { runTests } from '../../../src/lib/dev/test/run-tests.js'
import { renderSummary } from '../../../src/lib/dev/test/summary.js'
import { createTheme } from '../../../src/lib/theme.js'
import { copyFixture, FIXTURE_NIX_ENV } from '../../fixtures/dev-test/copy-project.js'

const plain = createTheme(false)
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) })

interface JunitCase {
  classname: string
  name: string
  failure?: { message: string; '#text'?: string }
  skipped?: { message: string } | ''
}
interface JunitSuite {
  name: string
  tests: string
  failures: string
  skipped: string
  testcase?: JunitCase[]
  properties?: { property: { name: string; value: string }[] }
}

function parseJunit(xml: string): JunitSuite[] {
  expect(XMLValidator.validate(xml)).toBe(true)
  return (parser.parse(xml) as { testsuites: { testsuite: JunitSuite[] } }).testsuites.testsuite
}

function runResult(layers: TestRunResult['layers']): TestRunResult {
  return { root: '/checkout', layers, components: [], totals: totalCounts(layers), durationMs: 1234 }
}

describe('hv dev test: the summary', () => {
  it('one row per layer with its counts and why it skipped, the failures, and the counts line last', () => {
    const result = runResult([
      layerResult('unit', [
        { suite: 'cli/test/lib/a.test.ts', name: 'a > adds', status: 'passed' },
        { suite: 'cli/test/lib/a.test.ts', name: 'a > fails', status: 'failed', message: 'AssertionError: expected 2 to be 3\n  at a.test.ts:4:5' },
        { suite: 'cli/test/lib/b.test.ts', name: 'b > real sshd', status: 'skipped', message: 'no sshd here' },
        { suite: 'cli/test/lib/c.test.ts', name: 'c > libvirtd', status: 'skipped', message: 'no libvirtd here' },
      ], 10),
      skippedLayer('eval', "evaluation tests: no nixpkgs lib on Nix's search path (<nixpkgs/lib>)"),
      layerResult('validate', [{ suite: 'scripts/dev/x.sh', name: 'scripts/dev/x.sh', status: 'passed' }], 10),
    ])
    expect(renderSummary({ ...result, kvm: { accelerator: 'tcg', detail: 'no /dev/kvm: NixOS VM tests will fall back to TCG' } }, plain)).toEqual([
      '',
      'layer     status   ran  passed  failed  skipped  why skipped',
      'unit      failed   2    1       1       2        2 reasons, listed below',
      "eval      skipped  0    0       0       0        evaluation tests: no nixpkgs lib on Nix's search path (<nixpkgs/lib>)",
      'validate  passed   1    1       0       0',
      '',
      'Skipped because:',
      '  unit: no sshd here',
      '  unit: no libvirtd here',
      '',
      'KVM: no /dev/kvm: NixOS VM tests will fall back to TCG',
      '',
      'Failed:',
      '  [fail] unit: cli/test/lib/a.test.ts: a > fails',
      '      AssertionError: expected 2 to be 3',
      '        at a.test.ts:4:5',
      '',
      'tests: 2 passed, 1 failed, 2 skipped',
    ])
  })
})

describe('hv dev test: JUnit', () => {
  it('a suite per layer, a case per test, failures and skips with their messages, hostile text escaped', () => {
    const hostile = 'quote " apostrophe \' <tag> & ]]> \u001b[31mred\u001b[39m nul \u0000 end'
    const result = runResult([
      layerResult('unit', [
        { suite: 'cli/test/lib/a.test.ts', name: `a > ${hostile}`, status: 'failed', durationMs: 1500, message: `first line ${hostile}\nsecond line` },
        { suite: 'cli/test/lib/a.test.ts', name: 'a > skipped', status: 'skipped', message: 'no libvirtd <here>' },
      ], 1500),
      skippedLayer('nixos', 'nixpkgs not reachable from this machine'),
    ])
    const xml = renderJunit(result)
    expect(xml).not.toContain('<tag>')
    const [unit, nixos] = parseJunit(xml)
    const cleaned = 'quote " apostrophe \' <tag> & ]]> red nul \uFFFD end'
    expect(unit).toMatchObject({ name: 'unit', tests: '2', failures: '1', skipped: '1' })
    expect(unit?.testcase?.[0]).toMatchObject({
      classname: 'unit.cli/test/lib/a.test.ts',
      name: `a > ${cleaned}`,
      time: '1.500',
      failure: { message: `first line ${cleaned}`, '#text': `first line ${cleaned}\nsecond line` },
    })
    expect(unit?.testcase?.[1]).toMatchObject({ name: 'a > skipped', skipped: { message: 'no libvirtd <here>' } })
    expect(nixos).toMatchObject({ name: 'nixos', tests: '0', properties: { property: [{ name: 'skip-reason', value: 'nixpkgs not reachable from this machine' }] } })
    expect(xmlText('a\u0007b\tc')).toBe('a\uFFFDb\tc')
  })
})

describe('hv dev test: the validate and docs layers', () => {
  const findings: Awaited<ReturnType<ValidateFunction>>['findings'] = [
    { rule: 'script/header', severity: 'error', file: 'scripts/dev/bad.sh', line: 2, column: 1, message: 'add "# Sudo Required: YES|NO"' },
    { rule: 'shellcheck/SC2086', severity: 'warning', file: 'scripts/dev/ok.sh', line: 5, column: 3, message: 'quote "$x"' },
  ]

  it('each error is a failure, each other file checked a pass (warnings noted), limited to the component\'s paths', async () => {
    const asked: unknown[] = []
    const validate: ValidateFunction = async (options) => {
      asked.push(options)
      return { findings }
    }
    const fixture = await copyFixture('project')
    try {
      const result = await runValidateLayer(validate, fixture, ['scripts'])
      expect(asked).toEqual([{ root: fixture, paths: ['scripts', 'tests/run_all_tests.sh'] }])
      expect(result).toMatchObject({ layer: 'validate', status: 'failed', ran: 3, passed: 2, failed: 1 })
      expect(result.cases).toEqual([
        { suite: 'scripts/lib/common.sh', name: 'scripts/lib/common.sh', status: 'passed' },
        { suite: 'scripts/dev/bad.sh', name: 'script/header at scripts/dev/bad.sh:2:1', status: 'failed', message: 'scripts/dev/bad.sh:2:1 script/header: add "# Sudo Required: YES|NO"' },
        { suite: 'scripts/dev/ok.sh', name: 'scripts/dev/ok.sh', status: 'passed', message: 'scripts/dev/ok.sh:5:3 shellcheck/SC2086: quote "$x"' },
      ])
    } finally {
      await rm(fixture, { recursive: true, force: true })
    }
  })

  it('the adapters reach the real hv dev validate and hv dev check-docs', async () => {
    const fixture = await copyFixture('project')
    try {
      const validate = await runValidateLayer(projectValidator, fixture, [])
      expect(validate.cases.map((testCase) => testCase.suite)).toEqual(expect.arrayContaining(['flake.nix', 'scripts/lib/common.sh', 'tests/nixos/pass.nix']))
      const docs = await runDocsLayer(projectDocsCheck, fixture, [])
      // The fixture has no documents: each generated section's document is missing, an error.
      expect(docs.cases).toEqual(
        expect.arrayContaining([{ suite: 'docs/exit-codes.md', name: 'docs/missing-section at docs/exit-codes.md:1:1', status: 'failed', message: expect.stringContaining('docs/exit-codes.md does not exist') }]),
      )
    } finally {
      await rm(fixture, { recursive: true, force: true })
    }
  })

  it('without a validate or check-docs to call, the layer is skipped and says so', async () => {
    expect(await runValidateLayer(undefined, '/checkout', [])).toMatchObject({ status: 'skipped', reasons: ['hv dev validate is not available in this checkout'] })
    expect(await runDocsLayer(undefined, '/checkout', [])).toMatchObject({ status: 'skipped', reasons: ['hv dev check-docs is not available in this checkout'] })
  })

  it('docs: a case per document, one failure per error; not per component', async () => {
    const stale = { rule: 'docs/stale-section', severity: 'error' as const, file: 'docs/cli.md', line: 7, column: 1, message: 'run hv dev update-docs' }
    const checkDocs = async () => ({ checked: ['docs/exit-codes.md', 'docs/cli.md'], findings: [stale] })
    const result = await runDocsLayer(checkDocs, '/checkout', [])
    expect(result.cases).toEqual([
      { suite: 'docs/cli.md', name: 'docs/stale-section at docs/cli.md:7:1', status: 'failed', message: 'docs/cli.md:7:1 docs/stale-section: run hv dev update-docs' },
      { suite: 'docs/exit-codes.md', name: 'docs/exit-codes.md', status: 'passed' },
    ])
    expect(await runDocsLayer(checkDocs, '/checkout', ['security'])).toMatchObject({ status: 'skipped', reasons: ['the documentation is checked as a whole: run without --component'] })
    expect(sourcePaths(['security', 'core'])).toEqual(['modules/security', 'modules/core', 'modules/default.nix', 'flake.nix'])
  })
})

const hasNix = (await which('nix')) !== undefined
if (!hasNix) console.warn('[skip] hv dev test on the fixture project: nix is not installed (hv dev setup installs nix-bin)')

describe.skipIf(!hasNix)('hv dev test on a fixture project (real vitest, real Nix offline)', () => {
  let project: string
  beforeAll(async () => {
    project = await copyFixture('project')
  })
  afterAll(async () => {
    await rm(project, { recursive: true, force: true })
  })

  it('runs the layers asked for; the result and the JUnit file both show the passing and the failing check', async () => {
    const junitFile = join(project, 'results', 'junit.xml')
    const notes: string[] = []
    const result = await runTests({
      root: project,
      layers: ['unit', 'eval', 'integration', 'nixos'],
      junitFile,
      env: FIXTURE_NIX_ENV,
      kvm: async () => ({ accelerator: 'tcg', detail: 'stand-in' }),
      onProgress: (note) => notes.push(note),
    })
    expect(notes).toEqual(['==> unit, eval: vitest on 3 test files', '==> nixos: 2 NixOS tests', '    building nixos-fail', '    building nixos-pass'])
    const rows = result.layers.map(({ layer, status, ran, passed, failed, skipped, reasons }) => ({ layer, status, ran, passed, failed, skipped, reasons }))
    expect(rows).toEqual([
      { layer: 'unit', status: 'failed', ran: 2, passed: 1, failed: 1, skipped: 0, reasons: [] },
      { layer: 'eval', status: 'skipped', ran: 0, passed: 0, failed: 0, skipped: 1, reasons: ["evaluation tests: no nixpkgs lib on Nix's search path (<nixpkgs/lib>)"] },
      { layer: 'integration', status: 'skipped', ran: 0, passed: 0, failed: 0, skipped: 0, reasons: ['no integration tests'] },
      { layer: 'nixos', status: 'failed', ran: 2, passed: 1, failed: 1, skipped: 0, reasons: [] },
    ])
    expect(result.totals).toEqual({ ran: 4, passed: 2, failed: 2, skipped: 1 })
    expect(result.junitFile).toBe(junitFile)

    const suites = parseJunit(await readFile(junitFile, 'utf8'))
    expect(suites.map((suite) => [suite.name, suite.tests, suite.failures, suite.skipped])).toEqual([
      ['unit', '2', '1', '0'],
      ['eval', '1', '0', '1'],
      ['integration', '0', '0', '0'],
      ['nixos', '2', '1', '0'],
    ])
    const nixos = suites[3]?.testcase ?? []
    expect(nixos.map((testCase) => [testCase.classname, testCase.name, testCase.failure ? 'failed' : 'passed'])).toEqual([
      ['nixos.tests/nixos/fail.nix', 'nixos-fail', 'failed'],
      ['nixos.tests/nixos/pass.nix', 'nixos-pass', 'passed'],
    ])
    expect(nixos[0]?.failure?.['#text']).toContain('assertion failed: expected 2 to be 3')
  })

  it('--component narrows every layer to the tests of that part', async () => {
    const result = await runTests({ root: project, layers: ['unit', 'nixos'], components: ['features'], env: FIXTURE_NIX_ENV, kvm: async () => ({ accelerator: 'tcg', detail: 'stand-in' }) })
    expect(result.layers.map((layer) => [layer.layer, layer.cases.map((testCase) => testCase.name), layer.reasons])).toEqual([
      ['unit', ['the feature registry > fails on purpose'], []],
      ['nixos', [], ['no NixOS tests selected (tests/nixos/*.nix)']],
    ])
  })
})
