# The hypervisor's switch, the `hv` CLI on the system path, and /etc/hypervisor/hv.json,
# the defaults `hv` reads (so operators need no LIBVIRT_DEFAULT_URI).
{
  config,
  lib,
  pkgs,
  ...
}:
let
  cfg = config.hypervisor;
in
{
  options.hypervisor = {
    enable = lib.mkEnableOption "the Hyper-NixOS hypervisor (libvirt and QEMU, managed with `hv`)";

    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.callPackage ../../packages/hv { };
      defaultText = lib.literalExpression "pkgs.callPackage ./packages/hv { }";
      description = "The `hv` command-line tool installed on the system path.";
    };

    cli = {
      uri = lib.mkOption {
        type = lib.types.str;
        default = "qemu:///system";
        example = "qemu+ssh://admin@hv1.example.org/system";
        description = "The libvirt URI `hv` talks to unless `--connect` or `LIBVIRT_DEFAULT_URI` says otherwise.";
      };
      storagePool = lib.mkOption {
        type = lib.types.str;
        default = "hypervisor";
        example = "fast-nvme";
        description = "The libvirt storage pool `hv` puts images and VM disks in.";
      };
      network = lib.mkOption {
        type = lib.types.str;
        default = "default";
        example = "lab";
        description = "The libvirt network new VMs are attached to.";
      };
    };
  };

  config = lib.mkIf cfg.enable {
    environment.systemPackages = [ cfg.package ];

    # Validated by `hv` with the same schema (cli/src/lib/config/schemas.ts).
    environment.etc."hypervisor/hv.json".text = builtins.toJSON {
      inherit (cfg.cli) uri storagePool network;
    };
  };
}
