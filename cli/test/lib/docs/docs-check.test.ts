/**
 * check-docs and update-docs on a miniature checkout (fixtures/docs/project: a CLI manifest,
 * modules with a registry, scripts, documents with empty generated sections), with the real
 * nix-instantiate: every kind of drift is found, and update-docs then makes the tree pass,
 * touching nothing outside the generated sections.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type CheckDocsResult, checkDocs, DOCS_COMPONENTS, docsChecker, GENERATED_SECTIONS, updateDocs } from '../../../src/lib/docs/docs-check.js'
import { locateSection } from '../../../src/lib/docs/markers.js'
import { resultCache } from '../../../src/lib/validate/cache.js'
import { projectFiles } from '../../../src/lib/validate/project-files.js'
import { CLI_ROOT } from '../../helpers/project.js'

const FIXTURE = join(CLI_ROOT, 'test', 'fixtures', 'docs', 'project')
const cache = resultCache({ HV_VALIDATE_CACHE: 'off' })
const temporary: string[] = []
afterAll(async () => Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true }))))

async function copyFixture(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hv-docs-'))
  temporary.push(root)
  await cp(FIXTURE, root, { recursive: true })
  return root
}

/** A copy of the fixture whose generated sections are current. */
async function currentTree(): Promise<string> {
  const root = await copyFixture()
  const update = await updateDocs({ root, cache })
  expect(update.failures).toEqual([])
  return root
}

const check = (root: string) => checkDocs({ root, cache })
const rules = (result: CheckDocsResult) => result.findings.map((finding) => `${finding.file}:${finding.line}:${finding.column} ${finding.rule}`)
const text = (root: string, file: string) => readFile(join(root, file), 'utf8')
async function edit(root: string, file: string, change: (text: string) => string): Promise<void> {
  await writeFile(join(root, file), change(await text(root, file)))
}
/** The document with its generated sections emptied: the hand-written prose alone. */
const prose = (document: string) => document.replace(/(<!-- ([a-z-]+) -->\n)[\s\S]*?(<!-- \2-stop -->)/g, '$1$3')

describe('a tree whose generated sections were never written', () => {
  it('check-docs: every section is stale, with a diff; update-docs writes them and only them; then check-docs passes', async () => {
    const root = await copyFixture()
    const before = await check(root)
    expect(before.stale.map((section) => section.component).sort()).toEqual([...DOCS_COMPONENTS].sort())
    expect(rules(before)).toEqual([
      'docs/cli.md:5:1 docs/stale-section',
      'docs/exit-codes.md:3:1 docs/stale-section',
      'docs/features.md:5:1 docs/stale-section',
      'docs/options.md:3:1 docs/stale-section',
      // The anchors README.md links to appear with the generated sections.
      'README.md:32:60 docs/broken-link',
      'README.md:33:15 docs/broken-link',
      'SCRIPT_PRIVILEGE_CLASSIFICATION.md:5:1 docs/stale-section',
    ])
    const cli = before.stale.find((section) => section.component === 'cli')
    expect(cli?.diff.split('\n').slice(0, 4)).toEqual([
      '--- docs/cli.md (CLI reference as written)',
      '+++ docs/cli.md (CLI reference as generated)',
      `@@ -5,0 +6,${cli?.added} @@`,
      '+## Global flags',
    ])

    const documents = await Promise.all(GENERATED_SECTIONS.map((section) => text(root, section.file)))
    const update = await updateDocs({ root, cache })
    expect(update.changed.map((section) => section.component)).toEqual([...DOCS_COMPONENTS])
    expect(update.failures).toEqual([])
    for (const [index, section] of GENERATED_SECTIONS.entries()) {
      expect(prose(await text(root, section.file)), section.file).toBe(prose(documents[index] as string))
    }
    expect(await text(root, 'docs/cli.md')).toMatch(/^Hand-written closing words\.$/m)

    const after = await check(root)
    expect(after.findings).toEqual([])
    expect(after).toMatchObject({ stale: [], errors: 0, sections: 5, documents: 6 })
    expect((await updateDocs({ root, cache })).changed).toEqual([])
  })
})

describe('drift in the code: the section goes stale, update-docs brings it back', () => {
  async function expectStaleThenFixed(root: string, component: string, diffLine: RegExp): Promise<void> {
    const result = await check(root)
    expect(result.stale.map((section) => section.component)).toEqual([component])
    expect(result.findings.map((finding) => finding.rule)).toEqual(['docs/stale-section'])
    expect(result.stale[0]?.diff).toMatch(diffLine)
    const update = await updateDocs({ root, cache })
    expect(update.changed.map((section) => section.component)).toEqual([component])
    expect((await check(root)).findings).toEqual([])
  }

  it('a new flag in the CLI build', async () => {
    const root = await currentTree()
    await edit(root, 'cli/oclif.manifest.json', (manifest) => {
      const data = JSON.parse(manifest) as { commands: Record<string, { flags: Record<string, unknown> }> }
      data.commands['vm:list']!.flags.state = { name: 'state', type: 'option', description: 'only VMs in this state', options: ['running', 'shut'], multiple: false }
      return JSON.stringify(data)
    })
    await expectStaleThenFixed(root, 'cli', /^\+\| `--state=<running\\\|shut>` \| only VMs in this state \|$/m)
  })

  it('a changed option declaration', async () => {
    const root = await currentTree()
    await edit(root, 'modules/core/default.nix', (module) => module.replace('The libvirt URI `hv` talks to.', 'Where `hv` connects.'))
    await expectStaleThenFixed(root, 'options', /^-The libvirt URI `hv` talks to\.\n\+Where `hv` connects\.$/m)
  })

  it('a new feature in the registry: the matrix and the options both', async () => {
    const root = await currentTree()
    await edit(root, 'modules/features/feature-categories.nix', (registry) =>
      registry.replace(
        '    uefi = {',
        '    nested = { category = "virtualization"; description = "Nested KVM."; risk = "moderate"; impacts = [ "Guests run hypervisors." ]; mitigations = [ "Trust the guests." ]; requirements = [ ]; dependencies = [ ]; conflicts = [ ]; default = false; configures = [ ]; };\n    uefi = {',
      ),
    )
    const result = await check(root)
    expect(result.stale.map((section) => section.component)).toEqual(['features', 'options'])
    expect(result.stale[0]?.diff).toMatch(/^\+\| `nested` \| moderate \| off \|/m)
    expect(result.stale[1]?.diff).toMatch(/^\+## `hypervisor\.features\.nested\.enable`$/m)
    await updateDocs({ root, cache, components: ['features', 'options'] })
    expect((await check(root)).findings).toEqual([])
  })

  it('a new script, and a script whose sudo class changed', async () => {
    const root = await currentTree()
    await writeFile(join(root, 'scripts/dev/stop.sh'), '#!/usr/bin/env bash\n# Script: stop.sh\n# Sudo Required: YES\n# Description: Stops the services.\nreadonly OPERATION_TYPE="stops system services"\n')
    await edit(root, 'tests/run_all_tests.sh', (script) => script.replace('# Sudo Required: NO', '# Sudo Required: YES'))
    const result = await check(root)
    expect(result.stale.map((section) => section.component)).toEqual(['scripts'])
    expect(result.stale[0]?.diff.split('\n').filter((line) => /^[-+]\|/.test(line))).toEqual([
      '+| `scripts/dev/stop.sh` | YES | stops system services | Stops the services. |',
      '-| `tests/run_all_tests.sh` | NO | runs the tests as the calling user | Runs every test. |',
      '+| `tests/run_all_tests.sh` | YES | runs the tests as the calling user | Runs every test. |',
    ])
  })

  it('a hand edit inside a generated section (the exit-code table)', async () => {
    const root = await currentTree()
    await edit(root, 'docs/exit-codes.md', (doc) => doc.replace('| 0 | `EXIT_OK` | success |', '| 0 | `EXIT_OK` | all good |'))
    await expectStaleThenFixed(root, 'exit-codes', /^-\| 0 \| `EXIT_OK` \| all good \|\n\+\| 0 \| `EXIT_OK` \| success \|$/m)
  })

  it('only the components asked for are rewritten', async () => {
    const root = await currentTree()
    await edit(root, 'docs/exit-codes.md', (doc) => doc.replace('success', 'all good'))
    await edit(root, 'modules/core/default.nix', (module) => module.replace('Free-form labels.', 'Labels.'))
    const update = await updateDocs({ root, cache, components: ['exit-codes'] })
    expect(update.changed.map((section) => section.component)).toEqual(['exit-codes'])
    expect((await check(root)).stale.map((section) => section.component)).toEqual(['options'])
  })
})

describe('names and links in the documents', () => {
  it('each kind is reported where it is written; update-docs leaves hand-written prose alone', async () => {
    const root = await currentTree()
    await edit(root, 'README.md', (readme) =>
      [
        readme,
        'Also `hv vm frobnicate`, `hv vm list --every`, `hypervisor.cli.url`, `hypervisor.features.tmp.enable`,',
        'scripts/dev/stop.sh, [gone](docs/gone.md) and [no such heading](docs/options.md#hypervisorfrob).',
        '',
      ].join('\n'),
    )
    const expected = [
      'README.md:36:7 docs/unknown-command',
      'README.md:36:38 docs/unknown-flag',
      'README.md:36:49 docs/unknown-option',
      'README.md:36:71 docs/unknown-feature',
      'README.md:37:1 docs/missing-script',
      'README.md:37:29 docs/broken-link',
      'README.md:37:65 docs/broken-link',
    ]
    expect(rules(await check(root))).toEqual(expected)
    const readme = await text(root, 'README.md')
    const update = await updateDocs({ root, cache })
    expect(update.changed).toEqual([])
    expect(await text(root, 'README.md')).toBe(readme)
    expect(rules(await check(root))).toEqual(expected)
  })
})

describe('what cannot be generated', () => {
  it('missing markers: check-docs says where to add them; update-docs writes the rest and reports it', async () => {
    const root = await currentTree()
    await writeFile(join(root, 'docs/options.md'), '# NixOS options\n\nNo markers here.\n')
    await rm(join(root, 'docs/exit-codes.md'))
    expect((await check(root)).findings.map((finding) => [finding.file, finding.rule, finding.message])).toEqual([
      [
        'docs/exit-codes.md',
        'docs/missing-section',
        'docs/exit-codes.md does not exist; it needs <!-- exit-codes --> and <!-- exit-codes-stop --> lines where the generated exit-code table belongs: add them, then run hv dev update-docs --component exit-codes',
      ],
      [
        'docs/options.md',
        'docs/missing-section',
        'docs/options.md has no <!-- options --> and <!-- options-stop --> lines where the generated NixOS options reference belongs: add them, then run hv dev update-docs --component options',
      ],
      // README.md links to an anchor of the options reference.
      ['README.md', 'docs/broken-link', expect.stringContaining('docs/options.md has no heading for #hypervisorenable')],
    ])
    const update = await updateDocs({ root, cache })
    expect(update.failures.map((finding) => finding.rule)).toEqual(['docs/missing-section', 'docs/missing-section'])
    expect(update.unchanged.map((section) => section.component)).toEqual(['cli', 'features', 'scripts'])
  })

  it('a module whose declarations read config: reported at the place, the other sections still checked', async () => {
    const root = await currentTree()
    await edit(root, 'modules/core/default.nix', (module) => module.replace('description = "Free-form labels.";', 'description = config.networking.hostName;'))
    const result = await check(root)
    expect(result.findings.map((finding) => `${finding.file}:${finding.line}:${finding.column} ${finding.rule}`)).toEqual(['modules/core/default.nix:56:7 docs/generator-failed'])
    expect(result.findings[0]?.message).toMatch(/option declarations read config.*give such a default a defaultText/)
    // The section keeps what it had: update-docs does not write a reference with options missing.
    const before = locateSection(await text(root, 'docs/options.md'), 'options')?.content
    const update = await updateDocs({ root, cache, components: ['options'] })
    expect(update.failures.map((finding) => finding.rule)).toEqual(['docs/generator-failed'])
    expect(locateSection(await text(root, 'docs/options.md'), 'options')?.content).toBe(before)
  })

  it('a CLI build without a command of the sources', async () => {
    const root = await currentTree()
    await mkdir(join(root, 'cli/src/commands/vm'), { recursive: true })
    for (const command of ['list', 'create']) await writeFile(join(root, `cli/src/commands/vm/${command}.ts`), '')
    await mkdir(join(root, 'cli/src/commands/vm/snapshot'), { recursive: true })
    await writeFile(join(root, 'cli/src/commands/vm/snapshot/create.ts'), '')
    await mkdir(join(root, 'cli/src/commands/dev'), { recursive: true })
    await writeFile(join(root, 'cli/src/commands/dev/setup.ts'), '')
    expect((await check(root)).findings).toEqual([])
    await writeFile(join(root, 'cli/src/commands/vm/stop.ts'), '')
    const result = await check(root)
    expect(result.findings.map((finding) => [finding.file, finding.rule, finding.message])).toEqual([
      ['cli/src/commands/vm/stop.ts', 'docs/stale-build', 'the CLI build has no `hv vm stop`: rebuild it (cd cli && npm run build), then check or update the docs'],
    ])
  })
})

describe('as a checker of hv dev validate', () => {
  it('gives the same findings', async () => {
    const root = await currentTree()
    await edit(root, 'README.md', (readme) => `${readme}\n\`hv vm frobnicate\`\n`)
    const files = await projectFiles(root)
    const findings = await docsChecker.check({ files, selected: () => true, cache })
    expect(findings).toEqual((await check(root)).findings)
    expect(findings.map((finding) => finding.rule)).toEqual(['docs/unknown-command'])
  })
})
