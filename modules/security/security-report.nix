# /etc/hypervisor/security.json: what the active phase guarantees, as checks that
# `hv security audit` runs against the live host. Generated from the same values the
# other modules set, so the audit cannot drift from the configuration.
{
  config,
  lib,
  ...
}:
let
  cfg = config.hypervisor;
  hardened = cfg.security.phase == "hardened";
  otherPhase = if hardened then "setup" else "hardened";
  polkitRulesPath = "/etc/polkit-1/rules.d/05-hypervisor.rules";

  guarantee = id: description: check: { inherit id description check; };
in
{
  # The guarantees read what other modules configured: computed here, under mkIf, not in the
  # top-level let.
  config = lib.mkIf cfg.enable (
    let
      phaseGuarantees = [
        (guarantee "phase-marker" "The phase marker matches the configuration." {
          kind = "file-exists";
          path = "/etc/hypervisor/.phase-${cfg.security.phase}";
        })
        (guarantee "no-other-phase-marker" "No marker of the other phase is left behind." {
          kind = "file-absent";
          path = "/etc/hypervisor/.phase-${otherPhase}";
        })
        (guarantee "polkit-rules" "The polkit rules for libvirt are the generated ones." {
          kind = "file-sha256";
          path = polkitRulesPath;
          sha256 = builtins.hashString "sha256" config.environment.etc."polkit-1/rules.d/05-hypervisor.rules".text;
        })
        (guarantee "operators" "Exactly the configured operators are in ${cfg.operatorGroup}." {
          kind = "group-members";
          group = cfg.operatorGroup;
          members = lib.sort lib.lessThan cfg.operators;
        })
      ];

      sysctlGuarantees = lib.optionals cfg.features.kernelHardening.enable (
        lib.mapAttrsToList (
          key: value:
          guarantee "sysctl:${key}" "Kernel setting ${key} is ${toString value}." {
            kind = "sysctl";
            inherit key;
            value = toString value;
          }
        ) (import ./kernel-hardening-sysctls.nix)
      );

      sshdGuarantees = lib.optionals (hardened && config.services.openssh.enable) [
        (guarantee "sshd:passwordauthentication" "sshd refuses passwords." {
          kind = "sshd";
          key = "passwordauthentication";
          value = "no";
        })
        (guarantee "sshd:kbdinteractiveauthentication" "sshd refuses keyboard-interactive logins." {
          kind = "sshd";
          key = "kbdinteractiveauthentication";
          value = "no";
        })
        (guarantee "sshd:permitrootlogin" "sshd refuses root logins." {
          kind = "sshd";
          key = "permitrootlogin";
          value = "no";
        })
      ];

      hardenedGuarantees = lib.optionals hardened [
        (guarantee "libvirt-access-control" "libvirt asks polkit about every API call." {
          kind = "libvirtd-config";
          key = "access_drivers";
          value = ''[ "polkit" ]'';
        })
        (guarantee "qemu-not-root" "QEMU runs as qemu-libvirtd, not root." {
          kind = "file-contains";
          path = "/var/lib/libvirt/qemu.conf";
          text = ''user = "qemu-libvirtd"'';
        })
      ];

      auditGuarantees = lib.optionals cfg.features.auditLogging.enable [
        (guarantee "auditd" "auditd is running." {
          kind = "process";
          name = "auditd";
        })
      ];

      administrators = lib.mapAttrsToList (name: user: {
        inherit name;
        sshKeys = builtins.length user.openssh.authorizedKeys.keys;
      }) (lib.filterAttrs (_: user: builtins.elem "wheel" user.extraGroups) config.users.users);
    in
    {
      environment.etc."hypervisor/security.json".text = builtins.toJSON {
        schemaVersion = 1;
        inherit (cfg.security) phase;
        inherit (cfg) operatorGroup;
        operators = lib.sort lib.lessThan cfg.operators;
        inherit administrators;
        guarantees = phaseGuarantees ++ sysctlGuarantees ++ sshdGuarantees ++ hardenedGuarantees ++ auditGuarantees;
      };
    }
  );
}
