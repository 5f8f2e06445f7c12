# The auditLogging feature (on in the hardened phase): auditd records every write to
# libvirt's configuration, /etc/hypervisor and the VM images.
{
  config,
  lib,
  ...
}:
let
  cfg = config.hypervisor;
in
{
  config = lib.mkIf (cfg.enable && cfg.features.auditLogging.enable) {
    security.auditd.enable = true;
    security.audit.enable = true;
    security.audit.rules = import ./audit-rules.nix { inherit (cfg.storage) imagesDirectory; };
  };
}
