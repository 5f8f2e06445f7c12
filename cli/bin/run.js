#!/usr/bin/env node
// hv's entry point. `hv --version` is answered here without loading oclif (in
// oclif's own format): scripts call it to probe for hv, and it should cost
// little more than starting node.
import { readFileSync } from 'node:fs'

const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const { name, version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  // Node 22.1+ caches compiled code between runs (NixOS ships Node 22); a no-op on Node 20.
  const { default: nodeModule } = await import('node:module')
  nodeModule.enableCompileCache?.()
  const { main } = await import('../dist/entry.js')
  process.exitCode = await main(argv, import.meta.url)
}
