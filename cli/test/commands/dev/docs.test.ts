/**
 * `hv dev check-docs` and `hv dev update-docs` as a user runs them, on a copy of the
 * miniature checkout (fixtures/docs/project, found through HV_PROJECT_ROOT). The command
 * classes run in-process with the CLI's oclif configuration, so they are tested from the
 * sources without a rebuild; the JSON output, the human output and the exit status are
 * what the built `hv` prints.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { format } from 'node:util'
import { Errors } from '@oclif/core'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import DevCheckDocs from '../../../src/commands/dev/check-docs.js'
import DevUpdateDocs from '../../../src/commands/dev/update-docs.js'
import { CLI_ROOT } from '../../helpers/project.js'

const FIXTURE = join(CLI_ROOT, 'test', 'fixtures', 'docs', 'project')
const temporary: string[] = []
afterAll(async () => Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true }))))

const saved = { root: process.env.HV_PROJECT_ROOT, cache: process.env.HV_VALIDATE_CACHE, color: process.env.NO_COLOR }
beforeEach(() => {
  process.env.HV_VALIDATE_CACHE = 'off'
  process.env.NO_COLOR = '1'
})
afterEach(() => {
  for (const [name, value] of [['HV_PROJECT_ROOT', saved.root], ['HV_VALIDATE_CACHE', saved.cache], ['NO_COLOR', saved.color]] as const) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  vi.restoreAllMocks()
})

interface Run {
  stdout: string
  stderr: string
  exitCode: number
}

/** Runs a command class in this process on `root`, as `hv dev ...` would run there. */
async function run(command: { run(argv: string[], config: string): Promise<unknown> }, argv: string[], root: string): Promise<Run> {
  process.env.HV_PROJECT_ROOT = root
  let stdout = ''
  let stderr = ''
  // oclif writes through console.log and console.error.
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    stdout += `${format(...args)}\n`
  })
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    stderr += `${format(...args)}\n`
  })
  try {
    await command.run(argv, CLI_ROOT)
    return { stdout, stderr, exitCode: 0 }
  } catch (error) {
    if (error instanceof Errors.ExitError) return { stdout, stderr, exitCode: error.oclif.exit ?? 1 }
    throw error
  } finally {
    vi.restoreAllMocks()
  }
}

async function treeWithCurrentDocs(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hv-docs-command-'))
  temporary.push(root)
  await cp(FIXTURE, root, { recursive: true })
  const { exitCode } = await run(DevUpdateDocs, ['--json'], root)
  expect(exitCode).toBe(0)
  return root
}

describe('hv dev check-docs', () => {
  it('passes on a tree whose docs match its code: --json gives the result', async () => {
    const root = await treeWithCurrentDocs()
    const { stdout, exitCode } = await run(DevCheckDocs, ['--json'], root)
    expect(exitCode).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ findings: [], stale: [], errors: 0, warnings: 0, sections: 5, documents: 6 })
  })

  it('fails with exit 5, showing the stale section as a diff and each finding at its place', async () => {
    const root = await treeWithCurrentDocs()
    const manifestPath = join(root, 'cli/oclif.manifest.json')
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { commands: Record<string, { summary: string }> }
    manifest.commands['vm:list']!.summary = 'list every VM'
    await writeFile(manifestPath, JSON.stringify(manifest))
    await writeFile(join(root, 'README.md'), `${await readFile(join(root, 'README.md'), 'utf8')}\nThen \`hv vm frobnicate\`.\n`)

    const { stdout, stderr, exitCode } = await run(DevCheckDocs, [], root)
    expect(exitCode).toBe(5)
    const lines = stdout.split('\n')
    expect(lines).toContain('--- docs/cli.md (CLI reference as written)')
    expect(lines).toContain('-- [`hv vm list`](#hv-vm-list): list VMs')
    expect(lines).toContain('+- [`hv vm list`](#hv-vm-list): list every VM')
    expect(lines).toContain('docs/cli.md')
    expect(lines.find((line) => line.includes('docs/stale-section'))).toMatch(/^ {2}\d+:1 {2}error {2}the generated CLI reference is stale .*: run hv dev update-docs --component cli {2}docs\/stale-section$/)
    expect(lines).toContain('README.md')
    expect(lines.find((line) => line.includes('docs/unknown-command'))).toMatch(/^ {2}36:7 {2}error {2}`hv vm frobnicate` is not a command/)
    expect(lines.at(-2)).toMatch(/^\[fail\] 2 errors, 0 warnings in 2 files \(\d+\.\d\d s\); checked 5 generated sections and 6 documents$/)
    expect(stderr).toContain('Error (CHECKS_FAILED): hv dev check-docs found 2 errors')
    expect(stderr).toContain('hv dev update-docs   # rewrites the 1 stale generated section')
  })

  it('with --json, the error envelope carries the findings and the diffs', async () => {
    const root = await treeWithCurrentDocs()
    await writeFile(join(root, 'docs/exit-codes.md'), (await readFile(join(root, 'docs/exit-codes.md'), 'utf8')).replace('success', 'fine'))
    const { stdout, exitCode } = await run(DevCheckDocs, ['--json'], root)
    expect(exitCode).toBe(5)
    const envelope = JSON.parse(stdout) as { status: number; code: string; data: { findings: { rule: string; file: string }[]; stale: { component: string; diff: string }[] } }
    expect(envelope).toMatchObject({ status: 5, code: 'CHECKS_FAILED' })
    expect(envelope.data.findings).toEqual([expect.objectContaining({ rule: 'docs/stale-section', file: 'docs/exit-codes.md', line: 3, column: 1 })])
    expect(envelope.data.stale[0]?.diff).toContain('-| 0 | `EXIT_OK` | fine |\n+| 0 | `EXIT_OK` | success |')
  })
})

describe('hv dev update-docs', () => {
  it('--component rewrites only that section and says what changed', async () => {
    const root = await treeWithCurrentDocs()
    await writeFile(join(root, 'docs/exit-codes.md'), (await readFile(join(root, 'docs/exit-codes.md'), 'utf8')).replace('success', 'fine'))
    await writeFile(join(root, 'docs/features.md'), (await readFile(join(root, 'docs/features.md'), 'utf8')).replace('| `uefi` |', '| `efi` |'))
    const { stdout, exitCode } = await run(DevUpdateDocs, ['--component', 'features'], root)
    expect(exitCode).toBe(0)
    expect(stdout.trimEnd().split('\n')).toEqual(['[ok] updated docs/features.md (feature and risk matrix): +1 -1 lines'])
    const check = await run(DevCheckDocs, ['--json'], root)
    expect((JSON.parse(check.stdout) as { data: { stale: { component: string }[] } }).data.stale.map((section) => section.component)).toEqual(['exit-codes'])
  })

  it('refuses a component that does not exist, naming the ones that do', async () => {
    const root = await treeWithCurrentDocs()
    const { stdout, exitCode } = await run(DevUpdateDocs, ['--component', 'readme', '--json'], root)
    expect(exitCode).toBe(4)
    expect(JSON.parse(stdout)).toMatchObject({ status: 4, code: 'INVALID_ARGUMENT', message: expect.stringContaining('cli, features, options, scripts, exit-codes') })
  })

  it('fails with exit 5 when a section has no markers, after writing the others', async () => {
    const root = await treeWithCurrentDocs()
    await writeFile(join(root, 'docs/options.md'), '# NixOS options\n')
    await writeFile(join(root, 'docs/exit-codes.md'), (await readFile(join(root, 'docs/exit-codes.md'), 'utf8')).replace('success', 'fine'))
    const { stdout, exitCode } = await run(DevUpdateDocs, ['--json'], root)
    expect(exitCode).toBe(5)
    const envelope = JSON.parse(stdout) as { code: string; data: { changed: { component: string }[]; failures: { rule: string; file: string }[] } }
    expect(envelope.code).toBe('CHECKS_FAILED')
    expect(envelope.data.changed.map((section) => section.component)).toEqual(['exit-codes'])
    expect(envelope.data.failures).toEqual([expect.objectContaining({ rule: 'docs/missing-section', file: 'docs/options.md' })])
  })
})
