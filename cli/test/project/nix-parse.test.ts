import { execFile } from 'node:child_process'
import { mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../helpers/project.js'

const execFileAsync = promisify(execFile)
// Offline and without a store: parsing needs neither.
const NIX_ENV = { ...process.env, NIX_CONFIG: 'build-users-group =\nsubstituters =' }

async function nixFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const files = await Promise.all(
    entries.map(async (entry) => {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) return ['node_modules', '.git', 'dist'].includes(entry.name) ? [] : nixFiles(path)
      return entry.name.endsWith('.nix') ? [path] : []
    }),
  )
  return files.flat()
}

function parse(file: string) {
  return execFileAsync('nix-instantiate', ['--store', 'dummy://', '--parse', file], { env: NIX_ENV })
}

describe('Nix files (real nix-instantiate --parse)', async () => {
  const files = await nixFiles(PROJECT_ROOT)

  it('finds the flake and the modules', () => {
    const names = files.map((file) => relative(PROJECT_ROOT, file))
    expect(names).toEqual(expect.arrayContaining(['flake.nix', 'modules/default.nix', 'modules/core/default.nix', 'packages/hv/default.nix']))
  })

  it.each(files.map((file) => [relative(PROJECT_ROOT, file), file]))('%s parses', async (_name, file) => {
    await expect(parse(file)).resolves.toBeDefined()
  })

  it('a file with a syntax error fails with its line and column', async () => {
    const broken = join(await mkdtemp(join(tmpdir(), 'hv-nix-')), 'broken.nix')
    await writeFile(broken, '{ config, ... }:\n{\n  hypervisor.enable = true\n}\n')
    const error = (await parse(broken).catch((caught: unknown) => caught)) as { stderr: string }
    expect(error.stderr).toMatch(/syntax error.*at .*broken\.nix:4:1/s)
  })
})

describe('flake.lock', () => {
  it('pins nixpkgs to a full revision with its narHash and lastModified', async () => {
    const { readFile } = await import('node:fs/promises')
    const lock = JSON.parse(await readFile(join(PROJECT_ROOT, 'flake.lock'), 'utf8'))
    const nixpkgs = lock.nodes[lock.nodes.root.inputs.nixpkgs]
    expect(nixpkgs.original).toMatchObject({ type: 'github', owner: 'NixOS', repo: 'nixpkgs', ref: expect.stringMatching(/^nixos-\d\d\.\d\d$/) })
    expect(nixpkgs.locked.rev).toMatch(/^[0-9a-f]{40}$/)
    expect(nixpkgs.locked.narHash).toMatch(/^sha256-[A-Za-z0-9+/]{43}=$/)
    expect(nixpkgs.locked.lastModified).toBeGreaterThan(1_700_000_000)
    const flake = await readFile(join(PROJECT_ROOT, 'flake.nix'), 'utf8')
    expect(flake).toContain(`github:NixOS/nixpkgs/${nixpkgs.original.ref}`)
  })
})
