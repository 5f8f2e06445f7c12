/** What a document names must exist: every kind of name, and what must not be taken for one. */
import { describe, expect, it } from 'vitest'
import type { CliDescription } from '../../../src/lib/docs/cli-reference.js'
import { scanMarkdown } from '../../../src/lib/docs/markdown.js'
import type { ModuleOption } from '../../../src/lib/docs/module-options.js'
import { checkReferences, type KnownNames } from '../../../src/lib/docs/references.js'

const globalFlags = [{ name: 'json', type: 'boolean', helpGroup: 'GLOBAL' }] as const
const cli: CliDescription = {
  bin: 'hv',
  topics: [{ name: 'vm' }, { name: 'dev' }],
  commands: [
    { id: 'vm:list', examples: [], variadic: false, args: [], flags: [...globalFlags, { name: 'all', type: 'boolean' }], hidden: false },
    {
      id: 'vm:create',
      examples: [],
      variadic: false,
      args: [{ name: 'name', required: true }],
      flags: [...globalFlags, { name: 'image', type: 'option' }, { name: 'tpm', type: 'boolean', allowNo: true }],
      hidden: false,
    },
    { id: 'vm:snapshot:create', examples: [], variadic: false, args: [], flags: [...globalFlags], hidden: false },
    { id: 'dev:setup', examples: [], variadic: false, args: [], flags: [...globalFlags, { name: 'operator', type: 'option' }], hidden: false },
  ],
}

const option = (name: string, extra: Partial<ModuleOption> = {}): ModuleOption => ({
  loc: name.split('.'),
  file: 'modules/core/default.nix',
  type: 'string',
  typeName: 'str',
  freeform: false,
  description: null,
  readOnly: false,
  internal: false,
  visible: true,
  shown: true,
  ...extra,
})

const known: KnownNames = {
  cli,
  options: [
    option('hypervisor.enable'),
    option('hypervisor.cli.uri'),
    option('hypervisor.bridges.<name>.interfaces'),
    option('hypervisor.labels', { freeform: true, type: 'attribute set of string' }),
    option('hypervisor.features.tpm.enable'),
  ],
  features: new Set(['tpm']),
  files: new Set(['README.md', 'docs/cli.md', 'docs/guide/setup.md', 'scripts/dev/start.sh', 'modules/core/default.nix']),
  markdown: async (file) => ({ 'docs/cli.md': scanMarkdown('# CLI\n## `hv vm create`\n'), 'README.md': scanMarkdown('# Guide\n') })[file],
}

async function findings(text: string, file = 'README.md') {
  const found = await checkReferences(file, text, scanMarkdown(text), known)
  return found.map(({ rule, line, column, message }) => ({ rule, at: `${line}:${column}`, message }))
}

describe('commands and flags', () => {
  it('accepts commands with arguments and flags, topics, and hv that is not a command', async () => {
    const text = [
      'Use `hv vm create NAME --image FILE --no-tpm`, `hv vm list --all --json`, `hv vm`, `hv vm snapshot`, `hv`,',
      '`hv-operator`, `hv.json` and `HV_X=1 sudo hv dev setup --operator alice`.',
      '',
      '```sh',
      '$ hv vm list --json | jq --raw-output .',
      'runuser -u hv-operator -- hv vm create web --tpm && hv vm list',
      'ls /usr/local/bin/hv   # hv is a link',
      'for vm in a b; do hv vm create "$vm"; done',
      '```',
      '',
      '```text',
      'say what hv is doing; hv keeps going',
      '```',
    ].join('\n')
    expect(await findings(text)).toEqual([])
  })

  it('reports a command that does not exist, where it is written, with what exists', async () => {
    expect(await findings('Then\n  run `hv vm frobnicate web` or `hv vm lst`.\n\n```\nsudo hv frob\n```\n')).toEqual([
      { rule: 'docs/unknown-command', at: '2:8', message: '`hv vm frobnicate` is not a command; `hv vm` has: create, list, snapshot. Correct the document, or name the command as it is now' },
      {
        rule: 'docs/unknown-command',
        at: '2:34',
        message: '`hv vm lst` is not a command (did you mean `hv vm list`?); `hv vm` has: create, list, snapshot. Correct the document, or name the command as it is now',
      },
      { rule: 'docs/unknown-command', at: '5:6', message: '`hv frob` is not a command; `hv` has: dev, vm. Correct the document, or name the command as it is now' },
    ])
  })

  it('reports a flag the command does not have', async () => {
    expect(await findings('`hv vm create web --imgae x` and `hv vm list --no-all`')).toEqual([
      {
        rule: 'docs/unknown-flag',
        at: '1:19',
        message: '`--imgae` is not a flag of `hv vm create` (did you mean `--image`?): correct it (see `hv vm create --help`), or name the flag as it is now',
      },
      { rule: 'docs/unknown-flag', at: '1:46', message: '`--no-all` is not a flag of `hv vm list`: correct it (see `hv vm list --help`), or name the flag as it is now' },
    ])
  })
})

describe('options and features', () => {
  it('accepts declared options, their prefixes, placeholders and names under free-form options', async () => {
    const text = [
      '`hypervisor.enable = true;`, `hypervisor.cli`, `hypervisor.*`, `hypervisor.features.<name>.enable`,',
      '`hypervisor.bridges.br-lab.interfaces`, `hypervisor.labels.rack`, `config.hypervisor.cli.uri`,',
      '`hypervisor.features.tpm.enable`. Not code: hypervisor.nothing.',
      '',
      '```nix',
      '{ hypervisor.enable = true; } # hypervisor.cli.uri = "x";',
      '```',
    ].join('\n')
    expect(await findings(text)).toEqual([])
  })

  it('reports an option no module declares, and a feature the registry does not have', async () => {
    expect(await findings('`hypervisor.cli.url`, `hypervisor.bridges.br0.ports` and\n`hypervisor.features.tmp.enable`')).toEqual([
      {
        rule: 'docs/unknown-option',
        at: '1:2',
        message: '`hypervisor.cli.url` is not declared by any module (did you mean `hypervisor.cli.uri`?): correct the name (every option is in docs/options.md), or declare it',
      },
      { rule: 'docs/unknown-option', at: '1:24', message: '`hypervisor.bridges.br0.ports` is not declared by any module: correct the name (every option is in docs/options.md), or declare it' },
      {
        rule: 'docs/unknown-feature',
        at: '2:2',
        message: '`tmp` is not a feature of the registry (modules/features/feature-categories.nix) (did you mean `tpm`?): correct the name, or add the feature to the registry',
      },
    ])
  })
})

describe('scripts and links', () => {
  it('reports a script that does not exist, in prose too', async () => {
    expect(await findings('Run scripts/dev/start.sh, then scripts/dev/stop.sh; not https://x.org/scripts/a.sh.')).toEqual([
      { rule: 'docs/missing-script', at: '1:32', message: 'scripts/dev/stop.sh does not exist (did you mean `scripts/dev/start.sh`?): correct the path, or remove the mention' },
    ])
  })

  it('checks relative links (files, directories, anchors), not URLs or code', async () => {
    const text = [
      '# Guide',
      '[ok](docs/cli.md) [dir](modules/) [anchor](docs/cli.md#hv-vm-create) [here](#guide) [web](https://example.org/x.md)',
      '[gone](docs/gone.md) [bad anchor](docs/cli.md#hv-vm-delete) [self](#nowhere) `[code](nope.md)`',
      '[out](../outside.md)',
    ].join('\n')
    expect(await findings(text)).toEqual([
      { rule: 'docs/broken-link', at: '3:8', message: 'the link docs/gone.md points at docs/gone.md, which does not exist: correct the path' },
      {
        rule: 'docs/broken-link',
        at: '3:35',
        message: "docs/cli.md has no heading for #hv-vm-delete: link to an existing heading (GitHub's anchor: lower case, punctuation removed, spaces as dashes)",
      },
      { rule: 'docs/broken-link', at: '3:68', message: "README.md has no heading for #nowhere: link to an existing heading (GitHub's anchor: lower case, punctuation removed, spaces as dashes)" },
      { rule: 'docs/broken-link', at: '4:7', message: 'the link ../outside.md leads out of the project: link to a file inside it, or use a full URL' },
    ])
  })

  it('resolves links from the document’s directory', async () => {
    expect(await findings('[setup](guide/setup.md) [cli](cli.md) [up](../README.md)', 'docs/index.md')).toEqual([])
  })
})
