#!/usr/bin/env node
// `hv vm list --json` over 200 defined (not running) domains, against `virsh list --all`
// and against what a script would do: `virsh list --all --name`, then `virsh dominfo` per
// domain. Median of repeated runs, printed as ratios.
// Targets: hv vm list <= node -e 0 + 3x virsh list --all, and >= 20x faster than the loop.
// Usage (as root): node bench/vm-list.mjs [--system] [runs] [loop-runs]   (defaults 15 and 3)
// Runs against a throw-away libvirtd (scripts/dev/isolated-libvirtd.sh); when that cannot
// start, or with --system, defines hv-bench-NNN domains on qemu:///system and undefines
// them afterwards (also when interrupted).
// Writes bench/results/vm-list.json. Exits 0 whether or not the targets are met.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CannotRun, cleanup, cleanups, fail, interruption } from './lib/cleanup.mjs'

const forceSystem = process.argv.includes('--system')
const positional = process.argv.slice(2).filter((arg) => arg !== '--system')
const runs = Number(positional[0] ?? 15)
const loopRuns = Number(positional[1] ?? 3)
const warmups = 2
const domains = 200
const prefix = 'hv-bench-'
const hv = fileURLToPath(new URL('../cli/bin/run.js', import.meta.url))
const isolatedScript = fileURLToPath(new URL('../scripts/dev/isolated-libvirtd.sh', import.meta.url))
const resultFile = fileURLToPath(new URL('./results/vm-list.json', import.meta.url))
const env = { ...process.env, NO_COLOR: '1', LC_ALL: 'C' }

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
const run = (command, args, options = {}) => spawnSync(command, args, { encoding: 'utf8', env, maxBuffer: 64 << 20, ...options })
const virsh = (uri, ...args) => run('virsh', ['-q', '-c', uri, ...args])

// ---- cleanup: idempotent, also on signals and errors ----

/** Lets a signal handler run between (synchronous) measurements, and stops after one. */
async function tick() {
  await new Promise((resolve) => setImmediate(resolve))
  if (interruption.signal) fail(`interrupted by ${interruption.signal}`)
}

const gone = (pid) => {
  try {
    process.kill(pid, 0)
  } catch {
    return true
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true
  }
}

/** SIGTERM, up to 5 s to exit, then SIGKILL; `child` is awaited so it is reaped. */
async function stop(pid, child) {
  const exited = child && child.exitCode === null && child.signalCode === null ? new Promise((resolve) => child.once('exit', resolve)) : Promise.resolve()
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    return
  }
  for (let i = 0; i < 100 && !gone(pid); i += 1) await new Promise((resolve) => setTimeout(resolve, 50))
  if (!gone(pid)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))])
}

// ---- where: a throw-away libvirtd, else qemu:///system ----
async function startIsolated(work) {
  if (process.getuid?.() !== 0) return { why: 'not root' }
  if (!existsSync(isolatedScript)) return { why: 'scripts/dev/isolated-libvirtd.sh not found' }
  const dir = join(work, 'libvirtd')
  mkdirSync(dir, { mode: 0o755 })
  const extra = join(work, 'extra.conf')
  writeFileSync(extra, '')
  const log = openSync(join(work, 'libvirtd.log'), 'w')
  const daemon = spawn(isolatedScript, [dir, extra], { detached: true, stdio: ['ignore', log, log] })
  daemon.unref()
  let virtlogd
  cleanups.push(async () => {
    if (virtlogd === undefined) virtlogd = readPid(join(dir, 'virtlogd.pid'))
    await stop(daemon.pid, daemon) // the script execs into libvirtd: same pid
    if (virtlogd !== undefined) await stop(virtlogd)
  })
  const uri = `qemu:///system?socket=${dir}/libvirt-sock`
  for (let i = 0; i < 150; i += 1) {
    if (daemon.exitCode !== null || daemon.signalCode !== null) break
    if (existsSync(join(dir, 'libvirt-sock')) && virsh(uri, 'uri').status === 0) {
      virtlogd = readPid(join(dir, 'virtlogd.pid'))
      return { uri }
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
    await tick()
  }
  const tail = readFileSync(join(work, 'libvirtd.log'), 'utf8').trim().split('\n').slice(-3).join(' / ')
  return { why: `isolated libvirtd did not answer within 15 s (${tail})` }
}

function readPid(file) {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim())
    return Number.isInteger(pid) && pid > 1 ? pid : undefined
  } catch {
    return undefined
  }
}

function useSystem() {
  const uri = 'qemu:///system'
  const listed = virsh(uri, 'list', '--all', '--name')
  if (listed.status !== 0) fail(`qemu:///system does not answer: ${listed.stderr.trim()}`)
  const leftovers = listed.stdout.split('\n').map((l) => l.trim()).filter((n) => n.startsWith(prefix))
  if (leftovers.length > 0) {
    fail(`${leftovers.length} ${prefix}* domains already exist on ${uri} (from an interrupted run?); ` +
      `remove them first: for n in $(virsh -c ${uri} list --all --name | grep '^${prefix}'); do virsh -c ${uri} undefine "$n"; done`)
  }
  cleanups.push(() => {
    const batch = names.map((name) => `undefine ${name}`).join(' ; ')
    virsh(uri, batch)
    const left = virsh(uri, 'list', '--all', '--name').stdout?.split('\n').map((l) => l.trim()).filter((n) => n.startsWith(prefix)) ?? []
    for (const name of left) virsh(uri, 'undefine', name)
    if (left.length > 0) console.error(`cleanup: undefined ${left.length} ${prefix}* domains one by one`)
  })
  return { uri }
}

// ---- the domains, written by hv's own XML builder ----
async function importDomainXml() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return (await import(`../cli/dist/lib/libvirt/domain-xml.js?attempt=${attempt}`)).domainXml
    } catch (error) {
      if (attempt >= 10) fail(`cannot load cli/dist (run npm run build in cli?): ${error.message}`)
      sleep(3000)
    }
  }
}

function waitForHv() {
  for (let attempt = 0; attempt <= 10; attempt += 1) {
    if (run(process.execPath, [hv, 'vm', 'list', '--help']).status === 0) return
    sleep(3000)
  }
  fail('node cli/bin/run.js vm list --help keeps failing (cli/dist missing or being rebuilt?)')
}

const owners = ['alice', 'bob', 'root']
const names = Array.from({ length: domains }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`)
/** Two domains in three carry hv's metadata (owner parsing); the rest look made by other tools. */
const ownerOf = (i) => (i % 3 === 2 ? undefined : owners[i % 3 === 0 ? 0 : 1 + (i % 2)])

async function defineDomains(uri, work) {
  const domainXml = await importDomainXml()
  const createdAt = new Date().toISOString()
  const files = names.map((name, i) => {
    let xml = domainXml({
      name, memoryMiB: 64, vcpus: 1, accel: 'tcg', firmware: 'bios',
      boot: { kind: 'kernel', kernel: '/boot/vmlinuz-hv-bench', cmdline: '' },
      disks: [], metadata: { owner: ownerOf(i) ?? 'nobody', createdAt, volumes: [] },
    })
    if (ownerOf(i) === undefined) xml = xml.replace(/\s*<metadata>[\s\S]*<\/metadata>/, '')
    const file = join(work, `${name}.xml`)
    writeFileSync(file, xml)
    return file
  })
  const defined = virsh(uri, files.map((file) => `define ${file}`).join(' ; '))
  if (defined.status !== 0) fail(`virsh define: ${defined.stderr.trim()}`)
  const listed = virsh(uri, 'list', '--all', '--name').stdout.split('\n').map((l) => l.trim())
  const missing = names.filter((name) => !listed.includes(name))
  if (missing.length > 0) fail(`${missing.length} domains were not defined (first: ${missing[0]})`)
}

// ---- measuring ----
class RunFailed extends Error {}
function timeOnce(command, args) {
  const started = process.hrtime.bigint()
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (result.signal === 'SIGINT' || result.signal === 'SIGTERM') {
    interruption.signal ??= result.signal
    fail(`interrupted by ${result.signal}`)
  }
  if (result.status !== 0) {
    const stderr = (result.stderr ?? '').trim().split('\n').slice(-2).join(' / ')
    throw new RunFailed(`${command === process.execPath ? 'node' : command} ${args.slice(0, 4).join(' ')} ... exited ${result.status ?? result.signal}: ${stderr}`)
  }
  return ms
}

/** When hv fails mid-series (cli/dist rebuilt under us), wait for it and start the series again. */
async function median(command, args, n, warm = warmups) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      for (let i = 0; i < warm; i += 1) timeOnce(command, args)
      const times = []
      for (let i = 0; i < n; i += 1) {
        await tick()
        times.push(timeOnce(command, args))
      }
      times.sort((a, b) => a - b)
      return { median: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1], runs: n }
    } catch (error) {
      if (!(error instanceof RunFailed) || args[0] !== hv || attempt >= 3) fail(error.message)
      console.error(`${error.message}; retrying that series`)
      waitForHv()
    }
  }
}

function checkHvOutput(uri, systemMode) {
  const out = run(process.execPath, [hv, 'vm', 'list', '--json', '--connect', uri])
  if (out.status !== 0) fail(`hv vm list --json exited ${out.status}: ${out.stderr.trim()}`)
  let parsed
  try {
    parsed = JSON.parse(out.stdout)
  } catch (error) {
    fail(`hv vm list --json printed no JSON: ${error.message}`)
  }
  const vms = (parsed.vms ?? parsed.result?.vms ?? []).filter((vm) => vm.name.startsWith(prefix))
  if (vms.length !== domains || (!systemMode && (parsed.vms ?? parsed.result?.vms).length !== domains)) {
    fail(`hv vm list --json listed ${vms.length} ${prefix}* VMs, expected ${domains}`)
  }
  const wrongOwners = vms.filter((vm) => (vm.owner ?? undefined) !== ownerOf(names.indexOf(vm.name)))
  if (wrongOwners.length > 0) fail(`hv vm list --json got ${wrongOwners.length} owners wrong (first: ${wrongOwners[0].name})`)
  const problems = vms.filter((vm) => vm.problem)
  if (problems.length > 0) fail(`hv could not read ${problems.length} domains (first: ${problems[0].problem})`)
}

// A domain that vanishes between the listing and its dominfo (someone else's, on
// qemu:///system) is skipped, as a script would; the listing itself must succeed.
const loopScript = 'names=$(virsh -q -c "$1" list --all --name) || exit 1; for n in $names; do virsh -q -c "$1" dominfo "$n" >/dev/null 2>&1; done; exit 0'

async function main() {
  if (!(runs >= 1) || !(loopRuns >= 1)) fail('usage: node bench/vm-list.mjs [--system] [runs] [loop-runs]')
  if (run('virsh', ['--version']).status !== 0) fail('virsh not found')
  waitForHv()
  const work = mkdtempSync(join(tmpdir(), 'hv-bench-vm-list-'))
  cleanups.push(() => rmSync(work, { recursive: true, force: true }))

  let where = forceSystem ? { why: '--system' } : await startIsolated(work)
  const mode = where.uri ? 'isolated libvirtd' : 'qemu:///system'
  if (!where.uri) {
    console.error(`isolated libvirtd unavailable (${where.why}); using qemu:///system with ${prefix}NNN domains`)
    where = useSystem()
  }
  const { uri } = where
  await tick()
  await defineDomains(uri, work)
  await tick()
  checkHvOutput(uri, mode !== 'isolated libvirtd')

  console.log(`vm list over ${domains} defined domains (${mode}), median of ${runs} runs (${loopRuns} for the loop)`)
  const node = await median(process.execPath, ['-e', '0'], runs)
  const list = await median('virsh', ['-q', '-c', uri, 'list', '--all'], runs)
  const hvList = await median(process.execPath, [hv, 'vm', 'list', '--json', '--connect', uri], runs)
  const loop = await median('bash', ['-c', loopScript, 'bash', uri], loopRuns, 1)

  const budget = node.median + 3 * list.median
  const result = {
    benchmark: 'vm-list',
    date: new Date().toISOString(),
    backend: mode,
    domains,
    node: process.version,
    virsh: run('virsh', ['--version']).stdout.trim(),
    cpus: cpus().length,
    ms: { nodeE0: node, virshListAll: list, hvVmListJson: hvList, dominfoLoop: loop },
    ratios: {
      hvOverVirshList: hvList.median / list.median,
      hvOverBudget: hvList.median / budget,
      loopOverHv: loop.median / hvList.median,
    },
    targets: {
      budgetMs: budget,
      hvWithinBudget: hvList.median <= budget,
      loopAtLeast20x: loop.median / hvList.median >= 20,
    },
  }
  const row = (name, ms, note = '') => console.log(`${name.padEnd(34)} ${ms.toFixed(1).padStart(8)} ms  ${note}`)
  row('node -e 0', node.median)
  row('virsh list --all', list.median)
  row('hv vm list --json', hvList.median, `${result.ratios.hvOverVirshList.toFixed(2)}x virsh list`)
  row('virsh list + dominfo per domain', loop.median, `${result.ratios.loopOverHv.toFixed(1)}x hv vm list`)
  const met = (ok) => (ok ? 'met' : 'NOT met')
  console.log(`target hv <= node + 3x virsh list = ${budget.toFixed(1)} ms: ${met(result.targets.hvWithinBudget)} (${result.ratios.hvOverBudget.toFixed(2)}x the budget)`)
  console.log(`target loop >= 20x hv: ${met(result.targets.loopAtLeast20x)} (${result.ratios.loopOverHv.toFixed(1)}x)`)

  mkdirSync(join(resultFile, '..'), { recursive: true })
  writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`)
  console.log(`\nbench/results/vm-list.json:\n${JSON.stringify(result, null, 2)}`)
}

let code = 0
try {
  await main()
} catch (error) {
  console.error(error instanceof CannotRun ? `vm-list bench could not run: ${error.message}` : error)
  code = interruption.signal === 'SIGINT' ? 130 : interruption.signal === 'SIGTERM' ? 143 : 1
}
await cleanup()
process.exit(code)
