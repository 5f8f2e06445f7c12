/**
 * Finds the project's tests and sorts them into layers: vitest files under cli/test
 * (unit, eval, integration) and the NixOS tests of tests/nixos (flake checks nixos-<name>).
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { walkFiles } from '../../validate/project-files.js'
import type { Layer } from './results.js'

export type VitestLayer = Extract<Layer, 'unit' | 'eval' | 'integration'>

export interface VitestFile {
  /** Project-relative, `/`-separated: `cli/test/lib/exec.test.ts`. */
  path: string
  layer: VitestLayer
}

export interface NixosTest {
  /** Project-relative: `tests/nixos/operator-access.nix`. */
  path: string
  /** Its flake check, as flake.nix names it: `nixos-operator-access`. */
  check: string
}

/**
 * The vitest layer of a test file. Integration tests say so in their name; evaluation tests
 * are the ones that import `findNixpkgsLib` (test/helpers/nix.ts): they need nixpkgs' lib on
 * Nix's search path.
 */
export function vitestLayerOf(path: string, source: string): VitestLayer {
  if (path.endsWith('.integration.test.ts')) return 'integration'
  if (/^import\s*(?:type\s*)?\{[^}]*\bfindNixpkgsLib\b[^}]*\}\s*from\s/m.test(source)) return 'eval'
  return 'unit'
}

/** Every `*.test.ts` under cli/test (as vitest.config.ts includes them), fixtures aside, sorted. */
export async function discoverVitestFiles(root: string): Promise<VitestFile[]> {
  const files = (await walkFiles(root, join(root, 'cli', 'test'), new Set(['fixtures', 'node_modules']))).filter((path) => path.endsWith('.test.ts'))
  const found = await Promise.all(files.map(async (path) => ({ path, layer: vitestLayerOf(path, await readFile(join(root, path), 'utf8')) })))
  return found.sort((a, b) => a.path.localeCompare(b.path))
}

/** Every `tests/nixos/*.nix`, each registered by flake.nix as the check `nixos-<name>`. */
export async function discoverNixosTests(root: string): Promise<NixosTest[]> {
  let entries
  try {
    entries = await readdir(join(root, 'tests', 'nixos'), { withFileTypes: true })
  } catch {
    return []
  }
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.nix'))
    .map((entry) => ({ path: `tests/nixos/${entry.name}`, check: `nixos-${entry.name.slice(0, -'.nix'.length)}` }))
    .sort((a, b) => a.path.localeCompare(b.path))
}
