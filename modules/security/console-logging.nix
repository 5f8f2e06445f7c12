# The serialConsoleLogging feature: new VMs log their serial console (written by virtlogd,
# as root) to a root-only directory, rotated weekly.
{
  config,
  lib,
  ...
}:
let
  cfg = config.hypervisor;
  consoleLogDirectory = "/var/log/hypervisor/consoles";
in
{
  config = lib.mkIf (cfg.enable && cfg.features.serialConsoleLogging.enable) {
    hypervisor.cli.defaults.serialConsoleLog = lib.mkDefault true;

    systemd.tmpfiles.rules = [
      "d /var/log/hypervisor 0755 root root -"
      "d ${consoleLogDirectory} 0700 root root -"
    ];

    services.logrotate.settings.hypervisor-consoles = {
      files = "${consoleLogDirectory}/*.log";
      frequency = "weekly";
      rotate = 4;
      compress = true;
      copytruncate = true;
      missingok = true;
    };
  };
}
