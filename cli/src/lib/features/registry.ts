/**
 * What `hv features` makes of a resolved registry: filtered lists, one feature found by
 * name, the risk summary, and the exact Nix lines that turn a feature on or off.
 */
import { ExitCode } from '../errors/exit-codes.js'
import { HvError, invalidArgument } from '../errors/hv-error.js'
import { closest } from '../text/closest.js'
import { type Feature, type FeaturesReport, RiskLevel } from './schema.js'

export function riskRank(level: RiskLevel): number {
  return RiskLevel.options.indexOf(level)
}

/** Every feature, by category then name. */
export function sortedFeatures(report: FeaturesReport): Feature[] {
  return Object.values(report.features).sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name))
}

export interface FeatureFilter {
  category?: string
  enabledOnly?: boolean
}

export function filterFeatures(report: FeaturesReport, filter: FeatureFilter): Feature[] {
  if (filter.category !== undefined && !(filter.category in report.categories)) {
    const categories = Object.keys(report.categories)
    throw invalidArgument(`there is no feature category "${filter.category}": the categories are ${categories.join(', ')}`, [
      ...closest(filter.category, categories, { ignoreCase: true }).map((category) => `hv features list --category ${category}`),
      'hv features list',
    ])
  }
  return sortedFeatures(report).filter(
    (feature) => (filter.category === undefined || feature.category === filter.category) && (!filter.enabledOnly || feature.enabled),
  )
}

/** The feature of that name (exact spelling), or FEATURE_UNKNOWN with the closest names. */
export function findFeature(report: FeaturesReport, name: string): Feature {
  const feature = Object.hasOwn(report.features, name) ? report.features[name] : undefined
  if (feature) return feature
  const names = Object.keys(report.features).sort()
  const similar = closest(name, names, { ignoreCase: true })
  throw new HvError('FEATURE_UNKNOWN', `there is no feature "${name}"`, {
    exitCode: ExitCode.INVALID_ARGUMENT,
    suggestions:
      similar.length > 0
        ? [...similar.map((candidate) => `hv features show ${candidate}`), 'hv features list']
        : [`one of: ${names.join(', ')}`, 'hv features list'],
  })
}

/** How many enabled features carry each risk level, lowest first: `minimal 1, low 3, moderate 0, high 1, critical 0` */
export function describeRiskCounts(byRisk: FeaturesReport['summary']['byRisk']): string {
  return RiskLevel.options.map((level) => `${level} ${byRisk[level].length}`).join(', ')
}

/** The first sentence, cut at a word to at most `max` characters. */
export function shortDescription(text: string, max = 60): string {
  const sentence = text.split(/(?<=\.)\s/)[0] ?? text
  if (sentence.length <= max) return sentence
  const cut = sentence.slice(0, max - 3)
  const lastSpace = cut.lastIndexOf(' ')
  return `${(lastSpace > max / 2 ? cut.slice(0, lastSpace) : cut).replace(/[\s,;:(]+$/, '')}...`
}

export function enableOption(name: string, value: boolean): string {
  return `hypervisor.features.${name}.enable = ${value};`
}

export function nixList(names: readonly string[]): string {
  return `[ ${names.map((name) => `"${name}"`).join(' ')} ]`
}

/** The features `name` needs, transitively, each before the features that need it. */
export function dependenciesOf(report: FeaturesReport, name: string): string[] {
  const ordered: string[] = []
  const visit = (current: string, path: readonly string[]): void => {
    for (const dependency of report.features[current]?.dependencies ?? []) {
      if (ordered.includes(dependency) || path.includes(dependency)) continue
      visit(dependency, [...path, dependency])
      ordered.push(dependency)
    }
  }
  visit(name, [name])
  return ordered
}

/** The enabled features that need `name`, transitively, each before the features they need. */
export function dependentsOf(report: FeaturesReport, name: string): string[] {
  return sortedFeatures(report)
    .filter((feature) => feature.enabled && feature.name !== name && dependenciesOf(report, feature.name).includes(name))
    .map((feature) => feature.name)
    .sort((a, b) => dependenciesOf(report, b).length - dependenciesOf(report, a).length)
}

export interface ChangePlan {
  /** Nix lines for the host's configuration, in order. */
  lines: string[]
  /** What the lines alone do not say: refusals, how list options merge. */
  notes: string[]
}

/**
 * The exact lines that enable `name`: enabled features it conflicts with off, its
 * dependencies on, itself on, and the acknowledgement of every risk above the tolerance.
 */
export function enablePlan(report: FeaturesReport, feature: Feature): ChangePlan {
  const dependencies = dependenciesOf(report, feature.name)
  const wanted = [...dependencies, feature.name]
  const conflicting = sortedFeatures(report)
    .filter((other) => other.enabled && wanted.some((name) => report.features[name]?.conflicts.includes(other.name) || other.conflicts.includes(name)))
    .map((other) => other.name)
  const toAcknowledge = wanted.filter((name) => {
    const wantedFeature = report.features[name]
    return wantedFeature !== undefined && riskRank(wantedFeature.risk) > riskRank(report.riskTolerance) && !report.acknowledgedRisks.includes(name)
  })
  const lines = [
    ...conflicting.map((name) => enableOption(name, false)),
    ...wanted.map((name) => enableOption(name, true)),
    ...(toAcknowledge.length > 0 ? [`hypervisor.security.acknowledgedRisks = ${nixList(toAcknowledge)};`] : []),
  ]
  const notes: string[] = []
  if (conflicting.length > 0) notes.push(`${feature.name} conflicts with ${conflicting.join(', ')}, which ${conflicting.length === 1 ? 'is' : 'are'} enabled: turned off above.`)
  if (toAcknowledge.length > 0 && report.acknowledgedRisks.length > 0) {
    notes.push(`acknowledgedRisks is a list: add ${toAcknowledge.join(', ')} to the risks already acknowledged (${report.acknowledgedRisks.join(', ')}).`)
  }
  for (const name of wanted) {
    if (report.features[name]?.risk === 'critical') notes.push(`${name} has critical risk: it is refused in the hardened phase, even when acknowledged.`)
  }
  if (report.phase === 'hardened' && wanted.some((name) => report.features[name]?.risk === 'critical')) {
    notes.push('This host is in the hardened phase: go back to the setup phase first (hv security setup).')
  }
  return { lines, notes }
}

/** The lines that disable `name`: the enabled features that need it go first. */
export function disablePlan(report: FeaturesReport, feature: Feature): ChangePlan {
  const dependents = dependentsOf(report, feature.name)
  const lines = [...dependents, feature.name].map((name) => enableOption(name, false))
  const notes = dependents.length > 0 ? [`${dependents.join(', ')} ${dependents.length === 1 ? 'needs' : 'need'} ${feature.name}: turned off above.`] : []
  return { lines, notes }
}
