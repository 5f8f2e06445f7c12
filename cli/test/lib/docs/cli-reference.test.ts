import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type CliDescription, loadCliDescription, renderCliReference } from '../../../src/lib/docs/cli-reference.js'
import { CLI_ROOT } from '../../helpers/project.js'

const FIXTURE_CLI = join(CLI_ROOT, 'test', 'fixtures', 'docs', 'project', 'cli')

const json = { name: 'json', type: 'boolean', description: 'Format output as json.', helpGroup: 'GLOBAL' } as const

describe('the CLI reference', () => {
  it('loads every command, flag, argument and example through oclif, from the manifest', async () => {
    const cli = await loadCliDescription(FIXTURE_CLI)
    expect(cli.bin).toBe('hv')
    expect(cli.commands.map((command) => command.id).sort()).toEqual(['dev:setup', 'vm:create', 'vm:list', 'vm:snapshot:create'])
    const create = cli.commands.find((command) => command.id === 'vm:create')
    expect(create?.args).toEqual([{ name: 'name', description: 'the new VM', required: true }])
    expect(create?.flags.find((flag) => flag.name === 'memory')).toEqual({ name: 'memory', type: 'option', description: 'memory: 512M, 2G', default: '1G' })
    expect(create?.flags.find((flag) => flag.name === 'tpm')).toEqual({ name: 'tpm', type: 'boolean', description: 'an emulated TPM | swtpm', allowNo: true })
    expect(create?.examples).toEqual(['hv vm create web --image debian:12 --memory 2G'])
    // Topics only (commands are not topics), with package.json's descriptions.
    expect(cli.topics).toEqual(expect.arrayContaining([{ name: 'vm', description: 'Create and list virtual machines.' }, { name: 'vm:snapshot', description: 'take snapshots' }]))
  })

  it('renders topics, then each command: usage, arguments, flags, global flags, description, examples', () => {
    const cli: CliDescription = {
      bin: 'hv',
      topics: [{ name: 'vm', description: 'Manage VMs.' }],
      commands: [
        {
          id: 'vm:wait',
          summary: 'wait for a VM',
          description: 'Waits for one of:\n\n  ip    an address\n  ssh   port 22\n\nThen returns <at once>.',
          examples: ['hv vm wait web --for ip'],
          variadic: false,
          args: [{ name: 'name', description: 'the VM', required: true }],
          flags: [
            json,
            { name: 'timeout', type: 'option', description: 'seconds', default: 600 },
            { name: 'for', type: 'option', description: 'what to wait for', required: true, options: ['ip', 'ssh'] },
            { name: 'force', char: 'f', type: 'boolean', description: 'give up | kill it', allowNo: true, dependsOn: ['timeout'] },
            { name: 'secret', type: 'boolean', hidden: true },
          ],
          hidden: false,
        },
        { id: 'vm:list', summary: 'list VMs', examples: [], variadic: true, args: [{ name: 'pattern' }], flags: [json], hidden: false },
        { id: 'vm:debug', examples: [], variadic: false, args: [], flags: [], hidden: true },
      ],
    }
    expect(renderCliReference(cli)).toBe(
      [
        '## Global flags',
        '',
        'Each command names the ones it takes.',
        '',
        '| flag | description |',
        '| --- | --- |',
        '| `--json` | Format output as json. |',
        '',
        '## `hv vm`',
        '',
        'Manage VMs.',
        '',
        '- [`hv vm list`](#hv-vm-list): list VMs',
        '- [`hv vm wait`](#hv-vm-wait): wait for a VM',
        '',
        '### `hv vm list`',
        '',
        'list VMs',
        '',
        '```sh',
        'hv vm list [PATTERN...]',
        '```',
        '',
        '| argument | description |',
        '| --- | --- |',
        '| `PATTERN` |  |',
        '',
        'Global flags: `--json`.',
        '',
        '### `hv vm wait`',
        '',
        'wait for a VM',
        '',
        '```sh',
        'hv vm wait NAME --for=<ip|ssh> [FLAGS]',
        '```',
        '',
        '| argument | description |',
        '| --- | --- |',
        '| `NAME` | the VM (required) |',
        '',
        '| flag | description |',
        '| --- | --- |',
        '| `--for=<ip\\|ssh>` | what to wait for (required) |',
        '| `-f, --[no-]force` | give up \\| kill it (with `--timeout`) |',
        '| `--timeout=<value>` | seconds (default: `600`) |',
        '',
        'Global flags: `--json`.',
        '',
        'Waits for one of:',
        '',
        '```text',
        'ip    an address',
        'ssh   port 22',
        '```',
        '',
        'Then returns &lt;at once>.',
        '',
        'Examples:',
        '',
        '```sh',
        'hv vm wait web --for ip',
        '```',
      ].join('\n'),
    )
  })
})
