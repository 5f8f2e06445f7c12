import { access } from 'node:fs/promises'
import { resolve } from 'node:path'
import { homedir, userInfo } from 'node:os'
import { Args, Flags } from '@oclif/core'
import { parseSize } from '../../lib/text/size.js'
import { readSshKeys } from '../../lib/cloud-init/seed.js'
import { type CreateResult, createVm } from '../../lib/vm/create.js'
import { createWithCloudInit, type ProvisionResult } from '../../lib/vm/provision.js'
import { type WaitResult, waitForVm } from '../../lib/vm/wait.js'
import { startWithConsole } from '../../lib/vm/console.js'
import { looksLikeAlias } from '../../lib/images/catalog.js'
import { type BaseImage, imageCacheDir, imagePool, pullImage } from '../../lib/images/store.js'
import { VmCommand } from '../../vm-command.js'
import { registryFlag } from '../../image-flags.js'

const fileExists = (path: string) => access(path).then(() => true, () => false)

/** Where the serialConsoleLogging feature keeps console logs (modules/security/console-logging.nix). */
const CONSOLE_LOG_DIRECTORY = '/var/log/hypervisor/consoles'

export default class VmCreate extends VmCommand {
  static override summary = 'create a VM from a disk image, an ISO, a kernel, or an empty disk'
  static override description = `Creates a VM in the storage pool of hv.json (default "hypervisor"):

  --image FILE   a qcow2 or raw image, imported once into the pool as a shared base; the VM gets a copy-on-write overlay (grown to --disk-size)
  --iso FILE     an installer ISO on a CD-ROM, with an empty disk of --disk-size
  --kernel FILE  direct kernel boot (with --initrd and --cmdline), optionally with an empty disk

The name is claimed atomically: when it is taken, nothing is created (exit 22). Firmware, Secure Boot, TPM, the guest agent channel and console logging default to what the host's features chose (hv.json). Acceleration: KVM when libvirt offers it, TCG (software emulation) otherwise.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> web --image debian:12 --memory 2G --disk-size 20G --start',
    '<%= config.bin %> <%= command.id %> web --image ./debian-12.qcow2 --memory 2G --vcpus 2 --disk-size 20G --start',
    '<%= config.bin %> <%= command.id %> installer --iso ./nixos.iso --disk-size 30G --firmware uefi --tpm',
    '<%= config.bin %> <%= command.id %> tiny --kernel ./vmlinuz --initrd ./initrd.img --cmdline "console=ttyS0" --accel tcg --start --console',
  ]
  static override args = { name: Args.string({ description: 'the new VM (1-63 letters, digits, dots, dashes, underscores)', required: true }) }
  static override flags = {
    image: Flags.string({ description: 'disk image to boot: a file (qcow2 or raw), or an alias such as debian:12 (pulled and verified first); used copy-on-write', exclusive: ['iso'] }),
    registry: registryFlag,
    iso: Flags.string({ description: 'ISO to boot from, on a CD-ROM', exclusive: ['image', 'kernel'] }),
    kernel: Flags.string({ description: 'kernel for direct kernel boot (with --image: boots that disk with this kernel)', exclusive: ['iso'] }),
    initrd: Flags.string({ description: 'initrd for --kernel', dependsOn: ['kernel'] }),
    cmdline: Flags.string({ description: 'kernel command line for --kernel', dependsOn: ['kernel'] }),
    memory: Flags.string({ description: 'memory: 512M, 2G (a plain number is MiB)', default: '1G' }),
    vcpus: Flags.integer({ description: 'virtual CPUs', default: 1, min: 1, max: 512 }),
    'disk-size': Flags.string({ description: 'disk size: 20G (a plain number is GiB); with --image, the overlay grows to it' }),
    network: Flags.string({ description: 'libvirt network for the VM (default: hv.json, else "default")' }),
    'no-network': Flags.boolean({ description: 'no network interface', default: false }),
    pool: Flags.string({ description: 'storage pool for the VM\'s volumes (default: hv.json, else "hypervisor")' }),
    firmware: Flags.string({ description: 'firmware (default: hv.json, else bios)', options: ['bios', 'uefi'] }),
    'secure-boot': Flags.boolean({ description: 'UEFI Secure Boot (needs --firmware uefi)', allowNo: true }),
    tpm: Flags.boolean({ description: 'an emulated TPM 2.0 (swtpm)', allowNo: true }),
    'guest-agent': Flags.boolean({ description: 'a channel for the QEMU guest agent', allowNo: true }),
    'console-log': Flags.boolean({ description: `log the serial console to ${CONSOLE_LOG_DIRECTORY}/NAME.log (default: hv.json)`, allowNo: true }),
    accel: Flags.string({ description: 'acceleration: auto picks KVM when libvirt offers it', options: ['auto', 'kvm', 'tcg'], default: 'auto' }),
    'ssh-key': Flags.string({ description: 'a public key file for the VM\'s user (repeatable; default: your ~/.ssh/id_*.pub)', multiple: true }),
    user: Flags.string({ description: 'the user cloud-init creates, with passwordless sudo (default: your user name)' }),
    'user-data': Flags.string({ description: 'your own cloud-config, merged into hv\'s' }),
    'no-cloud-init': Flags.boolean({ description: 'no cloud-init seed (images without cloud-init)', default: false }),
    wait: Flags.string({
      description: 'start the VM and wait: cloud-init (it reports its address and SSH host key), ip (its DHCP lease), ssh (its lease and port 22)',
      options: ['cloud-init', 'ip', 'ssh'],
    }),
    timeout: Flags.integer({ description: 'seconds to wait with --wait', default: 900, min: 1 }),
    start: Flags.boolean({ description: 'start the VM once created', default: false }),
    console: Flags.boolean({ description: 'attach to its serial console after starting (implies --start)', default: false }),
  }

  async run(): Promise<(CreateResult | ProvisionResult) & { waited?: WaitResult }> {
    const { args, flags } = await this.parse(VmCreate)
    const target = await this.target(flags.connect)
    const absolute = (path: string | undefined) => (path === undefined ? undefined : resolve(path))
    const defaults = target.defaults
    let image = absolute(flags.image)
    let baseImage: BaseImage | undefined
    if (flags.image && looksLikeAlias(flags.image) && !(await fileExists(image!))) {
      await this.note(`pulling ${flags.image} (verified against its published checksum)`)
      const pulled = await pullImage({ reference: flags.image, insecure: false, registry: flags.registry ?? target.imageRegistry }, imageCacheDir(), await imagePool(target.uri, flags.pool ?? target.pool))
      if (pulled.base) {
        image = undefined
        baseImage = pulled.base
      } else image = pulled.path
    }
    const firmware = (flags.firmware as 'bios' | 'uefi' | undefined) ?? defaults.firmware ?? 'bios'
    const request = {
        name: args.name,
        pool: flags.pool ?? target.pool,
        memoryMiB: Math.round(parseSize(flags.memory, 'M', '--memory') / 1024 / 1024),
        vcpus: flags.vcpus,
        diskSizeBytes: flags['disk-size'] === undefined ? undefined : parseSize(flags['disk-size'], 'G', '--disk-size'),
        image,
        baseImage,
        iso: absolute(flags.iso),
        kernel: absolute(flags.kernel),
        initrd: absolute(flags.initrd),
        cmdline: flags.cmdline ?? '',
        network: flags['no-network'] ? undefined : (flags.network ?? target.network),
        firmware,
        secureBoot: flags['secure-boot'] ?? (firmware === 'uefi' && (defaults.secureBoot ?? false)),
        tpm: flags.tpm ?? defaults.tpm ?? false,
        guestAgent: flags['guest-agent'] ?? defaults.guestAgent ?? false,
        // The serialConsoleLogging feature: virtlogd keeps the console in the host's log directory.
        serialLog: (flags['console-log'] ?? defaults.serialConsoleLog ?? false) ? `${CONSOLE_LOG_DIRECTORY}/${args.name}.log` : undefined,
        accel: flags.accel as 'auto' | 'kvm' | 'tcg',
        owner: userInfo().username,
        start: (flags.start || flags.console || flags.wait === 'ip' || flags.wait === 'ssh') && !(flags.console && !this.jsonEnabled()),
    }
    const say = (message: string) => this.note(message)
    const cloudInit = !flags['no-cloud-init'] && (flags.image !== undefined || flags['ssh-key'] !== undefined || flags['user-data'] !== undefined || flags.wait === 'cloud-init')
    let result: CreateResult | ProvisionResult
    if (cloudInit) {
      const keys = await readSshKeys(flags['ssh-key'] ?? [], { home: homedir() })
      if (keys.discovered.length > 0) this.logToStderr(this.theme.warning(`${this.theme.symbols.warn} no --ssh-key given: using ${keys.discovered.join(', ')}`))
      result = await createWithCloudInit(
        target.uri,
        request,
        {
          user: flags.user ?? userInfo().username,
          sshKeys: keys.keys,
          userDataFile: absolute(flags['user-data']),
          wait: flags.wait === 'cloud-init',
          timeoutMs: flags.timeout * 1000,
          phoneHomePorts: target.phoneHomePorts,
        },
        say,
      )
    } else {
      result = await createVm(target.uri, request, say)
    }
    let waited: WaitResult | undefined
    if (flags.wait === 'ip' || flags.wait === 'ssh') {
      await this.note(`waiting for ${result.name}: ${flags.wait}`)
      waited = await waitForVm(target.uri, result.name, flags.wait, flags.timeout * 1000)
    }
    this.log(`${this.theme.symbols.ok} ${result.name} created${result.started ? ' and started' : ''} (${result.accel === 'kvm' ? 'KVM' : 'TCG'}, ${result.firmware.toUpperCase()})`)
    if ('readiness' in result && result.readiness) this.log(`  ready in ${result.readySeconds} s at ${result.readiness.address}: hv vm ssh ${result.name}`)
    if (waited) this.log(`  ${waited.for} after ${waited.seconds} s: ${waited.address}`)
    if (waited) return { ...result, waited }
    if (flags.console && !this.jsonEnabled()) await startWithConsole(target.uri, result.name, (text) => this.logToStderr(this.theme.muted(text)))
    else if (!result.started) this.log(`  start it: hv vm start ${result.name}`)
    return result
  }
}
