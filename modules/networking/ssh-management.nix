# The sshManagement feature: operators reach libvirt with `qemu+ssh://host/system`. sshd is
# on and accepts only administrators (wheel) and operators; the phase decides whether
# passwords are accepted (modules/security/ssh.nix).
{
  config,
  lib,
  ...
}:
let
  cfg = config.hypervisor;
in
{
  config = lib.mkIf (cfg.enable && cfg.features.sshManagement.enable) {
    services.openssh.enable = true;
    services.openssh.settings.AllowGroups = [
      "wheel"
      cfg.operatorGroup
    ];
  };
}
