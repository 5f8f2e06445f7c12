/** The feature and risk matrix of docs/features.md, rendered from the registry. */

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
      .sort(([a, fa], [b, fb]) => rank(fa.risk) - rank(fb.risk) || a.localeCompare(b))
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
  for (const [name, feature] of Object.entries(registry.features).sort(([a], [b]) => a.localeCompare(b))) {
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

/** Replaces the generated section between the markers, leaving the prose around it. */
export function replaceBetweenMarkers(document: string, start: string, stop: string, generated: string): string {
  const from = document.indexOf(start)
  const to = document.indexOf(stop)
  if (from < 0 || to < from) throw new Error(`markers ${start} / ${stop} not found`)
  return `${document.slice(0, from + start.length)}\n${generated}\n${document.slice(to)}`
}
