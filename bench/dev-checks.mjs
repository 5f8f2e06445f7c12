#!/usr/bin/env node
// `hv dev validate` and `hv dev check-docs` over this repository, cold (an empty result
// cache) and warm (the cache of the previous run), against what a CI step would otherwise
// run by hand: `shellcheck -S warning -x` on every script plus `nix-instantiate --parse` on
// every Nix file (two processes, all files each). Medians of repeated runs, as seconds and
// ratios. Target: each hv command <= 2 s warm.
// Usage: node bench/dev-checks.mjs [runs]   (default 5)
// Writes bench/results/dev-checks.json. Exits 0 whether or not the target is met.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CannotRun, cleanup, cleanups, fail } from './lib/cleanup.mjs'

const runs = Number(process.argv[2] ?? 5)
const root = fileURLToPath(new URL('..', import.meta.url))
const hv = join(root, 'cli', 'bin', 'run.js')
const resultFile = join(root, 'bench', 'results', 'dev-checks.json')
const TARGET_MS = 2000

function files(dir, keep) {
  const found = []
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) found.push(...(['node_modules', 'dist', '.git'].includes(entry.name) ? [] : files(path, keep)))
    else if (keep(path)) found.push(path)
  }
  return found
}

/** Wall time of one run in ms; `ok` says which exit statuses are answers rather than failures. */
function timeOnce(command, args, env, ok = [0]) {
  const started = process.hrtime.bigint()
  const result = spawnSync(command, args, { cwd: root, env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', maxBuffer: 64 << 20 })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (result.error || !ok.includes(result.status)) fail(`${command} ${args.slice(0, 3).join(' ')} exited ${result.status ?? result.error?.message}: ${(result.stderr || result.stdout || '').trim().split('\n').slice(-2).join(' / ')}`)
  return ms
}

const median = (times) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]

async function main() {
  if (spawnSync(process.execPath, [hv, 'dev', 'validate', '--help'], { encoding: 'utf8' }).status !== 0) fail('hv dev validate is not built: run npm run build in cli/')
  const work = mkdtempSync(join(tmpdir(), 'hv-bench-dev-'))
  cleanups.push(() => rmSync(work, { recursive: true, force: true }))
  const scripts = files('scripts', (path) => path.endsWith('.sh') && !path.includes('tiny-guest')).concat(['tests/run_all_tests.sh'])
  const nixFiles = ['flake.nix', ...files('modules', (path) => path.endsWith('.nix')), ...files('tests', (path) => path.endsWith('.nix')), ...files('packages', (path) => path.endsWith('.nix'))]
  const nixEnv = { NIX_CONFIG: 'build-users-group =\nsubstituters =' }

  const times = { validateCold: [], validateWarm: [], checkDocs: [], rawTools: [] }
  for (let round = 0; round <= runs; round += 1) {
    const cache = join(work, `cache-${round}`)
    const cold = timeOnce(process.execPath, [hv, 'dev', 'validate'], { HV_VALIDATE_CACHE: cache }, [0, 5])
    const warm = timeOnce(process.execPath, [hv, 'dev', 'validate'], { HV_VALIDATE_CACHE: cache }, [0, 5])
    const docs = timeOnce(process.execPath, [hv, 'dev', 'check-docs'], { HV_VALIDATE_CACHE: cache }, [0, 5])
    const raw =
      timeOnce('shellcheck', ['-S', 'warning', '-x', ...scripts], {}, [0, 1]) + timeOnce('nix-instantiate', ['--store', 'dummy://', '--parse', ...nixFiles], nixEnv, [0, 1])
    if (round === 0) continue // warm-up: the page cache, node's compile cache
    times.validateCold.push(cold)
    times.validateWarm.push(warm)
    times.checkDocs.push(docs)
    times.rawTools.push(raw)
  }
  const ms = Object.fromEntries(Object.entries(times).map(([name, list]) => [name, Math.round(median(list))]))
  const result = {
    benchmark: 'dev-checks',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    runs,
    files: { scripts: scripts.length, nix: nixFiles.length },
    medianMs: ms,
    ratios: {
      validateWarmOverRawTools: +(ms.validateWarm / ms.rawTools).toFixed(2),
      validateColdOverRawTools: +(ms.validateCold / ms.rawTools).toFixed(2),
    },
    targets: { validateWarmAtMost2s: ms.validateWarm <= TARGET_MS, checkDocsAtMost2s: ms.checkDocs <= TARGET_MS },
  }
  mkdirSync(join(root, 'bench', 'results'), { recursive: true })
  writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`)
  console.log(JSON.stringify(result, null, 2))
}

try {
  await main()
} catch (error) {
  console.error(error instanceof CannotRun ? `cannot run: ${error.message}` : error)
  process.exitCode = 1
} finally {
  await cleanup()
}
