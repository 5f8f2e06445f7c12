/**
 * The Nix rules of `hv dev validate` on fixture trees (one that violates each rule, one
 * that passes), with the real nix-instantiate and tree-sitter-nix, and on the project itself.
 * Fixture files that Nix must reject are stored as `*.nix.in` (so that the project's own
 * parse checks skip them) and renamed when the tree is copied.
 */
import { cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { HvError } from '../../../src/lib/errors/hv-error.js'
import { resultCache, type ResultCache } from '../../../src/lib/validate/cache.js'
import { loadNixParser } from '../../../src/lib/validate/nix/syntax-tree.js'
import { NIX_RULES } from '../../../src/lib/validate/rules/nix.js'
import { validateProject } from '../../../src/lib/validate/validate.js'
import { CLI_ROOT, PROJECT_ROOT } from '../../helpers/project.js'

const FIXTURES = join(CLI_ROOT, 'test', 'fixtures', 'validate', 'nix')
const noCache = resultCache({ HV_VALIDATE_CACHE: 'off' })
const temporary: string[] = []

async function renameTemplates(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) await renameTemplates(path)
    else if (entry.name.endsWith('.nix.in')) await rename(path, path.slice(0, -'.in'.length))
  }
}

/** A copy of fixtures/validate/nix/<name> in a temporary directory. */
async function fixtureTree(name: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hv-validate-nix-'))
  temporary.push(root)
  await cp(join(FIXTURES, name), root, { recursive: true })
  await renameTemplates(root)
  return root
}

async function nixFindings(root: string, options: { paths?: string[]; cache?: ResultCache } = {}) {
  const result = await validateProject({ root, checkers: ['nix'], cache: options.cache ?? noCache, paths: options.paths })
  return result.findings.map(({ rule, severity, file, line, column, message }) => ({ rule, severity, at: `${file}:${line}:${column}`, message }))
}

const error = (rule: string, at: string, message: string) => ({ rule, severity: 'error', at, message })

afterEach(async () => {
  await Promise.all(temporary.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

describe('nix/syntax (real nix-instantiate --parse)', () => {
  it('reports every broken file, not only the first, with Nix message and place', async () => {
    expect(await nixFindings(await fixtureTree('syntax/violates'))).toEqual([
      // Nix counts bytes (column 79); the finding counts characters, like every other one.
      error('nix/syntax', 'modules/c-undefined.nix:4:76', "undefined variable 'greeting': define it (a let binding or a function argument) or correct its name"),
      error(
        'nix/syntax',
        'tests/b-missing-semicolon.nix:4:1',
        "syntax error, unexpected '}', expecting ';': correct the syntax there (nix-instantiate --parse tests/b-missing-semicolon.nix shows the same error)",
      ),
    ])
  })

  it('passes a flake, a test, a module and a package with nixfmt-style trailing commas', async () => {
    expect(await nixFindings(await fixtureTree('syntax/passes'))).toEqual([])
  })

  it('caches by content: a fixed file is parsed again, the unchanged verdicts are reused', async () => {
    const root = await fixtureTree('syntax/violates')
    const cacheDir = await mkdtemp(join(tmpdir(), 'hv-validate-nix-cache-'))
    temporary.push(cacheDir)
    const cache = resultCache({ HV_VALIDATE_CACHE: cacheDir })
    expect((await nixFindings(root, { cache })).map(({ at }) => at)).toEqual(['modules/c-undefined.nix:4:76', 'tests/b-missing-semicolon.nix:4:1'])
    const entries = await readdir(cacheDir)
    // Per file: the verdict of nix-instantiate and the analysis of its syntax tree.
    expect(entries).toHaveLength(8)
    // Mark the cached verdict on c-undefined.nix, to see that the next run takes it from the cache.
    for (const entry of entries) {
      const path = join(cacheDir, entry)
      const text = await readFile(path, 'utf8')
      if (text.includes('greeting')) await writeFile(path, text.replace("undefined variable 'greeting'", "undefined variable 'greeting' (cached)"))
    }

    await writeFile(join(root, 'tests', 'b-missing-semicolon.nix'), '{\n  answer = 42;\n}\n')
    expect(await nixFindings(root, { cache })).toEqual([
      error('nix/syntax', 'modules/c-undefined.nix:4:76', "undefined variable 'greeting' (cached): define it (a let binding or a function argument) or correct its name"),
    ])
    expect(await readdir(cacheDir)).toHaveLength(10)
  })
})

describe('nix/syntax-tree', () => {
  it('warns about a file Nix reads and tree-sitter-nix cannot, whose module rules were not checked', async () => {
    expect(await nixFindings(await fixtureTree('syntax-tree/violates'))).toEqual([
      {
        rule: 'nix/syntax-tree',
        severity: 'warning',
        at: 'modules/empty-inherit.nix:4:10',
        message: 'tree-sitter-nix cannot read this construct although Nix can, so the module rules did not check this file: write it another way (or update tree-sitter-nix in cli/package.json)',
      },
    ])
  })

  it('reads trailing commas in argument patterns, which tree-sitter-nix 0.0.2 misreads', async () => {
    expect(await nixFindings(await fixtureTree('syntax-tree/passes'))).toEqual([])
  })
})

describe('the cache of syntax-tree analyses', () => {
  it('reuses the findings of an unchanged file and analyses a changed one again', async () => {
    const root = await fixtureTree('with-lib/violates')
    const cacheDir = await mkdtemp(join(tmpdir(), 'hv-validate-nix-cache-'))
    temporary.push(cacheDir)
    const cache = resultCache({ HV_VALIDATE_CACHE: cacheDir })
    expect((await nixFindings(root, { cache })).map(({ at }) => at)).toEqual(['modules/thing.nix:2:1', 'tests/interface.nix:4:40'])
    for (const entry of await readdir(cacheDir)) {
      const path = join(cacheDir, entry)
      await writeFile(path, (await readFile(path, 'utf8')).replaceAll('hides where names come from', 'hides where names come from (cached)'))
    }

    const interfacePath = join(root, 'tests', 'interface.nix')
    await writeFile(interfacePath, (await readFile(interfacePath, 'utf8')).replace('with lib.types; nullOr str', 'lib.types.nullOr lib.types.str'))
    expect(await nixFindings(root, { cache })).toEqual([
      error('nix/with-lib', 'modules/thing.nix:2:1', 'with lib; hides where names come from (cached): remove it and write lib.mkOption, lib.types.str, ... in full'),
    ])
  })
})

describe('nix/option-namespace', () => {
  it('reports options declared outside hypervisor.*, as attribute paths and nested', async () => {
    const outside = 'is outside the hypervisor namespace: declare it as options.hypervisor.<area>.<name> (Hyper-NixOS has one namespace, hypervisor.*)'
    expect(await nixFindings(await fixtureTree('option-namespace/violates'))).toEqual([
      error('nix/option-namespace', 'modules/attrpath.nix:5:11', `option options.services.thing.port ${outside}`),
      error('nix/option-namespace', 'modules/nested.nix:6:5', `option options.networking.otherName ${outside}`),
    ])
  })

  it('passes options under hypervisor.*, including submodule options', async () => {
    expect(await nixFindings(await fixtureTree('option-namespace/passes'))).toEqual([])
  })
})

describe('nix/config-behind-mkif', () => {
  it('reports config that is not lib.mkIf, a mkMerge element that is not, and top-level configuration', async () => {
    const notBehind =
      'config is not behind lib.mkIf, so importing the module changes the system before it is enabled: write config = lib.mkIf cfg.enable { ... }; (several conditions: lib.mkMerge [ (lib.mkIf ...) ... ])'
    expect(await nixFindings(await fixtureTree('config-behind-mkif/violates'))).toEqual([
      error('nix/config-behind-mkif', 'modules/merge.nix:10:5', notBehind),
      error('nix/config-behind-mkif', 'modules/plain-config.nix:5:12', notBehind),
      error(
        'nix/config-behind-mkif',
        'modules/shorthand.nix:4:3',
        'environment.etc."hypervisor/marker".text is set at the top level of the module, so importing it changes the system unconditionally: move it into config = lib.mkIf cfg.enable { ... };',
      ),
    ])
  })

  it('passes lib.mkIf (around a let), lib.mkMerge of lib.mkIf, config.<path> = mkIf, and imports-only modules', async () => {
    expect(await nixFindings(await fixtureTree('config-behind-mkif/passes'))).toEqual([])
  })
})

describe('nix/structure-from-config', () => {
  it('reports imports, a top-level if or mkIf, and option declarations computed from config', async () => {
    const topLevel =
      "the module's top-level expression depends on `config`, but the module system needs its attributes before config exists: return an attribute set and put the condition under config = lib.mkIf ...;"
    expect(await nixFindings(await fixtureTree('structure-from-config/violates'))).toEqual([
      error(
        'nix/structure-from-config',
        'modules/imports.nix:8:26',
        'imports depends on `cfg` (computed from config); the module system needs the list of modules before config exists: import the files unconditionally and put what they set behind lib.mkIf',
      ),
      error(
        'nix/structure-from-config',
        'modules/options.nix:7:49',
        'options are declared depending on `cfg` (computed from config): declare every option unconditionally (let its default depend on config instead)',
      ),
      error('nix/structure-from-config', 'modules/top-if.nix:3:1', topLevel),
      error('nix/structure-from-config', 'modules/top-mkif.nix:3:1', topLevel),
    ])
  })

  it('passes constant imports, defaults that read config, and options generated from data', async () => {
    expect(await nixFindings(await fixtureTree('structure-from-config/passes'))).toEqual([])
  })
})

describe('nix/config-in-let', () => {
  it('reports let bindings that compute with config: an application, an interpolation, an if', async () => {
    const computes = (name: string) =>
      `${name}, in the module's top-level let, computes with config; keep only aliases there (cfg = config.hypervisor;) and move the computation inside config = lib.mkIf ... (let ... in { ... }), where it is evaluated only when enabled`
    expect(await nixFindings(await fixtureTree('config-in-let/violates'))).toEqual([
      error('nix/config-in-let', 'modules/report.nix:6:25', computes('anyAdministrator')),
      error('nix/config-in-let', 'modules/report.nix:8:19', computes('label')),
      error('nix/config-in-let', 'modules/report.nix:9:13', computes('mode')),
    ])
  })

  it('passes aliases (select paths, inherit from config), functions, and computations under mkIf', async () => {
    expect(await nixFindings(await fixtureTree('config-in-let/passes'))).toEqual([])
  })
})

describe('nix/with-lib', () => {
  it('reports with lib; and with lib.types; in modules and in every other Nix file', async () => {
    const hides = 'hides where names come from: remove it and write lib.mkOption, lib.types.str, ... in full'
    expect(await nixFindings(await fixtureTree('with-lib/violates'))).toEqual([
      error('nix/with-lib', 'modules/thing.nix:2:1', `with lib; ${hides}`),
      error('nix/with-lib', 'tests/interface.nix:4:40', `with lib.types; ${hides}`),
    ])
  })

  it('passes lib written in full, inherit (lib), and with pkgs;', async () => {
    expect(await nixFindings(await fixtureTree('with-lib/passes'))).toEqual([])
  })
})

describe('nix/mkoption-type-description', () => {
  it('reports each mkOption without a type or a description', async () => {
    expect(await nixFindings(await fixtureTree('mkoption-type-description/violates'))).toEqual([
      error('nix/mkoption-type-description', 'modules/options.nix:7:15', 'lib.mkOption has no type: add type = lib.types.<type>;'),
      error('nix/mkoption-type-description', 'modules/options.nix:11:20', 'lib.mkOption has no description: add description = "..."; (Markdown)'),
      error('nix/mkoption-type-description', 'modules/options.nix:15:12', 'mkOption has no type and no description: add type = lib.types.<type>; and description = "..."; (Markdown)'),
    ])
  })

  it('passes options with both, also when inherited, and mkEnableOption', async () => {
    expect(await nixFindings(await fixtureTree('mkoption-type-description/passes'))).toEqual([])
  })
})

describe('nix/sysctl-owner', () => {
  const forwarding = error(
    'nix/sysctl-owner',
    'modules/hardening-sysctls.nix:4:3',
    'sysctl net.ipv4.ip_forward is also set by modules/forwarding.nix:4:24: each sysctl belongs to exactly one module; set it only there (or move both settings into the one module that owns it)',
  )
  const swappiness = error(
    'nix/sysctl-owner',
    'modules/memory.nix:6:11',
    'sysctl vm.swappiness is also set by modules/hardening-sysctls.nix:5:3 (imported by modules/hardening.nix): each sysctl belongs to exactly one module; set it only there (or move both settings into the one module that owns it)',
  )

  it('reports a key set by a second module: attribute path, imported file, nested set through mkMerge', async () => {
    expect(await nixFindings(await fixtureTree('sysctl-owner/violates'))).toEqual([forwarding, swappiness])
  })

  it('reads every module even when only one file is selected', async () => {
    expect(await nixFindings(await fixtureTree('sysctl-owner/violates'), { paths: ['modules/memory.nix'] })).toEqual([swappiness])
  })

  it('passes one module setting its key twice, a let-bound import, and a module that only reads the data', async () => {
    expect(await nixFindings(await fixtureTree('sysctl-owner/passes'))).toEqual([])
  })
})

describe('the Nix checker', () => {
  it('has a fixture tree (violates/, passes/) for every rule it documents', async () => {
    const trees = await Promise.all((await readdir(FIXTURES)).map(async (rule) => `nix/${rule}: ${(await readdir(join(FIXTURES, rule))).sort().join(', ')}`))
    expect(trees.sort()).toEqual(NIX_RULES.map(({ id }) => `${id}: passes, violates`).sort())
  })

  it('finds nothing in the project itself', async () => {
    expect(await nixFindings(PROJECT_ROOT)).toEqual([])
  })

  it('says to run npm ci when the parser cannot be loaded', async () => {
    const failure = await loadNixParser({ parser: 'tree-sitter', grammar: 'tree-sitter-nix-absent' }).catch((caught: unknown) => caught)
    expect(failure).toBeInstanceOf(HvError)
    expect(failure).toMatchObject({
      code: 'MISSING_DEPENDENCY',
      message: expect.stringMatching(/^hv dev validate needs the Nix parser \(tree-sitter and tree-sitter-nix-absent\), which cannot be loaded: .*tree-sitter-nix-absent/),
      suggestions: ['cd cli && npm ci   # hv dev runs from a checkout; the parser is one of its devDependencies'],
    })
  })
})
