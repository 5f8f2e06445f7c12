# Hyper-NixOS: every module of the collection. Importing it changes nothing
# until `hypervisor.enable = true`.
{
  imports = [
    ./core
    ./features
    ./security
    ./virtualization
    ./networking
  ];
}
