# Operators: the users who manage VMs through libvirt without sudo. They are the members
# of the `hypervisor-operators` group, which the polkit rules (polkit.nix) let connect to
# qemu:///system; nobody else may.
{
  config,
  lib,
  ...
}:
let
  cfg = config.hypervisor;
in
{
  options.hypervisor = {
    operators = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      example = [
        "alice"
        "bob"
      ];
      description = ''
        Users who may manage VMs with `hv` without sudo: they become members of the
        `hypervisor-operators` group. In the setup phase a read-write libvirt connection is
        root-equivalent, so treat operators as administrators until the host is hardened.
      '';
    };

    operatorGroup = lib.mkOption {
      type = lib.types.str;
      default = "hypervisor-operators";
      readOnly = true;
      description = "The group whose members are operators (fixed: scripts and polkit rules use it).";
    };
  };

  config = lib.mkIf cfg.enable {
    users.groups.${cfg.operatorGroup}.members = cfg.operators;

    assertions = map (name: {
      assertion = config.users.users ? ${name};
      message = "Hyper-NixOS: hypervisor.operators names \"${name}\", who is not declared in users.users. Declare the account (users.users.${name}.isNormalUser = true;) or remove it from hypervisor.operators.";
    }) cfg.operators;
  };
}
