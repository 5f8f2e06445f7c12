import { describe, expect, it } from 'vitest'
import { COMPONENTS, componentsOf, globsMatchingNothing, globToRegExp, inComponents } from '../../../src/lib/dev/test/components.js'
import { discoverNixosTests, discoverVitestFiles, vitestLayerOf } from '../../../src/lib/dev/test/discover.js'
import { PROJECT_ROOT } from '../../helpers/project.js'

describe('hv dev test: components', () => {
  it('every test file and every NixOS test of the project belongs to a component', async () => {
    const vitestFiles = await discoverVitestFiles(PROJECT_ROOT)
    const nixosTests = await discoverNixosTests(PROJECT_ROOT)
    expect(vitestFiles.length).toBeGreaterThan(30)
    expect(nixosTests.map((test) => test.check)).toContain('nixos-operator-access')
    const orphans = [...vitestFiles, ...nixosTests].map((test) => test.path).filter((path) => componentsOf(path).length === 0)
    // A new test file needs a rule in cli/src/lib/dev/test/components.ts...
    expect(orphans).toEqual([])
    // ...and a rule for a test that was renamed or deleted goes with it.
    expect(globsMatchingNothing([...vitestFiles, ...nixosTests].map((test) => test.path))).toEqual([])
  })

  it('maps tests to the parts they cover', () => {
    expect(componentsOf('cli/test/modules/evaluation.test.ts')).toEqual(['core', 'features', 'security', 'networking', 'virtualization'])
    expect(componentsOf('cli/test/lib/security/checks.test.ts')).toEqual(['security', 'cli'])
    expect(componentsOf('cli/test/commands/vm/cloud.integration.test.ts')).toEqual(['networking', 'virtualization', 'cli'])
    expect(componentsOf('cli/test/project/scripts.test.ts')).toEqual(['scripts'])
    expect(componentsOf('tests/nixos/risky-feature-refused.nix')).toEqual(['features'])
    expect(componentsOf('cli/test/modules/new-area.test.ts')).toEqual([])
    expect(inComponents('cli/test/lib/exec.test.ts', [])).toBe(true)
    expect(inComponents('cli/test/lib/exec.test.ts', ['security'])).toBe(false)
    expect(inComponents('cli/test/lib/security/checks.test.ts', ['security', 'scripts'])).toBe(true)
    expect(COMPONENTS).toEqual(['core', 'features', 'security', 'networking', 'virtualization', 'cli', 'scripts'])
  })

  it('reads globs: ** across directories, * within one, {a,b} either', () => {
    expect(globToRegExp('cli/test/**/features/**').test('cli/test/lib/features/registry.test.ts')).toBe(true)
    expect(globToRegExp('cli/test/**/features/**').test('cli/test/features/x.test.ts')).toBe(true)
    expect(globToRegExp('cli/test/**/features/**').test('cli/test/lib/featuresx/a.ts')).toBe(false)
    expect(globToRegExp('cli/test/*.ts').test('cli/test/lib/a.ts')).toBe(false)
    expect(globToRegExp('cli/test/lib/{vm,images}/**').test('cli/test/lib/images/download.test.ts')).toBe(true)
    expect(globToRegExp('cli/test/lib/{vm,images}/**').test('cli/test/lib/libvirt/virsh.test.ts')).toBe(false)
    expect(globToRegExp('a.b').test('axb')).toBe(false)
  })
})

describe('hv dev test: layers of the vitest files', () => {
  it('integration by name, eval when the file looks for nixpkgs lib, unit otherwise', async () => {
    expect(vitestLayerOf('cli/test/modules/polkit.integration.test.ts', '')).toBe('integration')
    expect(vitestLayerOf('cli/test/modules/x.test.ts', "import { expectGolden, findNixpkgsLib } from '../helpers/nix.js'\n")).toBe('eval')
    expect(vitestLayerOf('cli/test/modules/x.test.ts', "const lib = await findNixpkgsLib() // a mention, not an import\n")).toBe('unit')
    expect(vitestLayerOf('cli/test/lib/exec.test.ts', 'import { run } from "../../src/lib/exec.js"')).toBe('unit')
    const files = await discoverVitestFiles(PROJECT_ROOT)
    const layerOf = new Map(files.map((file) => [file.path, file.layer]))
    expect(layerOf.get('cli/test/modules/evaluation.test.ts')).toBe('eval')
    expect(layerOf.get('cli/test/commands/vm/vm.integration.test.ts')).toBe('integration')
    expect(layerOf.get('cli/test/lib/dev/test-runner-components.test.ts')).toBe('unit')
    // The fixtures' deliberately failing tests are not the project's tests.
    expect(files.filter((file) => file.path.includes('/fixtures/'))).toEqual([])
  })
})
