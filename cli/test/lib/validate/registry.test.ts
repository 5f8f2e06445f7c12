/**
 * The registry rules of `hv dev validate` on a small fixture tree (a two-feature registry,
 * a module using both, their documentation) and on variants that break one rule each,
 * evaluated with the real nix-instantiate.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { resultCache } from '../../../src/lib/validate/cache.js'
import { validateProject } from '../../../src/lib/validate/validate.js'
import { CLI_ROOT, PROJECT_ROOT } from '../../helpers/project.js'

const FIXTURE = join(CLI_ROOT, 'test', 'fixtures', 'validate', 'registry', 'good')
const REGISTRY = 'modules/features/feature-categories.nix'
const noCache = resultCache({ HV_VALIDATE_CACHE: 'off' })
const trees: string[] = []

async function tree(edit?: (root: string) => Promise<void>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hv-validate-registry-'))
  trees.push(root)
  await cp(FIXTURE, root, { recursive: true })
  await edit?.(root)
  return root
}

async function replaceIn(root: string, file: string, from: string, to: string): Promise<void> {
  const text = await readFile(join(root, file), 'utf8')
  if (!text.includes(from)) throw new Error(`fixture ${file} lacks ${from}`)
  await writeFile(join(root, file), text.replace(from, to))
}

const registryFindings = async (root: string) =>
  (await validateProject({ root, checkers: ['registry'], cache: noCache })).findings.map(({ rule, file, line, column, message }) => ({ rule, at: `${file}:${line}:${column}`, message }))

afterEach(async () => {
  await Promise.all(trees.splice(0).map((root) => rm(root, { recursive: true, force: true })))
})

describe('registry rules', () => {
  it('pass on a well-formed registry whose features are used and documented', async () => {
    expect(await registryFindings(await tree())).toEqual([])
  })

  it('registry/schema: an unknown risk level, a missing key', async () => {
    const root = await tree(async (dir) => {
      await replaceIn(dir, REGISTRY, 'risk = "high";', 'risk = "spicy";')
      await replaceIn(dir, REGISTRY, '      configures = [ "boot.kernelParams" ];\n', '')
    })
    expect(await registryFindings(root)).toEqual([
      { rule: 'registry/schema', at: `${REGISTRY}:16:5`, message: expect.stringMatching(/^feature iommu: configures is missing: /) },
      // One line up: the removed line was above it.
      { rule: 'registry/schema', at: `${REGISTRY}:31:7`, message: 'feature gpuPassthrough: risk must be one of minimal, low, moderate, high, critical' },
    ])
  })

  it('registry/unknown-feature: a dependency that does not exist', async () => {
    const root = await tree((dir) => replaceIn(dir, REGISTRY, 'dependencies = [ "iommu" ];', 'dependencies = [ "iommuu" ];'))
    expect(await registryFindings(root)).toEqual([
      { rule: 'registry/unknown-feature', at: `${REGISTRY}:36:7`, message: 'feature gpuPassthrough: dependencies names "iommuu", which is not a feature of the registry (known: gpuPassthrough, iommu)' },
    ])
  })

  it('registry/dependency-cycle and registry/conflicting-dependency', async () => {
    const root = await tree(async (dir) => {
      await replaceIn(dir, REGISTRY, '      dependencies = [ ];\n      conflicts = [ ];\n      default = false;\n      configures = [ "boot.kernelParams" ];', '      dependencies = [ "gpuPassthrough" ];\n      conflicts = [ "gpuPassthrough" ];\n      default = false;\n      configures = [ "boot.kernelParams" ];')
    })
    const rules = (await registryFindings(root)).map((finding) => `${finding.rule} ${finding.message}`)
    expect(rules).toEqual([
      'registry/conflicting-dependency feature iommu both depends on and conflicts with gpuPassthrough: it could never be enabled',
      'registry/dependency-cycle dependency cycle: gpuPassthrough → iommu → gpuPassthrough; break it (a feature cannot need itself)',
    ])
  })

  it('registry/configures-nothing: a feature no module uses', async () => {
    const root = await tree((dir) => replaceIn(dir, 'modules/virtualization/devices.nix', '(lib.mkIf features.gpuPassthrough.enable { boot.initrd.kernelModules = [ "vfio_pci" ]; })', ''))
    expect(await registryFindings(root)).toEqual([
      {
        rule: 'registry/configures-nothing',
        at: `${REGISTRY}:29:5`,
        message: 'feature gpuPassthrough is not used by any module: add its configuration under modules/<category>/ behind lib.mkIf config.hypervisor.features.gpuPassthrough.enable, or remove the entry',
      },
    ])
  })

  it('registry/undocumented: a feature missing from docs/features.md', async () => {
    const root = await tree((dir) => replaceIn(dir, 'docs/features.md', '| iommu | low |\n', ''))
    expect(await registryFindings(root)).toEqual([
      { rule: 'registry/undocumented', at: `${REGISTRY}:16:5`, message: 'feature iommu is missing from docs/features.md: regenerate it (hv dev update-docs --component features)' },
    ])
  })

  it('registry/evaluates: a registry that is not plain data', async () => {
    const root = await tree((dir) => replaceIn(dir, REGISTRY, 'riskLevels = [', 'riskLevels = import <nixpkgs> [ '))
    const [finding] = await registryFindings(root)
    expect(finding).toMatchObject({ rule: 'registry/evaluates', at: `${REGISTRY}:1:1` })
    expect(finding?.message).toMatch(/^the registry does not evaluate: error: .*nixpkgs/)
  })

  it('the project registry passes', async () => {
    expect(await registryFindings(PROJECT_ROOT)).toEqual([])
  })
})
