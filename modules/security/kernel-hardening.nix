# The kernelHardening feature (on in the hardened phase). This is the only module that
# sets sysctls, so each key has exactly one owner.
{
  config,
  lib,
  ...
}:
let
  cfg = config.hypervisor;
in
{
  config = lib.mkIf (cfg.enable && cfg.features.kernelHardening.enable) {
    boot.kernel.sysctl = import ./kernel-hardening-sysctls.nix;

    # br_netfilter makes bridged frames visible to the host firewall
    # (net.bridge.bridge-nf-call-*), hence the conflict with publicBridge.
    boot.kernelModules = [ "br_netfilter" ];

    boot.kernelParams = [
      "slab_nomerge"
      "init_on_alloc=1"
      "init_on_free=1"
      "page_alloc.shuffle=1"
      "randomize_kstack_offset=on"
      "vsyscall=none"
      "debugfs=off"
    ];
  };
}
