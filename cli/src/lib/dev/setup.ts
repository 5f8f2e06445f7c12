/**
 * `hv dev setup`: turns a Debian/Ubuntu machine into a Hyper-NixOS dev machine.
 * Every step is idempotent; the system-changing work is done by the scripts in
 * scripts/ (the Script Pattern), so CI and a developer run the same code.
 */
import { join } from 'node:path'
import { ExitCode } from '../errors/exit-codes.js'
import { HvError, permissionDenied } from '../errors/hv-error.js'
import { run, which } from '../exec.js'
import { detectPlatform, type Platform } from './platform.js'

export interface SetupStep {
  id: string
  title: string
  why: string
  script: string[]
  /** True when the script prints a result path on stdout. */
  printsPath?: boolean
}

export interface StepReport {
  id: string
  title: string
  result?: string
}

export interface SetupOptions {
  projectRoot: string
  operator: string
  cloudGuest: boolean
  /** Show the scripts' progress live (off under --json). */
  showProgress: boolean
  onStep?: (step: SetupStep) => Promise<void>
}

export interface SetupResult {
  platform: Platform
  operator: string
  steps: StepReport[]
  guests: { tiny?: string; cloud?: string }
}

/** The commands a dev machine needs, for platforms where we cannot install them. */
export const REQUIRED_COMMANDS = ['node', 'npm', 'virsh', 'libvirtd', 'qemu-system-x86_64', 'qemu-img', 'nix-instantiate', 'shellcheck']

export function setupSteps(options: Pick<SetupOptions, 'operator' | 'cloudGuest'>): SetupStep[] {
  const steps: SetupStep[] = [
    {
      id: 'packages',
      title: 'Install Debian packages',
      why: 'libvirt, QEMU, polkit, Nix, shellcheck and the guest builders (list: scripts/dev/apt-packages.txt).',
      script: ['scripts/dev/install-packages.sh'],
    },
    {
      id: 'cli',
      title: 'Install npm dependencies and build hv',
      why: 'npm ci when cli/package-lock.json changed, a rebuild of cli/dist when a source changed.',
      script: ['scripts/dev/build-cli.sh'],
    },
    {
      id: 'link',
      title: 'Put hv on the PATH',
      why: 'Links /usr/local/bin/hv to this checkout, so every account (the operator too) can type hv. An existing hv that is not a link is left alone.',
      script: ['scripts/dev/link-hv.sh'],
    },
    {
      id: 'services',
      title: 'Start libvirtd',
      why: 'Without systemd, dbus, polkitd, virtlogd and libvirtd are started by hand, so polkit really decides who may connect to qemu:///system.',
      script: ['scripts/dev/start-services.sh'],
    },
    {
      id: 'polkit',
      title: 'Install the Hyper-NixOS polkit rules',
      why: 'The rules a Hyper-NixOS host gets (modules/security/polkit-rules.nix, setup phase): only root and members of hypervisor-operators may connect to libvirt.',
      script: ['scripts/dev/install-polkit-rules.sh', 'setup'],
    },
    {
      id: 'pool',
      title: 'Create the storage pool "hypervisor"',
      why: 'The pool a Hyper-NixOS host defines at boot (/var/lib/hypervisor/images): hv vm keeps its disks, overlays and seeds there as libvirt volumes.',
      script: ['scripts/dev/create-storage-pool.sh'],
    },
    {
      id: 'operator',
      title: `Create the operator account ${options.operator}`,
      why: 'An unprivileged member of hypervisor-operators runs the tests and the demo, as an operator would: no sudo for VM work. In the setup phase that access is root-equivalent on a read-write socket: keep such accounts to test machines.',
      script: ['scripts/dev/create-operator.sh', options.operator],
    },
    {
      id: 'tiny-guest',
      title: 'Build the tiny test guest',
      why: 'A Debian kernel and a busybox initramfs (apt-get download + dpkg -x, no host changes) that boots in seconds under TCG and powers off on ACPI shutdown.',
      script: ['scripts/guests/build-tiny-guest.sh'],
      printsPath: true,
    },
  ]
  if (options.cloudGuest) {
    steps.push({
      id: 'cloud-guest',
      title: 'Build the cloud test guest',
      why: 'A debootstrap Debian with systemd, openssh-server and cloud-init, for cloud-init and SSH tests (cached; the first build takes a few minutes).',
      script: ['scripts/guests/build-cloud-guest.sh'],
      printsPath: true,
    })
  }
  return steps
}

async function requirePlatform(): Promise<Platform> {
  const platform = await detectPlatform()
  if (platform.kind === 'nixos') {
    throw new HvError('USE_NIX_DEVELOP', 'on NixOS the dev environment comes from the flake, not from hv dev setup', {
      exitCode: ExitCode.MISSING_DEPENDENCY,
      suggestions: ['nix develop   # node, libvirt, qemu, shellcheck and the nix tools', 'enable hypervisor in your host configuration to run libvirtd'],
    })
  }
  if (platform.kind === 'other') {
    const missing: string[] = []
    for (const command of REQUIRED_COMMANDS) if (!(await which(command))) missing.push(command)
    throw new HvError(
      'UNSUPPORTED_PLATFORM',
      `hv dev setup installs packages on Debian and Ubuntu only; on ${platform.name} ${
        missing.length > 0 ? `these commands are missing: ${missing.join(', ')}` : 'every required command is present'
      }`,
      { exitCode: ExitCode.MISSING_DEPENDENCY, suggestions: ['install the missing commands with your package manager', 'or use nix develop'] },
    )
  }
  return platform
}

export async function runSetup(options: SetupOptions): Promise<SetupResult> {
  const platform = await requirePlatform()
  if (process.getuid?.() !== 0) {
    throw permissionDenied('hv dev setup installs packages, starts system services and creates a user account: it needs root', [
      'sudo hv dev setup',
    ])
  }
  const result: SetupResult = { platform, operator: options.operator, steps: [], guests: {} }
  for (const step of setupSteps(options)) {
    await options.onStep?.(step)
    const [script, ...args] = step.script
    const { stdout } = await run(join(options.projectRoot, script ?? ''), args, {
      cwd: options.projectRoot,
      inheritStderr: options.showProgress,
      env: { HV_OPERATOR: options.operator },
    })
    const report: StepReport = { id: step.id, title: step.title }
    if (step.printsPath) report.result = stdout.trim().split('\n').pop()
    if (step.id === 'tiny-guest') result.guests.tiny = report.result
    if (step.id === 'cloud-guest') result.guests.cloud = report.result
    result.steps.push(report)
  }
  return result
}
