# libvirtd with QEMU, and the virtualization features. Opinions are mkDefault in the setup
# phase; hardened-phase values are set at normal priority so that a host contradicting them
# fails evaluation.
{
  config,
  lib,
  ...
}:
let
  cfg = config.hypervisor;
  hardened = cfg.security.phase == "hardened";
in
{
  imports = [
    ../core
    ../features
    ./storage-pool.nix
    ./firmware.nix
    ./devices.nix
  ];

  config = lib.mkIf cfg.enable {
    virtualisation.libvirtd = {
      enable = lib.mkDefault true;
      # QEMU runs as the unprivileged qemu-libvirtd user, never as root.
      qemu.runAsRoot = if hardened then false else lib.mkDefault false;
    };
  };
}
