#!/usr/bin/env node
// Startup benchmark: `hv --version` and `hv --help` against `node -e 0`, the
// floor any Node CLI pays. Median of repeated runs, printed as ratios.
// Usage: node bench/startup.mjs [runs]   (target: hv --version <= 1.5x node -e 0)
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const runs = Number(process.argv[2] ?? 30)
const hv = fileURLToPath(new URL('../cli/bin/run.js', import.meta.url))

function medianMs(args) {
  const times = []
  spawnSync(process.execPath, args) // warm the page cache
  for (let i = 0; i < runs; i += 1) {
    const started = process.hrtime.bigint()
    const result = spawnSync(process.execPath, args, { stdio: 'ignore' })
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`)
    times.push(Number(process.hrtime.bigint() - started) / 1e6)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

const baseline = medianMs(['-e', '0'])
const rows = [
  ['node -e 0', baseline],
  ['hv --version', medianMs([hv, '--version'])],
  ['hv --help', medianMs([hv, '--help'])],
  ['hv settings show', medianMs([hv, 'settings', 'show'])],
]
console.log(`startup, median of ${runs} runs`)
for (const [name, ms] of rows) console.log(`${name.padEnd(18)} ${ms.toFixed(1).padStart(7)} ms  ${(ms / baseline).toFixed(2)}x`)
