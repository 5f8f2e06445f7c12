/**
 * `hv dev validate` as a user runs it (the built CLI) on a small tree: exit codes, the
 * three output forms, PATH selection. The rules themselves are tested in test/lib/validate.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI_ROOT, runHv } from '../../helpers/project.js'

const REGISTRY = 'modules/features/feature-categories.nix'
let root: string
let cache: string

const hv = (args: string[]) => runHv(['dev', 'validate', '--only', 'registry', ...args], { env: { HV_PROJECT_ROOT: root, HV_VALIDATE_CACHE: cache } })

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hv-validate-cmd-'))
  root = join(dir, 'project')
  cache = join(dir, 'cache')
  await cp(join(CLI_ROOT, 'test', 'fixtures', 'validate', 'registry', 'good'), root, { recursive: true })
  // What makes a directory a checkout for hv dev (lib/dev/project-root.ts).
  await mkdir(join(root, 'scripts', 'lib'), { recursive: true })
  await mkdir(join(root, 'cli'), { recursive: true })
  await writeFile(join(root, 'flake.nix'), '{ outputs = { self }: { }; }\n')
  await writeFile(join(root, 'scripts', 'lib', 'common.sh'), '')
  await writeFile(join(root, 'cli', 'package.json'), '{}\n')
})

afterAll(async () => {
  await rm(join(root, '..'), { recursive: true, force: true })
})

describe('hv dev validate', () => {
  it('exits 0 on a clean tree and says what it checked', async () => {
    const run = await hv([])
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/0 errors, 0 warnings in 0 files \(\d+\.\d\d s\); checked \d+ scripts, \d+ Nix files and the feature registry/)
    const json = await hv(['--json'])
    expect(JSON.parse(json.stdout)).toMatchObject({ findings: [], errors: 0 })
  })

  it('exits 5 with each finding in the three forms, and PATHs narrow the report', async () => {
    const text = await readFile(join(root, REGISTRY), 'utf8')
    await writeFile(join(root, REGISTRY), text.replace('dependencies = [ "iommu" ];', 'dependencies = [ "iommmu" ];'))
    try {
      const human = await hv([])
      expect(human.exitCode).toBe(5)
      expect(human.stdout).toContain(`${REGISTRY}\n  36:7  error  feature gpuPassthrough: dependencies names "iommmu", which is not a feature of the registry (known: gpuPassthrough, iommu)  registry/unknown-feature`)
      expect(human.stderr).toMatch(/hv dev validate found 1 error/)

      const github = await hv(['--format', 'github'])
      expect(github.exitCode).toBe(5)
      expect(github.stdout).toContain(`::error file=${REGISTRY},line=36,col=7,title=registry/unknown-feature::feature gpuPassthrough: dependencies names "iommmu"`)

      const json = await hv(['--json'])
      expect(json.exitCode).toBe(5)
      const envelope = JSON.parse(json.stdout)
      expect(envelope).toMatchObject({ code: 'CHECKS_FAILED', data: { errors: 1, findings: [{ rule: 'registry/unknown-feature', file: REGISTRY, line: 36, column: 7 }] } })

      expect((await hv([join(root, 'docs')])).exitCode).toBe(0)
      expect((await hv([join(root, 'modules')])).exitCode).toBe(5)
    } finally {
      await writeFile(join(root, REGISTRY), text)
    }
  })

  it('refuses a PATH outside the project', async () => {
    const run = await hv([tmpdir()])
    expect(run.exitCode).toBe(4)
    expect(run.stderr).toMatch(/is outside the project/)
  })
})
