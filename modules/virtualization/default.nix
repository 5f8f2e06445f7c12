# libvirtd with QEMU. Opinions are mkDefault so a host's own values win.
{ config, lib, ... }:
let
  cfg = config.hypervisor;
in
{
  config = lib.mkIf cfg.enable {
    virtualisation.libvirtd = {
      enable = lib.mkDefault true;
      # QEMU runs as the unprivileged qemu-libvirtd user, never as root.
      qemu.runAsRoot = lib.mkDefault false;
    };
  };
}
