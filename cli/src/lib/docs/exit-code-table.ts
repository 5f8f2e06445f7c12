import { ExitCode, type ExitCodeName, exitCodeMeaning } from '../errors/exit-codes.js'

/** The Markdown table of exit codes that docs/exit-codes.md must contain. */
export function renderExitCodeTable(): string {
  const rows = (Object.entries(ExitCode) as [ExitCodeName, number][])
    .sort(([, a], [, b]) => a - b)
    .map(([name, code]) => `| ${code} | \`EXIT_${name}\` | ${exitCodeMeaning[name]} |`)
  return ['| code | name (scripts) | meaning |', '| ---: | --- | --- |', ...rows].join('\n')
}
