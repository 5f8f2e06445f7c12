# The NixOS options our modules set or read, declared with the types nixpkgs (nixos-25.11)
# gives them, so that `lib.evalModules` over our modules behaves like NixOS does for these
# options: a misspelt option is "does not exist", a wrong type is "is not of type", two
# plain definitions of one boolean conflict. Only the subset we touch is declared; keep it
# in step with nixpkgs when a module starts using a new option (the evaluation tests fail
# with "The option `...' does not exist" until it is declared here).
#
# This is a stand-in for NixOS itself, which cannot be fetched on our machines; the flake
# checks (tests/nixos) evaluate the same modules against the real NixOS.
{ lib, pkgs, ... }:
let
  inherit (lib) mkOption types;

  option = type: default: mkOption { inherit type default; };
  bool = default: option types.bool default;
  strings = option (types.listOf types.str) [ ];
  ports = option (types.listOf types.port) [ ];
  lines = option types.lines "";

  etcFile = types.submodule (
    { name, ... }:
    {
      options = {
        enable = bool true;
        target = option types.str name;
        text = option (types.nullOr types.lines) null;
        source = mkOption { type = types.path; };
        mode = option types.str "symlink";
        user = option types.str "+0";
        group = option types.str "+0";
      };
    }
  );

  user = types.submodule (
    { name, ... }:
    {
      options = {
        name = option types.str name;
        uid = option (types.nullOr types.int) null;
        isNormalUser = bool false;
        isSystemUser = bool false;
        group = option types.str "";
        extraGroups = strings;
        description = option types.str "";
        hashedPassword = option (types.nullOr types.str) null;
        password = option (types.nullOr types.str) null;
        initialPassword = option (types.nullOr types.str) null;
        openssh.authorizedKeys.keys = option (types.listOf types.singleLineStr) [ ];
      };
    }
  );

  group = types.submodule (
    { name, ... }:
    {
      options = {
        name = option types.str name;
        gid = option (types.nullOr types.int) null;
        members = strings;
      };
    }
  );

  sudoCommand = types.submodule {
    options = {
      command = mkOption { type = types.str; };
      options = option (types.listOf (
        types.enum [
          "NOPASSWD"
          "PASSWD"
          "NOEXEC"
          "EXEC"
          "SETENV"
          "NOSETENV"
          "LOG_INPUT"
          "NOLOG_INPUT"
          "LOG_OUTPUT"
          "NOLOG_OUTPUT"
          "MAIL"
          "NOMAIL"
          "FOLLOW"
          "NOFLLOW"
          "INTERCEPT"
          "NOINTERCEPT"
        ]
      )) [ ];
    };
  };

  sudoRule = types.submodule {
    options = {
      users = option (types.listOf (types.either types.str types.int)) [ ];
      groups = option (types.listOf (types.either types.str types.int)) [ ];
      host = option types.str "ALL";
      runAs = option types.str "ALL:ALL";
      commands = mkOption { type = types.listOf (types.either types.str sudoCommand); };
    };
  };

  # nixpkgs' sshd settings: a freeform attribute set with a few typed keys.
  sshdSettings = types.submodule {
    freeformType = types.attrsOf (
      types.nullOr (
        types.oneOf [
          types.bool
          types.int
          types.str
          (types.listOf types.str)
        ]
      )
    );
    options = {
      PasswordAuthentication = bool true;
      KbdInteractiveAuthentication = bool true;
      PermitRootLogin = option (types.enum [
        "yes"
        "without-password"
        "prohibit-password"
        "forced-commands-only"
        "no"
      ]) "prohibit-password";
      AllowGroups = option (types.nullOr (types.listOf types.str)) null;
      AllowUsers = option (types.nullOr (types.listOf types.str)) null;
    };
  };

  firewallInterface = types.submodule {
    options = {
      allowedTCPPorts = ports;
      allowedUDPPorts = ports;
      allowedTCPPortRanges = option (types.listOf (types.attrsOf types.port)) [ ];
    };
  };

  unitOption = types.oneOf [
    types.bool
    types.int
    types.str
    (types.listOf types.str)
  ];

  service = types.submodule {
    options = {
      description = option types.str "";
      wantedBy = strings;
      requiredBy = strings;
      after = strings;
      before = strings;
      requires = strings;
      wants = strings;
      path = option (types.listOf (types.either types.package types.str)) [ ];
      environment = option (types.attrsOf types.str) { };
      serviceConfig = option (types.attrsOf unitOption) { };
      script = lines;
      restartTriggers = option (types.listOf types.unspecified) [ ];
    };
  };

  socket = types.submodule {
    options = {
      wantedBy = strings;
      listenStreams = strings;
    };
  };
in
{
  options = {
    assertions = option (types.listOf types.unspecified) [ ];
    warnings = option (types.listOf types.str) [ ];

    system.stateVersion = option types.str "25.11";

    environment = {
      systemPackages = option (types.listOf types.package) [ ];
      etc = option (types.attrsOf etcFile) { };
    };

    users = {
      users = option (types.attrsOf user) { };
      groups = option (types.attrsOf group) { };
    };

    virtualisation = {
      libvirtd = {
        enable = bool false;
        package = option types.package pkgs.libvirt;
        extraConfig = lines;
        extraOptions = strings;
        onBoot = option (types.enum [
          "start"
          "ignore"
        ]) "start";
        onShutdown = option (types.enum [
          "shutdown"
          "suspend"
        ]) "suspend";
        allowedBridges = option (types.listOf types.str) [ "virbr0" ];
        firewallBackend = option (types.enum [
          "iptables"
          "nftables"
        ]) "iptables";
        sshProxy = bool true;
        qemu = {
          package = option types.package pkgs.qemu;
          runAsRoot = bool true;
          verbatimConfig = option types.lines ''
            namespaces = []
          '';
          swtpm = {
            enable = bool false;
            package = option types.package pkgs.swtpm;
          };
          vhostUserPackages = option (types.listOf types.package) [ ];
        };
      };
      spiceUSBRedirection.enable = bool false;
      # Options of NixOS test nodes (qemu-vm.nix), set by tests/nixos/nodes.
      memorySize = option types.ints.positive 1024;
      cores = option types.ints.positive 1;
    };

    security = {
      polkit = {
        enable = bool false;
        extraConfig = lines;
      };
      sudo = {
        enable = bool true;
        wheelNeedsPassword = bool true;
        extraRules = option (types.listOf sudoRule) [ ];
        extraConfig = lines;
      };
      auditd.enable = bool false;
      audit = {
        enable = option (types.enum [
          false
          true
          "lock"
        ]) false;
        rules = strings;
      };
    };

    services = {
      openssh = {
        enable = bool false;
        ports = option (types.listOf types.port) [ 22 ];
        openFirewall = bool true;
        settings = option sshdSettings { };
      };
      logrotate.settings = option (types.attrsOf (
        types.submodule { freeformType = types.attrsOf types.anything; }
      )) { };
    };

    boot = {
      kernel.sysctl = option (types.attrsOf (
        types.nullOr (
          types.oneOf [
            types.bool
            types.str
            types.int
          ]
        )
      )) { };
      kernelParams = strings;
      kernelModules = strings;
      initrd.kernelModules = strings;
      extraModprobeConfig = lines;
      loader.grub.enable = bool true;
    };

    networking = {
      firewall = {
        enable = bool true;
        allowedTCPPorts = ports;
        allowedUDPPorts = ports;
        interfaces = option (types.attrsOf firewallInterface) { };
      };
      bridges = option (types.attrsOf (
        types.submodule {
          options = {
            interfaces = mkOption { type = types.listOf types.str; };
            rstp = bool false;
          };
        }
      )) { };
      interfaces = option (types.attrsOf (
        types.submodule { options.useDHCP = option (types.nullOr types.bool) null; }
      )) { };
    };

    systemd = {
      services = option (types.attrsOf service) { };
      sockets = option (types.attrsOf socket) { };
      tmpfiles.rules = strings;
    };
  };
}
