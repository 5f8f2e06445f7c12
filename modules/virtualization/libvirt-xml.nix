# libvirt XML for the objects the modules define at boot: the storage pool and the
# networks. Pure and builtins-only (tests render it with plain nix-instantiate and validate
# it against libvirt's schemas); every value is escaped.
let
  inherit (builtins) concatStringsSep replaceStrings;

  escape =
    value:
    replaceStrings
      [ "&" "<" ">" "\"" "'" ]
      [ "&amp;" "&lt;" "&gt;" "&quot;" "&apos;" ]
      (toString value);
  attribute = name: value: ''${name}="${escape value}"'';
  element = name: text: "<${name}>${escape text}</${name}>";
  lines = parts: concatStringsSep "\n" parts + "\n";
in
{
  inherit escape;

  # A directory pool; volumes in it are files.
  directoryPool =
    { name, path }:
    lines [
      "<pool ${attribute "type" "dir"}>"
      "  ${element "name" name}"
      "  <target>"
      "    ${element "path" path}"
      "    <permissions>"
      "      <mode>0711</mode>"
      "    </permissions>"
      "  </target>"
      "</pool>"
    ];

  # A NAT network with DHCP, like libvirt's own `default`.
  natNetwork =
    {
      name,
      bridge,
      address,
      prefixLength,
      dhcpStart,
      dhcpEnd,
    }:
    lines [
      "<network>"
      "  ${element "name" name}"
      "  <forward ${attribute "mode" "nat"}/>"
      "  <bridge ${attribute "name" bridge} ${attribute "stp" "on"} ${attribute "delay" 0}/>"
      "  <ip ${attribute "address" address} ${attribute "prefix" prefixLength}>"
      "    <dhcp>"
      "      <range ${attribute "start" dhcpStart} ${attribute "end" dhcpEnd}/>"
      "    </dhcp>"
      "  </ip>"
      "</network>"
    ];

  # A network that plugs VMs into an existing host bridge.
  bridgeNetwork =
    { name, bridge }:
    lines [
      "<network>"
      "  ${element "name" name}"
      "  <forward ${attribute "mode" "bridge"}/>"
      "  <bridge ${attribute "name" bridge}/>"
      "</network>"
    ];
}
