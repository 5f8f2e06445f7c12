# Firmware and TPM features. OVMF (UEFI, with and without Secure Boot) ships with QEMU and
# NixOS's libvirtd module makes all of it available; these features choose what new VMs
# get (hv.json's defaults) and run swtpm for emulated TPMs.
{
  config,
  lib,
  ...
}:
let
  cfg = config.hypervisor;
  features = cfg.features;
in
{
  config = lib.mkIf cfg.enable (
    lib.mkMerge [
      (lib.mkIf features.uefi.enable {
        hypervisor.cli.defaults.firmware = lib.mkDefault "uefi";
      })
      (lib.mkIf features.secureBoot.enable {
        hypervisor.cli.defaults.secureBoot = lib.mkDefault true;
      })
      (lib.mkIf features.tpm.enable {
        virtualisation.libvirtd.qemu.swtpm.enable = true;
        hypervisor.cli.defaults.tpm = lib.mkDefault true;
      })
    ]
  );
}
