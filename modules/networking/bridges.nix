# Host bridges for VMs. bridgedNetworking: bridges the administrator declares, each also a
# libvirt network. publicBridge: `br-public` on the uplink, unfiltered (critical risk).
{
  config,
  lib,
  ...
}:
let
  cfg = config.hypervisor;
  features = cfg.features;
  libvirtXml = import ../virtualization/libvirt-xml.nix;
  interfaceName = lib.types.strMatching "[A-Za-z0-9_.-]{1,15}";
  publicBridgeName = "br-public";

  bridgeNetwork = name: {
    kind = "network";
    inherit name;
    xml = libvirtXml.bridgeNetwork {
      inherit name;
      bridge = name;
    };
  };
in
{
  options.hypervisor.features = {
    bridgedNetworking.bridges = lib.mkOption {
      type = lib.types.attrsOf (
        lib.types.submodule {
          options.interfaces = lib.mkOption {
            type = lib.types.listOf interfaceName;
            default = [ ];
            example = [ "eno2" ];
            description = "Host interfaces that become ports of this bridge (none: a host-only bridge).";
          };
        }
      );
      default = { };
      example = lib.literalExpression ''{ br-lab.interfaces = [ "eno2.20" ]; }'';
      description = "Bridges to create, by name (at most 15 characters); each becomes a libvirt network of the same name.";
    };

    publicBridge.uplink = lib.mkOption {
      type = lib.types.nullOr interfaceName;
      default = null;
      example = "eno1";
      description = "The uplink interface enslaved to `br-public`; the host's address moves to the bridge (DHCP).";
    };
  };

  config = lib.mkIf cfg.enable (
    lib.mkMerge [
      (lib.mkIf features.bridgedNetworking.enable {
        networking.bridges = lib.mapAttrs (_: bridge: { inherit (bridge) interfaces; }) features.bridgedNetworking.bridges;
        virtualisation.libvirtd.allowedBridges = builtins.attrNames features.bridgedNetworking.bridges;
        hypervisor.libvirtObjects = map bridgeNetwork (builtins.attrNames features.bridgedNetworking.bridges);
        assertions = [
          {
            assertion = features.bridgedNetworking.bridges != { };
            message = "Hyper-NixOS: feature \"bridgedNetworking\" needs at least one bridge. Set hypervisor.features.bridgedNetworking.bridges.br-lab.interfaces = [ \"eno2\" ];";
          }
          {
            assertion = !(features.bridgedNetworking.bridges ? ${publicBridgeName});
            message = "Hyper-NixOS: the bridge name \"${publicBridgeName}\" is reserved for the publicBridge feature; choose another name in hypervisor.features.bridgedNetworking.bridges.";
          }
        ];
      })

      (lib.mkIf features.publicBridge.enable {
        networking.bridges.${publicBridgeName}.interfaces = lib.optional (
          features.publicBridge.uplink != null
        ) features.publicBridge.uplink;
        networking.interfaces.${publicBridgeName}.useDHCP = lib.mkDefault true;
        virtualisation.libvirtd.allowedBridges = [ publicBridgeName ];
        hypervisor.libvirtObjects = [ (bridgeNetwork publicBridgeName) ];
        assertions = [
          {
            assertion = features.publicBridge.uplink != null;
            message = "Hyper-NixOS: feature \"publicBridge\" needs the uplink interface. Set hypervisor.features.publicBridge.uplink = \"eno1\";";
          }
        ];
      })
    ]
  );
}
