/**
 * The feature registry (modules/features/feature-categories.nix), checked as data: every
 * feature well-formed, its dependencies and conflicts naming real features (without a
 * dependency cycle), configuring something in a module, and documented in docs/features.md.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { evaluateRegistryFile, REGISTRY_FILE } from '../../nix/registry-file.js'
import type { Checker, ValidationContext } from '../checker.js'
import { type Finding, positionAt, type RuleInfo } from '../finding.js'

const FEATURES_DOC = 'docs/features.md'
/** Files that handle every feature alike (options, policy, the registry itself): no evidence that one feature configures anything. */
const GENERIC_FEATURE_FILES = new Set([REGISTRY_FILE, 'modules/features/resolve.nix', 'modules/features/default.nix'])

const RULES = [
  { id: 'registry/evaluates', summary: 'The registry evaluates as plain data (nix-instantiate --eval --strict --json, no nixpkgs).' },
  { id: 'registry/schema', summary: 'Every feature has a known category and risk level, a description, impacts, mitigations, dependencies, conflicts, a default and what it configures.' },
  { id: 'registry/unknown-feature', summary: 'Dependencies and conflicts name features of the registry (not the feature itself).' },
  { id: 'registry/dependency-cycle', summary: 'Dependencies form no cycle.' },
  { id: 'registry/conflicting-dependency', summary: 'A feature does not both depend on and conflict with a feature.' },
  { id: 'registry/configures-nothing', summary: 'Every feature is used by a module under modules/ (features.<name>.enable) beyond the generic registry files.' },
  { id: 'registry/undocumented', summary: 'Every feature appears in docs/features.md.' },
] as const satisfies readonly RuleInfo[]

type RuleId = (typeof RULES)[number]['id']

const Name = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a feature name such as gpuPassthrough')
const Sentences = z.array(z.string().min(1))

function registrySchema(riskLevels: readonly string[], categories: readonly string[]) {
  return z
    .object({
      category: z.string().refine((category) => categories.includes(category), { message: `must be one of the categories: ${categories.join(', ')}` }),
      description: z.string().min(10, 'must say in a sentence what the feature does'),
      risk: z.string().refine((risk) => riskLevels.includes(risk), { message: `must be one of ${riskLevels.join(', ')}` }),
      impacts: Sentences.min(1, 'must list at least one impact (what changes on the host)'),
      mitigations: Sentences.min(1, 'must list at least one mitigation'),
      requirements: Sentences,
      dependencies: z.array(Name),
      conflicts: z.array(Name),
      default: z.boolean(),
      configures: z.array(z.string().min(1)).min(1, 'must list the options the feature sets (the evaluation tests check each)'),
    })
    .strict()
}

const RawRegistry = z.object({
  riskLevels: z.array(z.string()).min(1),
  categories: z.record(z.string(), z.string()),
  features: z.record(z.string(), z.unknown()),
})

/** Where a feature (or one of its keys) is written in the registry file. */
function locate(text: string, feature: string | undefined, key?: string): { line: number; column: number } {
  if (!feature) return { line: 1, column: 1 }
  const start = new RegExp(`^( *)${feature.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*=\\s*\\{`, 'm').exec(text)
  if (!start) return { line: 1, column: 1 }
  const indent = start[1] ?? ''
  if (key) {
    // Only within this feature's block: up to the `};` at its own indentation.
    const end = text.indexOf(`\n${indent}};`, start.index)
    const block = text.slice(start.index, end === -1 ? undefined : end)
    const keyMatch = new RegExp(`^( *)${key}\\s*=`, 'm').exec(block)
    if (keyMatch) return positionAt(text, start.index + keyMatch.index + (keyMatch[1]?.length ?? 0))
  }
  return positionAt(text, start.index + indent.length)
}

function findCycle(dependencies: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>()
  const path: string[] = []
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name]
    state.set(name, 'visiting')
    path.push(name)
    for (const next of dependencies.get(name) ?? []) {
      const cycle = visit(next)
      if (cycle) return cycle
    }
    path.pop()
    state.set(name, 'done')
    return undefined
  }
  for (const name of [...dependencies.keys()].sort()) {
    const cycle = visit(name)
    if (cycle) return cycle
  }
  return undefined
}

async function readOr(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return undefined
  }
}

async function check(context: ValidationContext): Promise<Finding[]> {
  const { root, all } = context.files
  if (!all.includes(REGISTRY_FILE)) return []
  const text = await readFile(join(root, REGISTRY_FILE), 'utf8')
  const findings: Finding[] = []
  const report = (rule: RuleId, at: { line: number; column: number }, message: string, file = REGISTRY_FILE) =>
    findings.push({ rule, severity: 'error', file, line: at.line, column: at.column, message })

  const evaluated = await evaluateRegistryFile(root, text, context.cache)
  if ('stderr' in evaluated) {
    const error = evaluated.stderr.replace(/\u001b\[[0-9;]*m/g, '').trim().split('\n')[0] || 'evaluation failed'
    report('registry/evaluates', { line: 1, column: 1 }, `the registry does not evaluate: ${error}; it must stay plain data that nix-instantiate --eval --strict --json evaluates without nixpkgs`)
    return findings
  }
  const raw = RawRegistry.safeParse(evaluated.value)
  if (!raw.success) {
    report('registry/schema', { line: 1, column: 1 }, `the registry must be { riskLevels, categories, features }: ${raw.error.issues[0]?.message ?? ''}`)
    return findings
  }
  const { riskLevels, categories, features } = raw.data
  const schema = registrySchema(riskLevels, Object.keys(categories))
  const names = Object.keys(features).sort()
  const dependencies = new Map<string, string[]>()
  for (const name of names) {
    if (!Name.safeParse(name).success) report('registry/schema', locate(text, name), `feature "${name}": the name must be a Nix identifier such as gpuPassthrough`)
    const parsed = schema.safeParse(features[name])
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const key = issue.path[0] === undefined ? undefined : String(issue.path[0])
        const missing = key !== undefined && issue.code === 'invalid_type' && (features[name] as Record<string, unknown> | null)?.[key] === undefined
        const what =
          issue.code === 'unrecognized_keys'
            ? `unknown key(s) ${issue.keys.join(', ')}: remove them or add them to the registry's schema`
            : missing
              ? `${key} is missing: every feature declares category, description, risk, impacts, mitigations, requirements, dependencies, conflicts, default and configures`
              : `${key ?? 'entry'} ${issue.message}`
        report('registry/schema', locate(text, name, key), `feature ${name}: ${what}`)
      }
      continue
    }
    const entry = parsed.data
    dependencies.set(name, entry.dependencies)
    for (const [key, list] of [['dependencies', entry.dependencies], ['conflicts', entry.conflicts]] as const) {
      for (const other of list) {
        if (other === name) report('registry/unknown-feature', locate(text, name, key), `feature ${name} lists itself under ${key}: remove it`)
        else if (!(other in features)) report('registry/unknown-feature', locate(text, name, key), `feature ${name}: ${key} names "${other}", which is not a feature of the registry (known: ${names.join(', ')})`)
      }
    }
    for (const other of entry.dependencies.filter((dependency) => entry.conflicts.includes(dependency))) {
      report('registry/conflicting-dependency', locate(text, name, 'conflicts'), `feature ${name} both depends on and conflicts with ${other}: it could never be enabled`)
    }
  }
  const cycle = findCycle(new Map([...dependencies].map(([name, list]) => [name, list.filter((other) => other in features)])))
  if (cycle) report('registry/dependency-cycle', locate(text, cycle[0], 'dependencies'), `dependency cycle: ${cycle.join(' → ')}; break it (a feature cannot need itself)`)

  // Configures something: a module other than the generic ones uses features.<name>.
  const moduleFiles = all.filter((file) => file.startsWith('modules/') && file.endsWith('.nix') && !GENERIC_FEATURE_FILES.has(file))
  const moduleTexts = await Promise.all(moduleFiles.map(async (file) => (await readOr(join(root, file))) ?? ''))
  for (const name of names) {
    const used = new RegExp(`features\\.${name}\\b`)
    if (!moduleTexts.some((moduleText) => used.test(moduleText))) {
      report('registry/configures-nothing', locate(text, name), `feature ${name} is not used by any module: add its configuration under modules/<category>/ behind lib.mkIf config.hypervisor.features.${name}.enable, or remove the entry`)
    }
  }

  const doc = await readOr(join(root, FEATURES_DOC))
  for (const name of names) {
    if (doc === undefined || !new RegExp(`\\b${name}\\b`).test(doc)) {
      report('registry/undocumented', locate(text, name), `feature ${name} is missing from ${FEATURES_DOC}: regenerate it (hv dev update-docs --component features)`)
    }
  }
  return findings
}

export const registryChecker: Checker = { id: 'registry', rules: RULES, check }
