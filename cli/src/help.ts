import { Help, type Interfaces } from '@oclif/core'

/**
 * oclif lists only topics that already hold commands. hv lists every topic it
 * declares (package.json → oclif.topics), and says plainly which have none yet.
 */
export default class HvHelp extends Help {
  protected override get sortedTopics(): Interfaces.Topic[] {
    const topics = super.sortedTopics
    const known = new Set(topics.map((topic) => topic.name))
    const declared = Object.entries(this.config.pjson.oclif.topics ?? {})
      .filter(([name]) => !known.has(name) && !name.includes(':'))
      .map(([name, topic]) => ({ name, description: `${topic.description ?? ''} (no commands yet)`.trim(), hidden: false }))
    return [...topics, ...declared].sort((a, b) => a.name.localeCompare(b.name))
  }
}
