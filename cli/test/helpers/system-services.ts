import { type ChildProcess, spawn } from 'node:child_process'
import { watch } from 'node:fs'
import { chmod, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { PROJECT_ROOT } from './project.js'

/** Resolves with the first line of a process's stdout that matches, or rejects on timeout. */
function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    const timer = setTimeout(() => {
      lines.close()
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
    }, timeoutMs)
    lines.on('line', (line) => {
      if (!pattern.test(line)) return
      clearTimeout(timer)
      lines.close()
      resolve(line)
    })
  })
}

/**
 * Installs a polkit rules file and resolves once polkitd has reloaded its rules: it
 * announces that with the Authority's `Changed` signal on the system bus. The file is
 * renamed into place so polkitd sees it whole, in one event.
 */
export async function installPolkitRules(path: string, rules: string, timeoutMs = 15_000): Promise<void> {
  const monitor = spawn('dbus-monitor', ['--system', "type='signal',interface='org.freedesktop.PolicyKit1.Authority',member='Changed'"], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    // dbus-monitor prints NameAcquired once it is on the bus, before any Changed.
    await waitForLine(monitor, /member=NameAcquired/, 'dbus-monitor to connect', timeoutMs)
    const staged = join(dirname(dirname(path)), `.${basename(path)}.staged`)
    await writeFile(staged, rules, { mode: 0o644 })
    const changed = waitForLine(monitor, /member=Changed/, 'polkitd to reload its rules', timeoutMs)
    await rename(staged, path)
    await changed
  } finally {
    monitor.kill()
  }
}

/** Removes a rules file and waits for polkitd to reload without it. */
export async function removePolkitRules(path: string, timeoutMs = 15_000): Promise<void> {
  const monitor = spawn('dbus-monitor', ['--system', "type='signal',interface='org.freedesktop.PolicyKit1.Authority',member='Changed'"], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    await waitForLine(monitor, /member=NameAcquired/, 'dbus-monitor to connect', timeoutMs)
    const changed = waitForLine(monitor, /member=Changed/, 'polkitd to reload its rules', timeoutMs)
    await rm(path, { force: true })
    await changed
  } finally {
    monitor.kill()
  }
}

export interface IsolatedLibvirtd {
  uri: string
  stop(): Promise<void>
}

/**
 * Starts a throw-away libvirtd in a private mount namespace (scripts/dev/isolated-libvirtd.sh)
 * with extra libvirtd.conf lines, and resolves when its socket appears (inotify on its
 * directory). Its domains, networks and state vanish when it stops.
 */
export async function startIsolatedLibvirtd(extraConfig: string, timeoutMs = 30_000): Promise<IsolatedLibvirtd> {
  const dir = await mkdtemp(join(tmpdir(), 'hv-libvirtd-'))
  await chmod(dir, 0o755)
  const configFile = join(dir, 'extra.conf')
  await writeFile(configFile, extraConfig)
  const socket = join(dir, 'libvirt-sock')

  const appeared = new Promise<void>((resolve, reject) => {
    const watcher = watch(dir, (_event, name) => {
      if (name !== 'libvirt-sock') return
      clearTimeout(timer)
      watcher.close()
      resolve()
    })
    const timer = setTimeout(() => {
      watcher.close()
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${socket}`))
    }, timeoutMs)
  })
  const daemon = spawn(join(PROJECT_ROOT, 'scripts', 'dev', 'isolated-libvirtd.sh'), [dir, configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  })
  let stderr = ''
  daemon.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<never>((_resolve, reject) =>
    daemon.once('exit', (code) => reject(new Error(`isolated libvirtd exited (${code}) before its socket appeared:\n${stderr}`))),
  )
  exited.catch(() => undefined) // once running, a later exit is stop()'s business
  await Promise.race([appeared, exited])

  return {
    uri: `qemu:///system?socket=${socket}`,
    async stop() {
      const gone = new Promise((resolve) => daemon.once('exit', resolve))
      if (daemon.exitCode === null) process.kill(-daemon.pid!, 'SIGTERM')
      await gone
      // virtlogd daemonised inside the namespace; its pid file is in our directory.
      await readFile(join(dir, 'virtlogd.pid'), 'utf8')
        .then((pid) => process.kill(Number(pid.trim()), 'SIGTERM'))
        .catch(() => undefined)
      await rm(dir, { recursive: true, force: true })
    },
  }
}
