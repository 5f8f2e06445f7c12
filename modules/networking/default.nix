# Networking features: the NAT network, host bridges, the public bridge, and the two ways
# to manage the host remotely (libvirt over TLS, libvirt over SSH).
{
  imports = [
    ../core
    ../features
    ../security/operators.nix
    ../virtualization/storage-pool.nix
    ./nat-network.nix
    ./bridges.nix
    ./remote-management.nix
    ./ssh-management.nix
  ];
}
