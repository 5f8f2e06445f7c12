# A Hyper-NixOS host in the hardened phase, reachable over SSH (sshManagement) by an
# administrator with a key. Used by hardened-phase.nix and evaluated by the eval tests.
{
  hypervisor.enable = true;
  hypervisor.security.phase = "hardened";
  hypervisor.operators = [ "alice" ];
  hypervisor.features.sshManagement.enable = true;

  users.users.alice.isNormalUser = true;
  users.users.admin = {
    isNormalUser = true;
    extraGroups = [ "wheel" ];
    # The test installs a key it generates into ~admin/.ssh/authorized_keys at run time.
    password = "correct horse battery staple";
  };

  virtualisation.memorySize = 1536;
}
