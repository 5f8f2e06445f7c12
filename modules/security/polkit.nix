# polkit decides who may use libvirt (rules: polkit-rules.nix). In the hardened phase
# libvirt's polkit access-control driver asks polkit about every API call, so the rules
# limit operators to the VM lifecycle.
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
  config = lib.mkIf cfg.enable {
    security.polkit.enable = true;

    # 05- sorts before NixOS's 10-nixos.rules, whose libvirtd-group rule this overrides.
    environment.etc."polkit-1/rules.d/05-hypervisor.rules".text = import ./polkit-rules.nix {
      inherit (cfg.security) phase;
      inherit (cfg) operatorGroup;
      storagePool = cfg.cli.storagePool;
    };

    virtualisation.libvirtd.extraConfig = lib.mkIf hardened ''
      access_drivers = [ "polkit" ]
    '';
  };
}
