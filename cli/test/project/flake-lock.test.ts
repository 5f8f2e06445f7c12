/**
 * The flake's lock pins a real nixpkgs revision (CRITICAL_REQUIREMENTS.md #2). That every
 * Nix file parses is hv dev validate's nix/syntax rule (test/lib/validate/nix.test.ts).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../helpers/project.js'

describe('flake.lock', () => {
  it('pins nixpkgs to a full revision with its narHash and lastModified', async () => {
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
