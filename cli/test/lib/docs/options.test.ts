/**
 * Option declarations read without nixpkgs (real nix-instantiate), rendered as the options
 * reference; and, where nixpkgs' lib is available, compared with what nixpkgs' own
 * `lib.optionAttrSetToDocList` says about the project's modules.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type ModuleOption, readModuleOptions } from '../../../src/lib/docs/module-options.js'
import { compareLocs, optionName, renderOptionsReference } from '../../../src/lib/docs/options-reference.js'
import { nixPretty, type NixData } from '../../../src/lib/docs/nix-pretty.js'
import { resultCache } from '../../../src/lib/validate/cache.js'
import { findNixpkgsLib, nixEval } from '../../helpers/nix.js'
import { CLI_ROOT, PROJECT_ROOT } from '../../helpers/project.js'

const FIXTURE = join(CLI_ROOT, 'test', 'fixtures', 'docs', 'project')
const noCache = resultCache({ HV_VALIDATE_CACHE: 'off' })
const read = (root: string) => readModuleOptions(root, { cache: noCache, nixFiles: [] })
const byName = (options: readonly ModuleOption[]) => new Map(options.map((option) => [optionName(option.loc), option]))

const temporary: string[] = []
afterAll(async () => Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true }))))

/** A tree whose modules/default.nix imports the given modules (files relative to modules/). */
async function moduleTree(modules: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hv-docs-options-'))
  temporary.push(root)
  const imports = Object.keys(modules).map((file) => `./${file}`).join(' ')
  await mkdir(join(root, 'modules'), { recursive: true })
  await writeFile(join(root, 'modules', 'default.nix'), `{ imports = [ ${imports} ]; }\n`)
  for (const [file, text] of Object.entries(modules)) {
    await mkdir(dirname(join(root, 'modules', file)), { recursive: true })
    await writeFile(join(root, 'modules', file), text)
  }
  return root
}

describe('option declarations, read without nixpkgs', () => {
  it('lists every option of every imported module, sub-options of submodules included', async () => {
    const { options, failures } = await read(FIXTURE)
    expect(failures).toEqual([])
    const names = [...byName(options).keys()].sort()
    expect(names).toEqual([
      'hypervisor.bridges',
      'hypervisor.bridges.<name>.interfaces',
      'hypervisor.cli.defaults.firmware',
      'hypervisor.cli.defaults.tpm',
      'hypervisor.cli.uri',
      'hypervisor.enable',
      'hypervisor.features.tpm.enable',
      'hypervisor.features.uefi.enable',
      'hypervisor.labels',
      'hypervisor.objects',
      'hypervisor.package',
    ])
    const option = byName(options)
    expect(option.get('hypervisor.enable')).toMatchObject({
      file: 'modules/core/default.nix',
      type: 'boolean',
      description: 'Whether to enable the hypervisor.',
      default: { value: false },
      example: { value: true },
      shown: true,
    })
    expect(option.get('hypervisor.cli.defaults.firmware')?.type).toBe('one of "bios", "uefi"')
    expect(option.get('hypervisor.bridges')).toMatchObject({ type: 'attribute set of (submodule)', freeform: false })
    expect(option.get('hypervisor.bridges.<name>.interfaces')).toMatchObject({ type: 'list of string', default: { value: [] }, example: { value: ['eno2'] } })
    expect(option.get('hypervisor.labels')).toMatchObject({ type: 'attribute set of string', freeform: true })
    // A default read from pkgs shows its defaultText; an internal option is not shown.
    expect(option.get('hypervisor.package')?.default).toEqual({ literal: 'literalExpression', text: 'pkgs.hello' })
    expect(option.get('hypervisor.objects')).toMatchObject({ internal: true, shown: false })
    expect(option.get('hypervisor.features.uefi.enable')).toMatchObject({ file: 'modules/features/default.nix', description: 'Whether to enable the `uefi` feature: UEFI firmware for new VMs.' })
  })

  it('a default that reads config without a defaultText is shown as computed, not as an error', async () => {
    const root = await moduleTree({
      'a.nix': '{ config, lib, ... }: { options.hypervisor.a = lib.mkOption { type = lib.types.str; default = config.networking.hostName; description = "A."; }; }\n',
    })
    const { options, failures } = await read(root)
    expect(failures).toEqual([])
    expect(options[0]?.default).toEqual({ unrenderable: true })
    expect(renderOptionsReference(options, { rootLink: '../' })).toContain('**Default:** *computed from the configuration* (the declaration gives no `defaultText`)')
  })

  it('module arguments with defaults keep them; submodules get a name, as nixpkgs documents them', async () => {
    const root = await moduleTree({
      'a.nix': [
        '{ lib, flavour ? "plain", ... }:',
        '{',
        '  options.hypervisor.flavour = lib.mkOption { type = lib.types.str; default = flavour; description = "F."; };',
        '  options.hypervisor.hosts = lib.mkOption {',
        '    type = lib.types.attrsOf (lib.types.submodule ({ name, ... }: { options.label = lib.mkOption { type = lib.types.str; default = name; description = "L."; }; }));',
        '    default = { };',
        '    description = "H.";',
        '  };',
        '}',
        '',
      ].join('\n'),
    })
    const { options, failures } = await read(root)
    expect(failures).toEqual([])
    expect(byName(options).get('hypervisor.flavour')?.default).toEqual({ value: 'plain' })
    expect(byName(options).get('hypervisor.hosts.<name>.label')?.default).toEqual({ value: '‹name›' })
  })

  it('a declaration that reads config: the module, the place and why', async () => {
    const root = await moduleTree({
      'good.nix': '{ lib, ... }: { options.hypervisor.good = lib.mkEnableOption "good"; }\n',
      'bad.nix': '{ config, lib, ... }:\n{\n  options.hypervisor.bad = lib.mkOption {\n    type = lib.types.str;\n    description = config.hypervisor.good;\n  };\n}\n',
    })
    const { failures } = await read(root)
    expect(failures).toEqual([
      { file: 'modules/bad.nix', line: 5, column: 5, message: 'hv docs: option declarations read config, which documentation cannot provide' },
    ])
  })

  it('a lib function the stand-in lacks, and a syntax error: where and why, from nix itself', async () => {
    const missing = await moduleTree({ 'm.nix': '{ lib, ... }:\n{\n  options.hypervisor.m = lib.mkOption { type = lib.types.frobnicate; description = "M."; };\n}\n' })
    expect((await read(missing)).failures).toEqual([{ file: 'modules/m.nix', line: 3, column: 48, message: "attribute 'frobnicate' missing" }])
    const broken = await moduleTree({ 'm.nix': '{ lib, ... }:\n{\n  options.hypervisor.m = ;\n}\n' })
    const [failure] = (await read(broken)).failures
    expect(failure).toMatchObject({ file: 'modules/m.nix', line: 3 })
    expect(failure?.message).toMatch(/syntax error/)
  })
})

describe('the options reference', () => {
  it('orders as nixpkgs does: enable first, then package, then by name', () => {
    const locs = [['a', 'zeta'], ['a', 'package'], ['a', 'b', 'c'], ['a', 'enable'], ['a', 'alpha']]
    expect([...locs].sort(compareLocs)).toEqual([['a', 'enable'], ['a', 'package'], ['a', 'alpha'], ['a', 'b', 'c'], ['a', 'zeta']])
  })

  it('shows each option as the manual does, linked to its module', async () => {
    const { options } = await read(FIXTURE)
    const text = renderOptionsReference(options, { rootLink: '../' })
    expect(text.split('\n').slice(0, 3)).toEqual(['- [`hypervisor.enable`](#hypervisorenable)', '- [`hypervisor.package`](#hypervisorpackage)', '- [`hypervisor.bridges`](#hypervisorbridges)'])
    expect(text).not.toContain('hypervisor.objects')
    const section = text.slice(text.indexOf('## `hypervisor.bridges.<name>.interfaces`'), text.indexOf('## `hypervisor.cli.defaults.firmware`'))
    expect(section).toBe(
      [
        '## `hypervisor.bridges.<name>.interfaces`',
        '',
        'Ports of the bridge.',
        '',
        '**Type:** `list of string`',
        '',
        '**Default:** `[ ]`',
        '',
        '**Example:**',
        '',
        '```nix',
        '[',
        '  "eno2"',
        ']',
        '```',
        '',
        '**Declared in:** [`modules/core/default.nix`](../modules/core/default.nix)',
        '',
        '',
      ].join('\n'),
    )
  })
})

const libPath = await findNixpkgsLib()
if (!libPath) console.warn("[skip] options compared with nixpkgs' lib.optionAttrSetToDocList: no nixpkgs lib on Nix's search path (NIX_PATH=nixpkgs=/path/to/nixpkgs.lib)")

interface RealOption {
  name: string
  type: string
  description: string | null
  declarations: string[]
  internal: boolean
  default?: { _type: string; text: string }
  example?: { _type: string; text: string }
}

describe.skipIf(!libPath)("the project's options, against nixpkgs' own documentation of them", () => {
  it('names, types, descriptions, defaults, examples and declaring files agree with lib.optionAttrSetToDocList', async () => {
    const real = await nixEval<RealOption[]>(
      `let lib = import <nixpkgs/lib>; evaluated = lib.evalModules { modules = [ ./tests/eval/nixos-interface.nix ./modules { _module.args.pkgs = import ./tests/eval/stub-pkgs.nix; } ]; }; ` +
        `in builtins.filter (option: lib.hasPrefix "hypervisor." option.name && !(lib.hasInfix "._module." option.name)) (lib.optionAttrSetToDocList evaluated.options)`,
    )
    const { options, failures } = await read(PROJECT_ROOT)
    expect(failures).toEqual([])
    const text = (value: ModuleOption['default']) => (value === undefined ? undefined : 'value' in value ? nixPretty(value.value as NixData) : 'text' in value ? value.text : 'computed')
    const ours = options
      .map((option) => ({
        name: optionName(option.loc),
        type: option.type,
        description: option.description,
        // nixpkgs names a directory's default.nix by the directory.
        declarations: [`${PROJECT_ROOT}/${option.file}`.replace(/\/default\.nix$/, '')],
        internal: option.internal,
        default: text(option.default),
        example: text(option.example),
      }))
      .sort((a, b) => a.name.localeCompare(b.name))
    const theirs = real
      .map((option) => ({ ...option, default: option.default?.text, example: option.example?.text }))
      .map(({ name, type, description, declarations, internal, default: defaultText, example }) => ({ name, type, description, declarations, internal, default: defaultText, example }))
      .sort((a, b) => a.name.localeCompare(b.name))
    expect(ours).toEqual(theirs)
  })
})
