# The two-phase security model: a permissive setup phase for installation and a hardened
# phase for production, switched by `hypervisor.security.phase`. What each phase
# guarantees is written down in docs/security-model.md and checked on the live host by
# `hv security audit` (from /etc/hypervisor/security.json).
{
  imports = [
    ../core
    ../features
    ../virtualization/storage-pool.nix
    ./phase.nix
    ./operators.nix
    ./polkit.nix
    ./ssh.nix
    ./sudo-and-firewall.nix
    ./kernel-hardening.nix
    ./audit.nix
    ./console-logging.nix
    ./security-report.nix
  ];
}
