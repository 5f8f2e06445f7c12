# sshd settings per phase. Setup: passwords allowed (installation needs them; a warning
# says so). Hardened: keys only, no root login. Hardened values are set at normal
# priority, so a host that sets them otherwise fails evaluation instead of silently
# weakening the phase.
{
  config,
  lib,
  ...
}:
let
  cfg = config.hypervisor;
  hardened = cfg.security.phase == "hardened";
  setOrDefault = value: if hardened then value else lib.mkDefault value;
in
{
  config = lib.mkIf cfg.enable {
    services.openssh.settings = {
      PasswordAuthentication = setOrDefault (!hardened);
      KbdInteractiveAuthentication = setOrDefault (!hardened);
      PermitRootLogin = setOrDefault (if hardened then "no" else "prohibit-password");
    };

    warnings = lib.optional (
      !hardened && config.services.openssh.enable && config.services.openssh.settings.PasswordAuthentication == true
    ) "Hyper-NixOS: setup phase: sshd accepts password logins. Add SSH keys for your administrators, then set hypervisor.security.phase = \"hardened\"; (keys only).";
  };
}
