import { execFile } from 'node:child_process'
import { copyFile, mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { renderExitCodeTable } from '../../src/lib/docs/exit-code-table.js'
import { FEATURE_MATRIX_START, FEATURE_MATRIX_STOP, type MatrixRegistry, renderFeatureMatrix } from '../../src/lib/docs/feature-matrix.js'
import { nixEval } from '../helpers/nix.js'
import { CLI_ROOT, PROJECT_ROOT } from '../helpers/project.js'

const execFileAsync = promisify(execFile)

function between(text: string, start: string, end: string): string {
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < 0) throw new Error(`markers ${start} / ${end} not found`)
  return text.slice(from + start.length, to).trim()
}

describe('generated documentation is current', () => {
  it('docs/features.md holds the feature matrix of the registry (regenerate: cd cli && npm run docs)', async () => {
    const registry = await nixEval<MatrixRegistry>('import ./modules/features/feature-categories.nix')
    const doc = await readFile(join(PROJECT_ROOT, 'docs', 'features.md'), 'utf8')
    expect(between(doc, FEATURE_MATRIX_START, FEATURE_MATRIX_STOP)).toBe(renderFeatureMatrix(registry))
  })

  it('docs/exit-codes.md holds the exit-code table of the code', async () => {
    const doc = await readFile(join(PROJECT_ROOT, 'docs', 'exit-codes.md'), 'utf8')
    expect(between(doc, '<!-- exit-codes -->', '<!-- exit-codes-stop -->')).toBe(renderExitCodeTable())
  })

  it('docs/cli.md holds what oclif readme generates from the current commands', async () => {
    const copy = join(await mkdtemp(join(tmpdir(), 'hv-docs-')), 'cli.md')
    await copyFile(join(PROJECT_ROOT, 'docs', 'cli.md'), copy)
    await execFileAsync('npx', ['oclif', 'readme', '--readme-path', copy, '--no-aliases'], {
      cwd: CLI_ROOT,
      env: { ...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true' },
    })
    expect(await readFile(copy, 'utf8')).toBe(await readFile(join(PROJECT_ROOT, 'docs', 'cli.md'), 'utf8'))
  })
})
