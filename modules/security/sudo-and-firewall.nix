# Hardened phase: sudo always asks for a password, and the firewall is on, denying every
# port that no enabled feature needs.
{
  config,
  lib,
  ...
}:
let
  cfg = config.hypervisor;
  hardened = cfg.security.phase == "hardened";

  sudoRuleIsPasswordless =
    rule:
    builtins.any (
      command: builtins.isAttrs command && builtins.elem "NOPASSWD" (command.options or [ ])
    ) rule.commands;
in
{
  options.hypervisor.security.extraAllowedPorts = lib.mkOption {
    type = lib.types.listOf lib.types.port;
    default = [ ];
    example = [ 443 ];
    description = ''
      Ports the hardened phase may leave open on every interface besides those the enabled
      features need (22 for `sshManagement`, 16514 for `remoteManagement`). Any other
      globally opened port fails evaluation in the hardened phase.
    '';
  };

  # These read what other modules configured: computed here, under mkIf, not in the
  # top-level let.
  config = lib.mkIf (cfg.enable && hardened) (
    let
      passwordlessSudo =
        builtins.any sudoRuleIsPasswordless config.security.sudo.extraRules
        || lib.hasInfix "NOPASSWD" config.security.sudo.extraConfig;

      featurePorts =
        lib.optionals cfg.features.sshManagement.enable config.services.openssh.ports
        ++ lib.optional cfg.features.remoteManagement.enable 16514;
      allowedPorts = lib.unique (
        config.networking.firewall.allowedTCPPorts ++ config.networking.firewall.allowedUDPPorts
      );
      unexpectedPorts = lib.subtractLists (featurePorts ++ cfg.security.extraAllowedPorts) allowedPorts;
    in
    {
      security.sudo.wheelNeedsPassword = true;
      networking.firewall.enable = true;

      assertions = [
        {
          assertion = !passwordlessSudo;
          message = "Hyper-NixOS: the hardened phase forbids passwordless sudo, but security.sudo.extraRules or security.sudo.extraConfig grants NOPASSWD. Remove it, or stay in the setup phase (hypervisor.security.phase = \"setup\";).";
        }
        {
          assertion = unexpectedPorts == [ ];
          message = "Hyper-NixOS: the hardened phase opens only the ports enabled features need, but networking.firewall also allows ${lib.concatMapStringsSep ", " toString unexpectedPorts}. Close them, or list them in hypervisor.security.extraAllowedPorts.";
        }
      ];
    }
  );
}
