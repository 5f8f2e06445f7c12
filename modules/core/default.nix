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

      phoneHomePorts = {
        from = lib.mkOption {
          type = lib.types.port;
          default = 42420;
          description = "First TCP port `hv vm create --wait cloud-init` may listen on for a guest's phone-home report. The NAT network's firewall opens the range on its bridge only.";
        };
        to = lib.mkOption {
          type = lib.types.port;
          default = 42439;
          description = "Last TCP port of the phone-home range (one port per VM being created at the same time).";
        };
      };

      # What new VMs get unless `hv vm create` is told otherwise. Features set these
      # (uefi, secureBoot, tpm, guestAgent, serialConsoleLogging); a host may override them.
      defaults = {
        firmware = lib.mkOption {
          type = lib.types.enum [
            "bios"
            "uefi"
          ];
          default = "bios";
          example = "uefi";
          description = "Firmware of new VMs. The `uefi` feature makes it `uefi`.";
        };
        secureBoot = lib.mkOption {
          type = lib.types.bool;
          default = false;
          description = "Whether new UEFI VMs use Secure Boot. The `secureBoot` feature turns it on.";
        };
        tpm = lib.mkOption {
          type = lib.types.bool;
          default = false;
          description = "Whether new VMs get an emulated TPM 2.0. The `tpm` feature turns it on.";
        };
        guestAgent = lib.mkOption {
          type = lib.types.bool;
          default = false;
          description = "Whether new VMs get a QEMU guest agent channel. The `guestAgent` feature turns it on.";
        };
        serialConsoleLog = lib.mkOption {
          type = lib.types.bool;
          default = false;
          description = "Whether new VMs log their serial console on the host. The `serialConsoleLogging` feature turns it on.";
        };
      };

      imageRegistry = lib.mkOption {
        type = lib.types.nullOr lib.types.str;
        default = null;
        example = "http://mirror.example.org/images";
        description = ''
          A site mirror `hv image pull` and `hv vm create --image ALIAS` resolve aliases
          against instead of the distributions' own sites, laid out as
          `URL/<distro>-<version>/` with the published checksum lists beside the images.
          `--registry` or `HV_IMAGE_REGISTRY` override it.
        '';
      };

      managedSettingsFile = lib.mkOption {
        type = lib.types.nullOr lib.types.str;
        default = null;
        example = "/etc/nixos/hypervisor-settings.json";
        description = ''
          A JSON file inside the host's flake that its configuration reads with
          `lib.importJSON` (for example `hypervisor.security.phase =
          (lib.importJSON ./hypervisor-settings.json).phase;`). When set,
          `hv security harden --apply` edits it and rebuilds, asking for sudo first.
        '';
      };
      rebuildFlake = lib.mkOption {
        type = lib.types.nullOr lib.types.str;
        default = null;
        example = "/etc/nixos#hv1";
        description = "The flake reference `hv security ... --apply` passes to `nixos-rebuild switch --flake`.";
      };
    };
  };

  config = lib.mkIf cfg.enable {
    environment.systemPackages = [ cfg.package ];

    # Validated by `hv` with the same schema (cli/src/lib/config/schemas.ts).
    environment.etc."hypervisor/hv.json".text = builtins.toJSON (
      {
        inherit (cfg.cli)
          uri
          storagePool
          network
          defaults
          phoneHomePorts
          ;
      }
      // lib.filterAttrs (_: value: value != null) {
        inherit (cfg.cli) imageRegistry managedSettingsFile rebuildFlake;
      }
    );
  };
}
