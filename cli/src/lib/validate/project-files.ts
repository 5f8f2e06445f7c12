/**
 * The files `hv dev validate` looks at, relative to the project root: what git tracks
 * (plus untracked files not ignored), or a walk of the tree when there is no git.
 */
import { execFile } from 'node:child_process'
import { open, readdir, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules', 'dist', 'result', 'test-results'])

export interface ProjectFiles {
  root: string
  /** Every file, relative, `/`-separated, sorted. */
  all: string[]
  /** Bash scripts: `*.sh` under scripts/ and tests/, and executables whose shebang names bash. */
  scripts: string[]
  /** `.nix` files of modules/, tests/, packages/ and flake.nix. */
  nix: string[]
}

/** Every file under `dir` (none when it does not exist), relative to `root` and `/`-separated; directories named in `skip` are left out. */
export async function walkFiles(root: string, dir: string, skip: ReadonlySet<string> = SKIPPED_DIRECTORIES): Promise<string[]> {
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return []
  }
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) return skip.has(entry.name) ? [] : walkFiles(root, path, skip)
      return entry.isFile() ? [relative(root, path).split(sep).join('/')] : []
    }),
  )
  return nested.flat()
}

async function listFiles(root: string): Promise<string[]> {
  try {
    const { stdout } = await execFileAsync('git', ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { maxBuffer: 64 * 1024 * 1024 })
    const files = stdout.split('\0').filter((file) => file.length > 0 && !file.split('/').some((part) => SKIPPED_DIRECTORIES.has(part)))
    // git lists deleted-but-tracked files too: keep what exists.
    const present = await Promise.all(files.map(async (file) => ((await readable(join(root, file))) ? file : undefined)))
    return present.filter((file): file is string => file !== undefined)
  } catch {
    return walkFiles(root, root)
  }
}

async function readable(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

async function hasBashShebang(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'r')
    try {
      const buffer = Buffer.alloc(64)
      const { bytesRead } = await handle.read(buffer, 0, 64, 0)
      return /^#!\s*\S*(\/bash|\/env\s+bash)\b/.test(buffer.subarray(0, bytesRead).toString('utf8'))
    } finally {
      await handle.close()
    }
  } catch {
    return false
  }
}

export async function projectFiles(root: string): Promise<ProjectFiles> {
  const all = (await listFiles(root)).sort()
  const inScriptDirs = (file: string) => file.startsWith('scripts/') || file.startsWith('tests/')
  const candidates = all.filter((file) => inScriptDirs(file) && !file.endsWith('.nix') && !file.endsWith('.md'))
  const shebangs = await Promise.all(candidates.map(async (file) => (file.endsWith('.sh') || (await hasBashShebang(join(root, file))) ? file : undefined)))
  const scripts = shebangs.filter((file): file is string => file !== undefined && (file.endsWith('.sh') || !file.includes('.')))
  const nix = all.filter((file) => file.endsWith('.nix') && (file === 'flake.nix' || /^(modules|tests|packages)\//.test(file)))
  return { root, all, scripts, nix }
}

/** Whether `file` lies under one of `paths` (project-relative; empty = everything). */
export function selectedBy(paths: readonly string[]): (file: string) => boolean {
  if (paths.length === 0) return () => true
  const prefixes = paths.map((path) => path.replace(/\/+$/, ''))
  return (file) => prefixes.some((prefix) => prefix === '' || prefix === '.' || file === prefix || file.startsWith(`${prefix}/`))
}
