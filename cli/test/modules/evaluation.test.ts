import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { HostConfig } from '../../src/lib/config/schemas.js'
import { FeaturesReport } from '../../src/lib/features/schema.js'
import { SecurityReport } from '../../src/lib/security/schema.js'
import { expectGolden, findNixpkgsLib, nixEval, nixEvalError } from '../helpers/nix.js'

/**
 * The modules evaluated as NixOS would, with nixpkgs' lib (`lib.evalModules`) and
 * tests/eval/nixos-interface.nix, which declares with nixpkgs' own types exactly the NixOS
 * options our modules set: a misspelt option is an error here. Packages are the stand-ins
 * of tests/eval/stub-pkgs.nix (nixpkgs itself cannot be fetched on our machines); full
 * NixOS evaluation and the VM tests run as flake checks where it can (tests/nixos).
 */

const libPath = await findNixpkgsLib()
if (!libPath) {
  console.warn(
    '[skip] evaluation tests: no nixpkgs lib on Nix\'s search path (<nixpkgs/lib>). Enable them with NIX_PATH=nixpkgs=/path/to/nixpkgs.lib ' +
      '(a checkout of github.com/nix-community/nixpkgs.lib, or any nixpkgs); on NixOS the host\'s nixpkgs is used.',
  )
}

interface Registry {
  features: Record<string, { risk: string; dependencies: string[]; configures: string[]; default: boolean }>
}

/** Evaluates `select` (an expression over `host`, the harness result) for a host configuration. */
function evalHost<T>(configuration: string, select: string): Promise<T> {
  return nixEval<T>(`let host = import ./tests/eval/eval-host.nix { configuration = ${configuration}; }; in ${select}`)
}

const enabled = (config: string) => `{ hypervisor.enable = true; ${config} }`
const HARDENED = 'hypervisor.security.phase = "hardened"; users.users.admin = { isNormalUser = true; extraGroups = [ "wheel" ]; };'

/** What each feature needs besides `enable` to evaluate cleanly on its own. */
const FEATURE_PARAMETERS: Record<string, string> = {
  gpuPassthrough: 'hypervisor.features.gpuPassthrough.pciIds = [ "10de:1b80" ];',
  bridgedNetworking: 'hypervisor.features.bridgedNetworking.bridges.br-lab.interfaces = [ "eno2" ];',
  publicBridge: 'hypervisor.features.publicBridge.uplink = "eno1"; hypervisor.features.kernelHardening.enable = false;',
  remoteManagement:
    'hypervisor.features.remoteManagement = { caFile = "/var/lib/hypervisor/pki/ca.pem"; certFile = "/var/lib/hypervisor/pki/server.pem"; keyFile = "/var/lib/hypervisor/pki/server-key.pem"; };',
}

/** `a.b."c/d".e` → a Nix list of attribute names. */
function attrPath(dotted: string): string {
  const parts = dotted.match(/"[^"]*"|[^.]+/g) ?? []
  return `[ ${parts.map((part) => (part.startsWith('"') ? part : `"${part}"`)).join(' ')} ]`
}

describe.skipIf(!libPath)('module evaluation with nixpkgs lib', () => {
  it('importing the modules without hypervisor.enable changes nothing', async () => {
    const result = await evalHost<{ etc: string[]; libvirtd: boolean; failed: string[] }>(
      '{ }',
      '{ etc = builtins.attrNames host.etc; libvirtd = host.config.virtualisation.libvirtd.enable; failed = host.failedAssertions; }',
    )
    expect(result).toEqual({ etc: [], libvirtd: false, failed: [] })
  })

  it('defaults: libvirtd, polkit, the phase files, features.json, hv.json, the pool and the NAT network', async () => {
    const host = await evalHost<{
      failed: string[]
      warnings: string[]
      etc: Record<string, string>
      libvirtd: { enable: boolean; runAsRoot: boolean; extraConfig: string }
      polkit: boolean
      operatorGroup: string[]
      objects: { kind: string; name: string }[]
      firewallNat: { allowedUDPPorts: number[]; allowedTCPPorts: number[]; allowedTCPPortRanges: unknown[] }
    }>(
      enabled(''),
      `{ failed = host.failedAssertions; inherit (host) warnings etc;
         libvirtd = { inherit (host.config.virtualisation.libvirtd) enable extraConfig; inherit (host.config.virtualisation.libvirtd.qemu) runAsRoot; };
         polkit = host.config.security.polkit.enable;
         operatorGroup = host.config.users.groups.hypervisor-operators.members;
         objects = map (o: { inherit (o) kind name; }) host.config.hypervisor.libvirtObjects;
         firewallNat = host.config.networking.firewall.interfaces.virbr0; }`,
    )
    expect(host.failed).toEqual([])
    expect(host.warnings).toEqual([])
    expect(host.libvirtd).toEqual({ enable: true, runAsRoot: false, extraConfig: '' })
    expect(host.polkit).toBe(true)
    expect(host.operatorGroup).toEqual([])
    expect(host.objects).toHaveLength(2)
    expect(host.objects).toEqual(expect.arrayContaining([
      { kind: 'pool', name: 'hypervisor' },
      { kind: 'network', name: 'default' },
    ]))
    expect(host.firewallNat).toEqual({ allowedUDPPorts: [53, 67], allowedTCPPorts: [53], allowedTCPPortRanges: [{ from: 42420, to: 42439 }] })
    expect(Object.keys(host.etc).sort()).toEqual([
      'hypervisor/.phase-setup',
      'hypervisor/features.json',
      'hypervisor/hv.json',
      'hypervisor/libvirt/network-default.xml',
      'hypervisor/libvirt/pool-hypervisor.xml',
      'hypervisor/phase',
      'hypervisor/security.json',
      'polkit-1/rules.d/05-hypervisor.rules',
    ])
    expect(host.etc['hypervisor/phase']).toBe('setup\n')
    expect(JSON.parse(host.etc['hypervisor/hv.json']!)).toEqual({
      uri: 'qemu:///system',
      storagePool: 'hypervisor',
      network: 'default',
      defaults: { firmware: 'uefi', secureBoot: false, tpm: false, guestAgent: true, serialConsoleLog: false },
      phoneHomePorts: { from: 42420, to: 42439 },
    })
    const featuresJson = host.etc['hypervisor/features.json']!
    expect(JSON.parse(featuresJson)).toEqual(await nixEval('(import ./modules/features/resolve.nix { }).report'))
    expect(featuresJson).toBe(await expectGolden('features-default.json', featuresJson))
    expect(host.etc['polkit-1/rules.d/05-hypervisor.rules']).toBe(await expectGolden('polkit-setup.rules', ''.concat(host.etc['polkit-1/rules.d/05-hypervisor.rules']!)))
    expect(host.etc['hypervisor/libvirt/pool-hypervisor.xml']).toBe(await expectGolden('pool-hypervisor.xml', host.etc['hypervisor/libvirt/pool-hypervisor.xml']!))
    expect(host.etc['hypervisor/libvirt/network-default.xml']).toBe(await expectGolden('network-default.xml', host.etc['hypervisor/libvirt/network-default.xml']!))
  })

  it.each([
    ['setup', enabled('')],
    ['hardened', enabled(`${HARDENED} services.openssh.enable = true; hypervisor.features.tpm.enable = true; hypervisor.cli.imageRegistry = "http://mirror.example.org/images";`)],
  ])('the %s phase writes hv.json, features.json and security.json that hv accepts', async (_phase, configuration) => {
    const etc = await evalHost<Record<string, string>>(configuration, 'host.etc')
    // The same zod schemas hv reads these files with: a module change that breaks hv fails here.
    expect(HostConfig.safeParse(JSON.parse(etc['hypervisor/hv.json']!)).error).toBeUndefined()
    expect(FeaturesReport.safeParse(JSON.parse(etc['hypervisor/features.json']!)).error).toBeUndefined()
    expect(SecurityReport.safeParse(JSON.parse(etc['hypervisor/security.json']!)).error).toBeUndefined()
  })

  it('every feature, enabled alone, evaluates and changes each option its registry entry lists', async () => {
    const registry = await nixEval<Registry>('import ./modules/features/feature-categories.nix')
    const cases = Object.entries(registry.features).map(([name, feature]) => {
      const acknowledge = ['high', 'critical'].includes(feature.risk) ? `hypervisor.security.acknowledgedRisks = [ "${name}" ];` : ''
      const dependencies = feature.dependencies.map((dependency) => `hypervisor.features.${dependency}.enable = true;`).join(' ')
      const common = `${FEATURE_PARAMETERS[name] ?? ''} ${acknowledge} ${dependencies}`
      return `${name} = let
          on = import ./tests/eval/eval-host.nix { configuration = ${enabled(`${common} hypervisor.features.${name}.enable = true;`)}; };
          off = import ./tests/eval/eval-host.nix { configuration = ${enabled(`${common} hypervisor.features.${name}.enable = false;`)}; };
          get = host: path: builtins.toJSON (lib.attrByPath path null host.config);
        in {
          failed = on.failedAssertions;
          unchanged = builtins.filter (path: get on (paths.\${path}) == get off (paths.\${path})) [ ${feature.configures.map((path) => JSON.stringify(path)).join(' ')} ];
        };`
    })
    const allPaths = [...new Set(Object.values(registry.features).flatMap((feature) => feature.configures))]
    const result = await nixEval<Record<string, { failed: string[]; unchanged: string[] }>>(
      `let lib = import <nixpkgs/lib>; paths = { ${allPaths.map((path) => `${JSON.stringify(path)} = ${attrPath(path)};`).join(' ')} }; in { ${cases.join('\n')} }`,
    )
    for (const [name, outcome] of Object.entries(result)) {
      expect(outcome, name).toEqual({ failed: [], unchanged: [] })
      expect(registry.features[name]?.configures.length, name).toBeGreaterThan(0)
    }
    expect(Object.keys(result).sort()).toEqual(Object.keys(registry.features).sort())
  }, 180_000)

  it('a missing dependency fails with the message naming the option to set', async () => {
    const failed = await evalHost<string[]>(
      enabled(`${FEATURE_PARAMETERS.gpuPassthrough} hypervisor.features.gpuPassthrough.enable = true; hypervisor.security.acknowledgedRisks = [ "gpuPassthrough" ];`),
      'host.failedAssertions',
    )
    expect(failed).toEqual([
      'Hyper-NixOS: feature "gpuPassthrough" depends on "iommu", which is not enabled. Set hypervisor.features.iommu.enable = true; or turn gpuPassthrough off (hypervisor.features.gpuPassthrough.enable = false;).',
    ])
  })

  it('conflicting features fail naming both', async () => {
    const failed = await evalHost<string[]>(
      enabled('hypervisor.features.publicBridge = { enable = true; uplink = "eno1"; }; hypervisor.features.kernelHardening.enable = true; hypervisor.security.acknowledgedRisks = [ "publicBridge" ];'),
      'host.failedAssertions',
    )
    expect(failed).toEqual([
      'Hyper-NixOS: features "kernelHardening" and "publicBridge" conflict and cannot both be enabled. Turn one off: hypervisor.features.kernelHardening.enable = false; or hypervisor.features.publicBridge.enable = false;',
    ])
  })

  it('a risk above the tolerance fails unless acknowledged; moderate features warn', async () => {
    const risky = await evalHost<string[]>('import ./tests/nixos/nodes/risky-host.nix', 'host.failedAssertions')
    expect(risky).toHaveLength(1)
    expect(risky[0]).toContain('Hyper-NixOS: feature "remoteManagement" has high risk, above this host\'s risk tolerance (moderate), and is not acknowledged.\nImpacts:\n')
    expect(risky[0]).toContain('  hypervisor.security.acknowledgedRisks = [ "remoteManagement" ];')
    const moderate = await evalHost<{ failed: string[]; warnings: string[] }>(
      enabled('hypervisor.features.nestedVirtualization.enable = true;'),
      '{ failed = host.failedAssertions; inherit (host) warnings; }',
    )
    expect(moderate.failed).toEqual([])
    expect(moderate.warnings).toEqual([expect.stringMatching(/^Hyper-NixOS: feature "nestedVirtualization" \(moderate risk\) is enabled\. Impacts: Guests get access/)])
  })

  it('an unknown name in acknowledgedRisks is a type error', async () => {
    const error = await nixEvalError(`(import ./tests/eval/eval-host.nix { configuration = ${enabled('hypervisor.security.acknowledgedRisks = [ "teleportation" ];')}; }).config.hypervisor.security.acknowledgedRisks`)
    expect(error).toMatch(/hypervisor\.security\.acknowledgedRisks.*is not of type/s)
  })

  it('a misspelt NixOS option set by a module is an error, not a silent no-op', async () => {
    const error = await nixEvalError(
      `(import ./tests/eval/eval-host.nix { configuration = { hypervisor.enable = true; virtualisation.libvirtd.qemu.runAsRooot = false; }; }).failedAssertions`,
    )
    expect(error).toContain('runAsRooot')
    expect(error).toMatch(/does not exist/)
  })

  it('setup phase: permissive values, and a warning when sshd accepts passwords', async () => {
    const host = await evalHost<Record<string, unknown>>(
      enabled('services.openssh.enable = true;'),
      `{ ssh = { inherit (host.config.services.openssh.settings) PasswordAuthentication KbdInteractiveAuthentication PermitRootLogin; };
         sysctl = host.config.boot.kernel.sysctl; auditd = host.config.security.auditd.enable;
         extraConfig = host.config.virtualisation.libvirtd.extraConfig; inherit (host) warnings; }`,
    )
    expect(host).toEqual({
      ssh: { PasswordAuthentication: true, KbdInteractiveAuthentication: true, PermitRootLogin: 'prohibit-password' },
      sysctl: {},
      auditd: false,
      extraConfig: '',
      warnings: [
        'Hyper-NixOS: setup phase: sshd accepts password logins. Add SSH keys for your administrators, then set hypervisor.security.phase = "hardened"; (keys only).',
      ],
    })
  })

  it('hardened phase: keys-only SSH, sudo with password, sysctls, firewall, QEMU not root, polkit access control, auditd', async () => {
    const host = await evalHost<{
      failed: string[]
      warnings: string[]
      ssh: Record<string, unknown>
      sudo: boolean
      sysctl: Record<string, number>
      firewall: boolean
      runAsRoot: boolean
      extraConfig: string
      auditd: boolean
      audit: unknown
      etc: Record<string, string>
    }>(
      enabled(`${HARDENED} services.openssh.enable = true;`),
      `{ failed = host.failedAssertions; inherit (host) warnings etc;
         ssh = { inherit (host.config.services.openssh.settings) PasswordAuthentication KbdInteractiveAuthentication PermitRootLogin; };
         sudo = host.config.security.sudo.wheelNeedsPassword; sysctl = host.config.boot.kernel.sysctl;
         firewall = host.config.networking.firewall.enable; runAsRoot = host.config.virtualisation.libvirtd.qemu.runAsRoot;
         extraConfig = host.config.virtualisation.libvirtd.extraConfig; auditd = host.config.security.auditd.enable;
         audit = host.config.security.audit.enable; }`,
    )
    expect(host.failed).toEqual([])
    expect(host.warnings).toEqual([])
    expect(host.ssh).toEqual({ PasswordAuthentication: false, KbdInteractiveAuthentication: false, PermitRootLogin: 'no' })
    expect(host.sudo).toBe(true)
    expect(host.sysctl).toEqual(await nixEval('import ./modules/security/kernel-hardening-sysctls.nix'))
    expect(host.sysctl).toMatchObject({ 'kernel.kptr_restrict': 2, 'kernel.dmesg_restrict': 1, 'kernel.unprivileged_bpf_disabled': 1 })
    expect(host.firewall).toBe(true)
    expect(host.runAsRoot).toBe(false)
    expect(host.extraConfig).toBe('access_drivers = [ "polkit" ]\n')
    expect(host.auditd).toBe(true)
    expect(host.audit).toBe(true)
    expect(host.etc['hypervisor/phase']).toBe('hardened\n')
    expect(Object.keys(host.etc)).toContain('hypervisor/.phase-hardened')
    expect(Object.keys(host.etc)).not.toContain('hypervisor/.phase-setup')
    const rules = host.etc['polkit-1/rules.d/05-hypervisor.rules']!
    expect(rules).toBe(await expectGolden('polkit-hardened.rules', rules))
    const security = JSON.parse(host.etc['hypervisor/security.json']!) as { guarantees: { id: string; check: Record<string, unknown> }[]; administrators: unknown }
    expect(security.administrators).toEqual([{ name: 'admin', sshKeys: 0 }])
    expect(security.guarantees.find((guarantee) => guarantee.id === 'polkit-rules')?.check).toEqual({
      kind: 'file-sha256',
      path: '/etc/polkit-1/rules.d/05-hypervisor.rules',
      sha256: createHash('sha256').update(rules).digest('hex'),
    })
    expect(security.guarantees.map((guarantee) => guarantee.id)).toEqual(
      expect.arrayContaining(['sshd:passwordauthentication', 'sysctl:kernel.kptr_restrict', 'libvirt-access-control', 'qemu-not-root', 'auditd']),
    )
  })

  it('hardened phase fails closed: contradicting settings, NOPASSWD, stray ports, disabled hardening features', async () => {
    const conflict = await nixEvalError(
      `(import ./tests/eval/eval-host.nix { configuration = ${enabled(`${HARDENED} services.openssh.settings.PasswordAuthentication = true;`)}; }).config.services.openssh.settings.PasswordAuthentication`,
    )
    expect(conflict).toMatch(/services\.openssh\.settings\.PasswordAuthentication.*conflicting definition values/s)
    const failed = await evalHost<string[]>(
      enabled(
        `${HARDENED} security.sudo.extraRules = [ { users = [ "admin" ]; commands = [ { command = "ALL"; options = [ "NOPASSWD" ]; } ]; } ]; networking.firewall.allowedTCPPorts = [ 80 ]; hypervisor.features.auditLogging.enable = false;`,
      ),
      'host.failedAssertions',
    )
    expect(failed.sort()).toEqual([
      'Hyper-NixOS: the hardened phase forbids passwordless sudo, but security.sudo.extraRules or security.sudo.extraConfig grants NOPASSWD. Remove it, or stay in the setup phase (hypervisor.security.phase = "setup";).',
      'Hyper-NixOS: the hardened phase opens only the ports enabled features need, but networking.firewall also allows 80. Close them, or list them in hypervisor.security.extraAllowedPorts.',
      'Hyper-NixOS: the hardened phase requires the auditLogging feature. Remove `hypervisor.features.auditLogging.enable = false;` or stay in the setup phase (hypervisor.security.phase = "setup";).',
    ])
    const allowed = await evalHost<string[]>(enabled(`${HARDENED} networking.firewall.allowedTCPPorts = [ 80 ]; hypervisor.security.extraAllowedPorts = [ 80 ];`), 'host.failedAssertions')
    expect(allowed).toEqual([])
  })

  it('operators join hypervisor-operators; an undeclared operator fails', async () => {
    const group = await evalHost<string[]>('import ./tests/nixos/nodes/operator-host.nix', 'host.config.users.groups.hypervisor-operators.members')
    expect(group).toEqual(['alice'])
    const failed = await evalHost<string[]>(enabled('hypervisor.operators = [ "ghost" ];'), 'host.failedAssertions')
    expect(failed).toEqual([
      'Hyper-NixOS: hypervisor.operators names "ghost", who is not declared in users.users. Declare the account (users.users.ghost.isNormalUser = true;) or remove it from hypervisor.operators.',
    ])
  })

  it.each(['operator-host', 'hardened-host'])('the NixOS VM test node %s evaluates without failed assertions', async (node) => {
    expect(await evalHost<string[]>(`import ./tests/nixos/nodes/${node}.nix`, 'host.failedAssertions')).toEqual([])
  })
})
