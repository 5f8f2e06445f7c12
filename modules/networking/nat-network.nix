# The natNetwork feature: libvirt's `default` NAT network, defined and autostarted at boot,
# with DHCP and DNS opened on its bridge only.
{
  config,
  lib,
  ...
}:
let
  cfg = config.hypervisor;
  nat = cfg.features.natNetwork;
  libvirtXml = import ../virtualization/libvirt-xml.nix;
  ipv4 = lib.types.strMatching "([0-9]{1,3}\\.){3}[0-9]{1,3}";
in
{
  options.hypervisor.features.natNetwork = {
    bridge = lib.mkOption {
      type = lib.types.strMatching "[A-Za-z0-9_.-]{1,15}";
      default = "virbr0";
      example = "virbr1";
      description = "The bridge libvirt creates for the NAT network.";
    };
    address = lib.mkOption {
      type = ipv4;
      default = "192.168.122.1";
      example = "10.10.0.1";
      description = "The host's address on the NAT network.";
    };
    prefixLength = lib.mkOption {
      type = lib.types.ints.between 8 30;
      default = 24;
      example = 16;
      description = "The NAT network's prefix length.";
    };
    dhcpStart = lib.mkOption {
      type = ipv4;
      default = "192.168.122.2";
      example = "10.10.0.100";
      description = "First address handed out by DHCP.";
    };
    dhcpEnd = lib.mkOption {
      type = ipv4;
      default = "192.168.122.254";
      example = "10.10.0.200";
      description = "Last address handed out by DHCP.";
    };
  };

  config = lib.mkIf (cfg.enable && nat.enable) {
    hypervisor.libvirtObjects = [
      {
        kind = "network";
        name = "default";
        xml = libvirtXml.natNetwork {
          name = "default";
          inherit (nat)
            bridge
            address
            prefixLength
            dhcpStart
            dhcpEnd
            ;
        };
      }
    ];

    # DNS and DHCP for guests, and the ports guests phone home to when cloud-init is done
    # (hv vm create --wait cloud-init), on the NAT bridge alone, never on the uplink.
    networking.firewall.interfaces.${nat.bridge} = {
      allowedUDPPorts = [
        53
        67
      ];
      allowedTCPPorts = [ 53 ];
      allowedTCPPortRanges = [ cfg.cli.phoneHomePorts ];
    };
  };
}
