/**
 * Whether NixOS test VMs get KVM here. The test driver asks QEMU for `accel=kvm:tcg`: when
 * KVM cannot start, QEMU falls back to TCG, which works but is many times slower. A PVM-only
 * KVM (a guest-side KVM for nested use, as on this project's CI machines) starts, yet stock
 * kernels crash or crawl under it, so /dev/kvm alone proves nothing.
 */
import { constants, existsSync } from 'node:fs'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { run, which } from '../../exec.js'

export interface KvmReport {
  /** kvm: works; tcg: VMs will run under TCG; unusable: KVM starts but guests will not run well; unverified: present, not tried. */
  accelerator: 'kvm' | 'tcg' | 'unusable' | 'unverified'
  /** One sentence for the summary: what was found and what it means for the tests. */
  detail: string
}

export interface KvmProbeOptions {
  device?: string
  /** Where loaded kernel modules appear (kvm_pvm when the KVM is PVM-only). */
  sysModules?: string
  /** The QEMU to try KVM with; default qemu-system-<this machine's architecture>. */
  qemu?: string
}

function qemuForArch(arch: string = process.arch): string {
  return arch === 'arm64' ? 'qemu-system-aarch64' : 'qemu-system-x86_64'
}

const TCG = 'NixOS VM tests will fall back to TCG (slow: expect several times longer)'

export async function detectKvm(options: KvmProbeOptions = {}): Promise<KvmReport> {
  const device = options.device ?? '/dev/kvm'
  if (!existsSync(device)) return { accelerator: 'tcg', detail: `no ${device}: ${TCG}` }
  if (existsSync(join(options.sysModules ?? '/sys/module', 'kvm_pvm'))) {
    return {
      accelerator: 'unusable',
      detail: `${device} is a PVM-only KVM (kernel module kvm_pvm): QEMU starts with it but stock guest kernels crash or crawl; run the NixOS VM tests on a host with hardware virtualization`,
    }
  }
  try {
    await access(device, constants.R_OK | constants.W_OK)
  } catch {
    return { accelerator: 'tcg', detail: `${device} is not usable by this user (join group kvm): ${TCG}` }
  }
  const qemu = await which(options.qemu ?? qemuForArch())
  if (!qemu) return { accelerator: 'unverified', detail: `KVM device present but unverified (no ${options.qemu ?? qemuForArch()} here to try it)` }
  // A machine without CPUs, controlled over QMP on stdin: QEMU initialises KVM, then quits.
  const result = await run(qemu, ['-machine', 'none,accel=kvm', '-nodefaults', '-display', 'none', '-qmp', 'stdio'], {
    input: '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n',
    timeoutMs: 10_000,
    allowedExitCodes: [1],
  }).catch((error: unknown) => ({ exitCode: -1, stdout: '', stderr: error instanceof Error ? error.message : String(error) }))
  if (result.exitCode === 0) return { accelerator: 'kvm', detail: `KVM works (${qemu} started a KVM machine)` }
  const why = result.stderr.trim().split('\n').pop() ?? 'QEMU could not start KVM'
  return { accelerator: 'tcg', detail: `${device} is present but QEMU cannot use it (${why}): ${TCG}` }
}
