# The feature registry: every optional capability of a Hyper-NixOS host, with its risk.
#
# Plain data, importable without nixpkgs:
#   nix-instantiate --eval --strict --json modules/features/feature-categories.nix
# The modules turn it into `hypervisor.features.<name>.enable` options (modules/features),
# enforce its dependencies, conflicts and risks (modules/features/resolve.nix), and each
# feature's configuration lives in the module of its category. `hv features` reads the
# same data, and docs/features.md is generated from it.
#
# `configures` lists the options each feature sets; the evaluation tests check that
# enabling the feature really changes every one of them.
#
# Risk levels, lowest first: minimal, low, moderate, high, critical. A feature above the
# host's `hypervisor.security.riskTolerance` must be acknowledged by name; critical
# features are refused in the hardened phase.
{
  riskLevels = [
    "minimal"
    "low"
    "moderate"
    "high"
    "critical"
  ];

  categories = {
    virtualization = "What guests can be given: firmware, emulated and passed-through devices, memory.";
    networking = "How guests and administrators reach the host and each other.";
    security = "What the host records and how much its kernel trusts its users.";
  };

  features = {
    uefi = {
      category = "virtualization";
      description = "UEFI firmware (OVMF, as shipped with QEMU) for new VMs instead of SeaBIOS.";
      risk = "minimal";
      impacts = [
        "New VMs boot UEFI firmware and get a per-VM NVRAM file under /var/lib/libvirt/qemu/nvram."
      ];
      mitigations = [
        "OVMF comes from the QEMU package the host already trusts; nothing new listens or runs as root."
      ];
      requirements = [ ];
      dependencies = [ ];
      conflicts = [ ];
      default = true;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "hypervisor.cli.defaults.firmware"
        "environment.etc.\"hypervisor/hv.json\".text"
      ];
    };

    tpm = {
      category = "virtualization";
      description = "Emulated TPM 2.0 devices for guests (swtpm), as Windows 11 and measured boot need.";
      risk = "low";
      impacts = [
        "One swtpm process per VM with a TPM, running as the QEMU user."
        "Each VM's TPM state (including sealed secrets) is stored on the host under /var/lib/libvirt/swtpm."
      ];
      mitigations = [
        "swtpm runs unprivileged, one process per VM."
        "`hv vm delete` removes a VM's TPM state with the VM."
      ];
      requirements = [ ];
      dependencies = [ ];
      conflicts = [ ];
      default = false;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "virtualisation.libvirtd.qemu.swtpm.enable"
        "hypervisor.cli.defaults.tpm"
      ];
    };

    secureBoot = {
      category = "virtualization";
      description = "UEFI Secure Boot with Microsoft's keys enrolled, for guests that require it.";
      risk = "low";
      impacts = [
        "New VMs use the secure-boot OVMF build (SMM emulation, pre-enrolled Microsoft keys): guests must be signed."
        "Unsigned guest kernels (many custom Linux builds) no longer boot in new VMs."
      ];
      mitigations = [
        "Per-VM override: `hv vm create --firmware bios` or a VM without secure boot."
      ];
      requirements = [ "UEFI firmware for guests (feature `uefi`)." ];
      dependencies = [ "uefi" ];
      conflicts = [ ];
      default = false;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "hypervisor.cli.defaults.secureBoot"
        "environment.etc.\"hypervisor/hv.json\".text"
      ];
    };

    nestedVirtualization = {
      category = "virtualization";
      description = "Let guests run their own hypervisors (KVM nested=1 for Intel and AMD).";
      risk = "moderate";
      impacts = [
        "Guests get access to the host's hardware virtualization extensions: a much larger KVM attack surface reachable from inside a guest."
        "Nested guests are slow under load and complicate live migration."
      ];
      mitigations = [
        "Enable it only on hosts whose guests are trusted to run hypervisors (CI runners, labs)."
        "Keep the host kernel current: nested VMX/SVM bugs are fixed in kernel updates."
      ];
      requirements = [ "A CPU with VT-x or AMD-V, and the kvm_intel or kvm_amd module." ];
      dependencies = [ ];
      conflicts = [ ];
      default = false;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "boot.extraModprobeConfig"
      ];
    };

    iommu = {
      category = "virtualization";
      description = "Turn on the IOMMU (intel_iommu=on, amd_iommu=on) so devices can be isolated and passed through.";
      risk = "low";
      impacts = [
        "Kernel parameters change: takes effect at the next boot."
        "Some old firmware has broken DMA remapping tables and boots slower or loses devices with the IOMMU on."
      ];
      mitigations = [
        "The IOMMU also protects the host from DMA by its own devices."
        "Check `dmesg | grep -i -e DMAR -e IOMMU` after the first boot."
      ];
      requirements = [ "VT-d or AMD-Vi enabled in the firmware setup." ];
      dependencies = [ ];
      conflicts = [ ];
      default = false;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "boot.kernelParams"
      ];
    };

    gpuPassthrough = {
      category = "virtualization";
      description = "Bind the listed PCI devices (GPUs and their audio functions) to vfio-pci at boot, for passthrough to one guest each.";
      risk = "high";
      impacts = [
        "The guest drives a physical device directly: the device can DMA into whatever the IOMMU group allows, and a malicious guest can reflash or wedge its firmware."
        "The host loses the listed devices from boot on (no console on a passed-through GPU)."
        "Every device in the same IOMMU group must go to the same guest."
      ];
      mitigations = [
        "Pass through only devices in IOMMU groups of their own (check /sys/kernel/iommu_groups)."
        "Give passed-through devices only to trusted guests; reset or power-cycle the device between tenants."
      ];
      requirements = [
        "The PCI vendor:device ids in `hypervisor.features.gpuPassthrough.pciIds`."
        "IOMMU on (feature `iommu`)."
      ];
      dependencies = [ "iommu" ];
      conflicts = [ ];
      default = false;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "boot.initrd.kernelModules"
        "boot.kernelParams"
      ];
    };

    usbPassthrough = {
      category = "virtualization";
      description = "Redirect host USB devices into guests (the setuid SPICE USB redirection helper).";
      risk = "moderate";
      impacts = [
        "Installs a setuid-root helper that hands raw USB devices to QEMU."
        "A guest gets full control of a redirected device (security keys, storage, smart cards)."
      ];
      mitigations = [
        "Only members of `hypervisor-operators` reach libvirt, so only they can attach devices."
        "Detach devices when done; never redirect the host's own keyboard or boot storage."
      ];
      requirements = [ ];
      dependencies = [ ];
      conflicts = [ ];
      default = false;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "virtualisation.spiceUSBRedirection.enable"
      ];
    };

    sharedFolders = {
      category = "virtualization";
      description = "Share host directories with guests over virtiofs (virtiofsd).";
      risk = "moderate";
      impacts = [
        "Guests read (and unless read-only, write) host files directly; a bug in virtiofsd or a misconfigured share exposes more of the host."
        "Files written by a guest appear on the host with guest-chosen names and modes."
      ];
      mitigations = [
        "Share dedicated directories, never / or a home directory; prefer read-only shares."
        "virtiofsd runs sandboxed per VM as the QEMU user."
      ];
      requirements = [ ];
      dependencies = [ ];
      conflicts = [ ];
      default = false;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "virtualisation.libvirtd.qemu.vhostUserPackages"
      ];
    };

    hugepages = {
      category = "virtualization";
      description = "Reserve 2 MiB huge pages at boot for guest memory (less TLB pressure, steadier latency).";
      risk = "low";
      impacts = [
        "The reserved memory is taken from the host at boot whether or not guests use it."
        "Reserving more than the host can spare makes it swap or fail to boot services."
      ];
      mitigations = [
        "Size the reservation (`hypervisor.features.hugepages.count`) to the guests that use it."
        "Check `grep Huge /proc/meminfo` after boot."
      ];
      requirements = [ ];
      dependencies = [ ];
      conflicts = [ ];
      default = false;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "boot.kernelParams"
      ];
    };

    guestAgent = {
      category = "virtualization";
      description = "Give new VMs the QEMU guest agent channel, for clean shutdowns, IP reporting and filesystem freeze.";
      risk = "low";
      impacts = [
        "New VMs get a virtio-serial channel to the host; a guest can send data to libvirtd over it."
        "Operators can ask the agent to run guest operations (freeze filesystems, set the time)."
      ];
      mitigations = [
        "libvirt bounds and parses agent replies; a misbehaving agent is timed out."
        "Guests without qemu-guest-agent simply ignore the channel."
      ];
      requirements = [ "qemu-guest-agent installed in the guest." ];
      dependencies = [ ];
      conflicts = [ ];
      default = true;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "hypervisor.cli.defaults.guestAgent"
        "environment.etc.\"hypervisor/hv.json\".text"
      ];
    };

    natNetwork = {
      category = "networking";
      description = "The default NAT network (libvirt's `default`, virbr0, DHCP and DNS for guests), defined and autostarted at boot.";
      risk = "low";
      impacts = [
        "Guests reach everything the host can reach, through NAT."
        "dnsmasq answers DHCP and DNS on the bridge; the host firewall opens 53 and 67 on that bridge only."
      ];
      mitigations = [
        "Guests are not reachable from outside the host."
        "The bridge's ports are opened on the bridge alone, never on the uplink."
      ];
      requirements = [ ];
      dependencies = [ ];
      conflicts = [ ];
      default = true;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "hypervisor.libvirtObjects"
        "networking.firewall.interfaces"
      ];
    };

    bridgedNetworking = {
      category = "networking";
      description = "Host bridges declared in `hypervisor.features.bridgedNetworking.bridges`, each a libvirt network VMs can join.";
      risk = "moderate";
      impacts = [
        "VMs on a bridge share its layer-2 segment: they see, and can be seen by, everything on it."
        "The listed host interfaces become bridge ports and lose their own addresses."
      ];
      mitigations = [
        "Bridge internal or lab segments, not the uplink (that is `publicBridge`)."
        "Use VLAN sub-interfaces as bridge ports to keep segments apart."
      ];
      requirements = [ "At least one bridge in `hypervisor.features.bridgedNetworking.bridges`." ];
      dependencies = [ ];
      conflicts = [ ];
      default = false;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "networking.bridges"
        "virtualisation.libvirtd.allowedBridges"
        "hypervisor.libvirtObjects"
      ];
    };

    publicBridge = {
      category = "networking";
      description = "Put VMs directly on the host's uplink (bridge `br-public`), unfiltered by the host.";
      risk = "critical";
      impacts = [
        "Every VM on it is exposed to the uplink network with no host firewall in between."
        "A compromised or misconfigured guest can spoof addresses, answer DHCP or ARP for others, and attack anything on the uplink."
        "The host's own uplink address moves to the bridge; a mistake here cuts the host off the network."
      ];
      mitigations = [
        "Prefer `natNetwork` or an internal `bridgedNetworking` segment with a firewall VM."
        "Firewall every guest on it individually, and keep console access to the host."
      ];
      requirements = [
        "The uplink interface in `hypervisor.features.publicBridge.uplink`."
        "Explicit acknowledgement (critical risk); refused in the hardened phase."
      ];
      dependencies = [ ];
      conflicts = [ "kernelHardening" ];
      default = false;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "networking.bridges"
        "networking.interfaces"
        "hypervisor.libvirtObjects"
      ];
    };

    remoteManagement = {
      category = "networking";
      description = "libvirt over TLS on TCP 16514, with client certificates, for remote virt-manager and `hv --connect qemu+tls://...`.";
      risk = "high";
      impacts = [
        "libvirtd listens on the network: a read-write libvirt connection is root-equivalent on the host."
        "Anyone holding a client certificate signed by the configured CA can manage every VM."
        "The firewall opens TCP 16514."
      ];
      mitigations = [
        "Client certificates are verified against `hypervisor.features.remoteManagement.caFile`; issue them sparingly and revoke by rotating the CA."
        "Prefer `sshManagement`, which needs no listening libvirt port."
      ];
      requirements = [
        "A CA, server certificate and key (`caFile`, `certFile`, `keyFile` under `hypervisor.features.remoteManagement`)."
      ];
      dependencies = [ ];
      conflicts = [ ];
      default = false;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "virtualisation.libvirtd.extraConfig"
        "systemd.sockets"
        "networking.firewall.allowedTCPPorts"
      ];
    };

    sshManagement = {
      category = "networking";
      description = "Operators reach libvirt over SSH (`qemu+ssh://host/system`): sshd on, limited to administrators and operators.";
      risk = "moderate";
      impacts = [
        "sshd listens on port 22 and the firewall opens it."
        "An operator's SSH key is enough to manage VMs from anywhere that reaches the host."
      ];
      mitigations = [
        "sshd accepts only members of wheel and `hypervisor-operators` (AllowGroups)."
        "The hardened phase turns password logins off: keys only."
      ];
      requirements = [ ];
      dependencies = [ ];
      conflicts = [ ];
      default = false;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "services.openssh.enable"
        "services.openssh.settings.AllowGroups"
      ];
    };

    auditLogging = {
      category = "security";
      description = "auditd with rules that record every change to libvirt's configuration, /etc/hypervisor and the VM images.";
      risk = "minimal";
      impacts = [
        "Audit records use disk under /var/log/audit and a little CPU on every watched write."
      ];
      mitigations = [
        "auditd rotates its own logs; watches cover writes and attribute changes only."
      ];
      requirements = [ ];
      dependencies = [ ];
      conflicts = [ ];
      default = false;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "security.auditd.enable"
        "security.audit.enable"
        "security.audit.rules"
      ];
    };

    kernelHardening = {
      category = "security";
      description = "Hardened kernel settings: restricted pointers, dmesg, BPF, ptrace and kexec; strict network sysctls; bridged traffic passes the host firewall.";
      risk = "low";
      impacts = [
        "Debugging tools need root (perf, ptrace of other users' processes, dmesg)."
        "kexec (fast reboot into another kernel) is disabled until the next boot."
        "Bridged frames pass through the host's netfilter (br_netfilter), so host firewall rules can apply to guest traffic."
      ];
      mitigations = [
        "Administrators keep these tools through sudo."
        "Turned on by the hardened phase; in the setup phase it is optional."
      ];
      requirements = [ ];
      dependencies = [ ];
      conflicts = [ "publicBridge" ];
      default = false;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "boot.kernel.sysctl"
        "boot.kernelModules"
        "boot.kernelParams"
      ];
    };

    serialConsoleLogging = {
      category = "security";
      description = "Record every new VM's serial console to /var/log/hypervisor/consoles, rotated weekly.";
      risk = "low";
      impacts = [
        "Whatever appears on a guest's serial console, including passwords typed there, is kept on the host."
        "Logs use disk space on the host."
      ];
      mitigations = [
        "The directory is readable by root only (mode 0700) and rotated weekly, keeping four weeks."
      ];
      requirements = [ ];
      dependencies = [ ];
      conflicts = [ ];
      default = false;
      # NixOS options this feature sets (checked by the evaluation tests).
      configures = [
        "systemd.tmpfiles.rules"
        "services.logrotate.settings"
        "hypervisor.cli.defaults.serialConsoleLog"
      ];
    };
  };
}
