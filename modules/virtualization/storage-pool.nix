# The hypervisor's storage pool (`hypervisor` by default) in /var/lib/hypervisor/images,
# and the boot-time service that defines the pool and the features' networks in libvirt,
# idempotently (scripts/host/ensure-libvirt-object.sh).
{
  config,
  lib,
  pkgs,
  ...
}:
let
  cfg = config.hypervisor;
  libvirtXml = import ./libvirt-xml.nix;
  objectFile = object: "hypervisor/libvirt/${object.kind}-${object.name}.xml";
  scripts = lib.cleanSource ../../scripts;
in
{
  options.hypervisor = {
    storage.imagesDirectory = lib.mkOption {
      type = lib.types.strMatching "/[^\n\"'<>&]*";
      default = "/var/lib/hypervisor/images";
      example = "/srv/hypervisor/images";
      description = "Where the hypervisor's storage pool keeps images and VM disks.";
    };

    libvirtObjects = lib.mkOption {
      internal = true;
      type = lib.types.listOf (
        lib.types.submodule {
          options = {
            kind = lib.mkOption {
              type = lib.types.enum [
                "pool"
                "network"
              ];
              description = "The kind of libvirt object.";
            };
            name = lib.mkOption {
              type = lib.types.strMatching "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}";
              description = "The object's libvirt name.";
            };
            xml = lib.mkOption {
              type = lib.types.lines;
              description = "Its libvirt XML (from libvirt-xml.nix).";
            };
          };
        }
      );
      default = [ ];
      description = "libvirt pools and networks defined, autostarted and started at boot.";
    };
  };

  config = lib.mkIf cfg.enable {
    hypervisor.libvirtObjects = [
      {
        kind = "pool";
        name = cfg.cli.storagePool;
        xml = libvirtXml.directoryPool {
          name = cfg.cli.storagePool;
          path = cfg.storage.imagesDirectory;
        };
      }
    ];

    systemd.tmpfiles.rules = [
      "d /var/lib/hypervisor 0755 root root -"
      "d ${cfg.storage.imagesDirectory} 0711 root root -"
    ];

    environment.etc = lib.listToAttrs (
      map (object: lib.nameValuePair (objectFile object) { text = object.xml; }) cfg.libvirtObjects
    );

    systemd.services.hypervisor-libvirt-objects = {
      description = "Hyper-NixOS: define and start the hypervisor's libvirt pool and networks";
      wantedBy = [ "multi-user.target" ];
      requires = [ "libvirtd.service" ];
      after = [ "libvirtd.service" ];
      path = [
        config.virtualisation.libvirtd.package
        pkgs.coreutils
      ];
      restartTriggers = map (object: object.xml) cfg.libvirtObjects;
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
      };
      script = lib.concatMapStrings (object: ''
        ${pkgs.bash}/bin/bash ${scripts}/host/ensure-libvirt-object.sh ${object.kind} ${lib.escapeShellArg object.name} /etc/${objectFile object}
      '') cfg.libvirtObjects;
    };
  };
}
