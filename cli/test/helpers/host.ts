import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nixEval } from './nix.js'

export type Phase = 'setup' | 'hardened'

export interface HostOptions {
  /** Arguments of modules/features/resolve.nix, a Nix attribute set: `{ enabled = { tpm = true; }; }`. */
  resolveArgs?: string
  /** What `phase` says; null: no phase file. Default: the report's phase. */
  phase?: Phase | null | string
  /** The marker files to create. Default: the one of the phase. */
  markers?: Phase[]
  /** security.json, written as given. */
  security?: unknown
  /** hv.json, written as given. */
  hvJson?: unknown
  /** Skip features.json. */
  noFeatures?: boolean
}

export interface HostFixture {
  root: string
  /** What runHv needs to read this host: HYPERVISOR_ROOT (hv.json is found inside it). */
  env: Record<string, string>
  features: FeaturesReportJson | undefined
}

export interface FeaturesReportJson {
  phase: Phase
  riskTolerance: string
  features: Record<string, { name: string; category: string; risk: string; enabled: boolean; description: string; dependencies: string[] }>
  summary: { enabled: string[]; byRisk: Record<string, string[]>; acknowledged: string[]; unacknowledged: string[]; refused: string[] }
}

/** The report modules/features/resolve.nix computes for these arguments, by the real nix-instantiate. */
export function resolveReport(args = '{ }'): Promise<FeaturesReportJson> {
  return nixEval<FeaturesReportJson>(`(import ./modules/features/resolve.nix ${args}).report`)
}

/**
 * A Hyper-NixOS host directory in a temporary HYPERVISOR_ROOT, as the modules would write
 * it: features.json from the real resolve.nix, `phase` and its marker, and optionally
 * security.json and hv.json. Readable by every user, so tests can run hv as the operator.
 */
export async function makeHost(options: HostOptions = {}): Promise<HostFixture> {
  const root = await mkdtemp(join(tmpdir(), 'hv-host-'))
  await chmod(root, 0o755)
  const features = options.noFeatures ? undefined : await resolveReport(options.resolveArgs)
  if (features) await writeFile(join(root, 'features.json'), JSON.stringify(features))
  const phase = options.phase === undefined ? (features?.phase ?? 'setup') : options.phase
  if (phase !== null) await writeFile(join(root, 'phase'), `${phase}\n`)
  for (const marker of options.markers ?? (phase === 'setup' || phase === 'hardened' ? [phase] : [])) {
    await writeFile(join(root, `.phase-${marker}`), '')
  }
  if (options.security !== undefined) await writeFile(join(root, 'security.json'), JSON.stringify(options.security))
  if (options.hvJson !== undefined) await writeFile(join(root, 'hv.json'), JSON.stringify(options.hvJson))
  return { root, env: { HYPERVISOR_ROOT: root }, features }
}

/** An executable shell script. */
export async function writeScript(path: string, body: string): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true })
  await writeFile(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 })
  return path
}

export function securityReport(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 1,
    phase: 'setup',
    operatorGroup: 'hypervisor-operators',
    operators: [],
    administrators: [],
    guarantees: [],
    ...overrides,
  }
}
