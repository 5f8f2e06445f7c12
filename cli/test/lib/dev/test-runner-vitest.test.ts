import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { discoverVitestFiles } from '../../../src/lib/dev/test/discover.js'
import { NO_SKIP_REASON } from '../../../src/lib/dev/test/results.js'
import { skipReasonsIn } from '../../../src/lib/dev/test/skip-reporter.js'
import { casesFromReport, runVitest, type VitestJsonReport } from '../../../src/lib/dev/test/vitest.js'
import { copyFixture } from '../../fixtures/dev-test/copy-project.js'

const ROOT = '/checkout'
const assertion = (title: string, status: string, failureMessages: string[] = []) => ({ ancestorTitles: ['suite'], title, status, duration: 12.4, failureMessages })

describe('hv dev test: reading vitest\'s JSON report', () => {
  it('one case per test, named like vitest\'s JUnit reporter, with the failure and the file\'s skip reasons', () => {
    const report: VitestJsonReport = {
      testResults: [
        {
          name: '/checkout/cli/test/lib/a.test.ts',
          status: 'failed',
          message: '',
          assertionResults: [assertion('passes', 'passed'), assertion('fails', 'failed', ['AssertionError: expected 2 to be 3']), assertion('waits', 'skipped')],
        },
        { name: '/checkout/cli/test/lib/b.test.ts', status: 'passed', message: '', assertionResults: [assertion('todo', 'todo')] },
      ],
    }
    const cases = casesFromReport(report, { '/checkout/cli/test/lib/a.test.ts': ['no libvirtd here', 'not root'] }, ROOT)
    expect(cases).toEqual([
      { suite: 'cli/test/lib/a.test.ts', name: 'suite > passes', status: 'passed', durationMs: 12 },
      { suite: 'cli/test/lib/a.test.ts', name: 'suite > fails', status: 'failed', durationMs: 12, message: 'AssertionError: expected 2 to be 3' },
      { suite: 'cli/test/lib/a.test.ts', name: 'suite > waits', status: 'skipped', durationMs: 12, message: 'no libvirtd here; not root' },
      { suite: 'cli/test/lib/b.test.ts', name: 'suite > todo', status: 'skipped', durationMs: 12, message: NO_SKIP_REASON },
    ])
  })

  it('a file that does not load, and a file vitest never reported, are failures', () => {
    const report: VitestJsonReport = {
      testResults: [{ name: '/checkout/cli/test/lib/broken.test.ts', status: 'failed', message: 'SyntaxError: Unexpected token', assertionResults: [] }],
    }
    const requested = [
      { path: 'cli/test/lib/broken.test.ts', layer: 'unit' as const },
      { path: 'cli/test/lib/lost.test.ts', layer: 'unit' as const },
    ]
    expect(casesFromReport(report, {}, ROOT, requested)).toEqual([
      { suite: 'cli/test/lib/broken.test.ts', name: 'the file itself (loading it, a hook, or an unhandled error)', status: 'failed', message: 'SyntaxError: Unexpected token' },
      { suite: 'cli/test/lib/lost.test.ts', name: 'the file itself', status: 'failed', message: 'vitest reported no result for this file' },
    ])
  })

  it('finds [skip] lines in what tests print', () => {
    expect(skipReasonsIn('[skip] no libvirtd here\nother output\n  [skip]   not root  \n')).toEqual(['no libvirtd here', 'not root'])
    expect(skipReasonsIn('nothing skipped [skip] here')).toEqual([])
  })
})

describe('hv dev test: the real vitest on a fixture project', () => {
  let project: string
  beforeAll(async () => {
    project = await copyFixture('project')
  })
  afterAll(async () => {
    await rm(project, { recursive: true, force: true })
  })

  it('reports the passing, the failing and the skipped test with its printed reason', async () => {
    const files = await discoverVitestFiles(project)
    expect(files).toEqual([
      { path: 'cli/test/lib/text/arithmetic.test.ts', layer: 'unit' },
      { path: 'cli/test/modules/evaluation.test.ts', layer: 'eval' },
      { path: 'cli/test/modules/registry.test.ts', layer: 'unit' },
    ])
    const outcome = await runVitest({ projectRoot: project, files, progress: false })
    expect(outcome.problem).toBeUndefined()
    const byName = Object.fromEntries(outcome.cases.map((testCase) => [testCase.name, testCase]))
    expect(Object.keys(byName).sort()).toEqual(['arithmetic > adds', 'module evaluation > evaluates', 'the feature registry > fails on purpose'])
    expect(byName['arithmetic > adds']).toMatchObject({ suite: 'cli/test/lib/text/arithmetic.test.ts', status: 'passed' })
    expect(byName['the feature registry > fails on purpose']).toMatchObject({ status: 'failed', message: expect.stringContaining('expected 2 to be 3') })
    expect(byName['module evaluation > evaluates']).toEqual({
      suite: 'cli/test/modules/evaluation.test.ts',
      name: 'module evaluation > evaluates',
      status: 'skipped',
      message: "evaluation tests: no nixpkgs lib on Nix's search path (<nixpkgs/lib>)",
    })
  })

  it('says why when vitest gives no report at all (a broken configuration)', async () => {
    const broken = await copyFixture('project')
    try {
      await writeFile(join(broken, 'cli', 'vitest.config.ts'), "throw new Error('this configuration is broken on purpose')\n")
      const outcome = await runVitest({ projectRoot: broken, files: await discoverVitestFiles(broken), progress: false })
      expect(outcome.cases).toEqual([])
      expect(outcome.problem).toMatch(/^vitest exited with 1 and wrote no report: [\s\S]*this configuration is broken on purpose/)
    } finally {
      await rm(broken, { recursive: true, force: true })
    }
  })
})
