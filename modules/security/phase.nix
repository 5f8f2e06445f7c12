# The active phase, the risk policy's knobs, and the phase files in /etc/hypervisor:
# `phase` and the marker `.phase-setup` or `.phase-hardened`. They are generated from the
# configuration, so scripts that detect the phase by them cannot drift from it.
{
  config,
  lib,
  ...
}:
let
  cfg = config.hypervisor;
  registry = import ../features/feature-categories.nix;
  hardened = cfg.security.phase == "hardened";
in
{
  options.hypervisor.security = {
    phase = lib.mkOption {
      type = lib.types.enum [
        "setup"
        "hardened"
      ];
      default = "setup";
      example = "hardened";
      description = ''
        The host's security phase. `setup` is permissive for installation (SSH passwords
        allowed, operators' libvirt access is root-equivalent); `hardened` is for
        production (SSH keys only, no passwordless sudo, kernel hardening, default-deny
        firewall, auditd, and libvirt's polkit access control limiting operators to the
        VM lifecycle). See docs/security-model.md.
      '';
    };

    riskTolerance = lib.mkOption {
      type = lib.types.enum registry.riskLevels;
      default = "moderate";
      example = "low";
      description = ''
        The highest feature risk allowed without acknowledgement. An enabled feature above
        it must be named in `hypervisor.security.acknowledgedRisks`, or evaluation fails.
      '';
    };

    acknowledgedRisks = lib.mkOption {
      type = lib.types.listOf (lib.types.enum (builtins.attrNames registry.features));
      default = [ ];
      example = [ "remoteManagement" ];
      description = ''
        Features whose risk above `hypervisor.security.riskTolerance` the administrator
        accepts. Critical features are refused in the hardened phase even when listed.
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    environment.etc = {
      "hypervisor/phase".text = "${cfg.security.phase}\n";
      "hypervisor/.phase-${cfg.security.phase}".text = "";
    };

    assertions = map (name: {
      assertion = !hardened || cfg.features.${name}.enable;
      message = "Hyper-NixOS: the hardened phase requires the ${name} feature. Remove `hypervisor.features.${name}.enable = false;` or stay in the setup phase (hypervisor.security.phase = \"setup\";).";
    }) [
      "auditLogging"
      "kernelHardening"
    ];
  };
}
