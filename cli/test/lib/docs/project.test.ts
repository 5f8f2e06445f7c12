/**
 * The project's own documentation matches its code (CRITICAL_REQUIREMENTS.md): what
 * `hv dev check-docs` checks, on this checkout, with the CLI reference generated from the
 * built CLI (cli/oclif.manifest.json). Regenerate with `cd cli && npm run build && npm run docs`.
 */
import { describe, expect, it } from 'vitest'
import { checkDocs } from '../../../src/lib/docs/docs-check.js'
import { resultCache } from '../../../src/lib/validate/cache.js'
import { PROJECT_ROOT } from '../../helpers/project.js'

describe("the project's documentation", () => {
  it('passes check-docs: generated sections current, every command, option, feature, script and link real', async () => {
    const result = await checkDocs({ root: PROJECT_ROOT, cache: resultCache({ HV_VALIDATE_CACHE: 'off' }) })
    const report = [...result.findings.map((finding) => `${finding.file}:${finding.line}:${finding.column} ${finding.rule} ${finding.message}`), ...result.stale.map((section) => section.diff)]
    expect(report).toEqual([])
    expect(result.documents).toBeGreaterThanOrEqual(8)
  })
})
