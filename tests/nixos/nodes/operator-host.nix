# A Hyper-NixOS host in the setup phase with one operator (alice) and one ordinary user
# (mallory). Used by operator-access.nix and evaluated by the eval tests (cli/test/eval).
{
  hypervisor.enable = true;
  hypervisor.operators = [ "alice" ];

  users.users.alice.isNormalUser = true;
  users.users.mallory.isNormalUser = true;

  virtualisation.memorySize = 1536;
  virtualisation.cores = 2;
}
