/** The feature and risk matrix of docs/features.md, rendered from the registry. */
import { z } from 'zod'
import { evaluateRegistryFile, REGISTRY_FILE } from '../nix/registry-file.js'
import type { ResultCache } from '../validate/cache.js'
import { describeNixError } from './module-options.js'
import { byNixOrder } from './nix-pretty.js'

export interface MatrixFeature {
  category: string
  description: string
  risk: string
  dependencies: string[]
  conflicts: string[]
  default: boolean
  configures: string[]
  impacts: string[]
  mitigations: string[]
}

export interface MatrixRegistry {
  riskLevels: string[]
  categories: Record<string, string>
  features: Record<string, MatrixFeature>
}

export const FEATURE_MATRIX_START = '<!-- feature-matrix -->'
export const FEATURE_MATRIX_STOP = '<!-- feature-matrix-stop -->'

const code = (value: string) => `\`${value}\``
const list = (values: string[]) => (values.length === 0 ? '–' : values.map(code).join(', '))
const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ')

/** Features grouped by category, riskiest last within each, then every feature's detail. */
export function renderFeatureMatrix(registry: MatrixRegistry): string {
  const rank = (risk: string) => registry.riskLevels.indexOf(risk)
  const sections: string[] = []
  for (const [category, about] of Object.entries(registry.categories)) {
    const features = Object.entries(registry.features)
      .filter(([, feature]) => feature.category === category)
      .sort(([a, fa], [b, fb]) => rank(fa.risk) - rank(fb.risk) || byNixOrder(a, b))
    sections.push(
      `### ${category}`,
      '',
      cell(about),
      '',
      '| feature | risk | default | needs | conflicts with | configures |',
      '| --- | --- | --- | --- | --- | --- |',
      ...features.map(
        ([name, feature]) =>
          `| ${code(name)} | ${feature.risk} | ${feature.default ? 'on' : 'off'} | ${list(feature.dependencies)} | ${list(feature.conflicts)} | ${list(feature.configures)} |`,
      ),
      '',
    )
  }
  sections.push('### Impacts and mitigations', '')
  for (const [name, feature] of Object.entries(registry.features).sort(([a], [b]) => byNixOrder(a, b))) {
    sections.push(
      `#### ${code(name)} (${feature.risk})`,
      '',
      cell(feature.description),
      '',
      ...feature.impacts.map((impact) => `- Impact: ${cell(impact)}`),
      ...feature.mitigations.map((mitigation) => `- Mitigation: ${cell(mitigation)}`),
      '',
    )
  }
  return sections.join('\n').trimEnd()
}

/** The registry as plain data: `nix-instantiate --eval --strict --json` of the file, no nixpkgs. */
const RegistryData = z.object({
  riskLevels: z.array(z.string()),
  categories: z.record(z.string(), z.string()),
  features: z.record(
    z.string(),
    z.object({
      category: z.string(),
      description: z.string(),
      risk: z.string(),
      dependencies: z.array(z.string()),
      conflicts: z.array(z.string()),
      default: z.boolean(),
      configures: z.array(z.string()),
      impacts: z.array(z.string()),
      mitigations: z.array(z.string()),
    }),
  ),
})

/** The registry of a checkout, in the shape the matrix needs; an error says why it cannot be read. */
export async function readFeatureRegistry(root: string, text: string, cache: ResultCache): Promise<{ registry: MatrixRegistry } | { error: string; line: number; column: number }> {
  const evaluated = await evaluateRegistryFile(root, text, cache)
  if ('stderr' in evaluated) {
    const failure = describeNixError(evaluated.stderr, root, REGISTRY_FILE)
    return { error: failure.message, line: failure.line, column: failure.column }
  }
  const parsed = RegistryData.safeParse(evaluated.value)
  return parsed.success
    ? { registry: parsed.data }
    : { error: `the registry does not have the shape the matrix needs: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`, line: 1, column: 1 }
}
