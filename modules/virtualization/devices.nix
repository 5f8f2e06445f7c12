# Device, CPU and memory features: IOMMU, VFIO passthrough, USB redirection, virtiofs,
# huge pages, nested virtualization and the guest agent channel.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  cfg = config.hypervisor;
  features = cfg.features;
  pciId = lib.types.strMatching "[0-9a-fA-F]{4}:[0-9a-fA-F]{4}";
in
{
  options.hypervisor.features = {
    gpuPassthrough.pciIds = lib.mkOption {
      type = lib.types.listOf pciId;
      default = [ ];
      example = [
        "10de:1b80"
        "10de:10f0"
      ];
      description = ''
        PCI `vendor:device` ids (from `lspci -nn`) bound to vfio-pci at boot: the GPU and
        every other function in its IOMMU group (usually its audio device).
      '';
    };

    hugepages.count = lib.mkOption {
      type = lib.types.ints.positive;
      default = 1024;
      example = 8192;
      description = "How many 2 MiB huge pages to reserve at boot (1024 = 2 GiB).";
    };
  };

  config = lib.mkIf cfg.enable (
    lib.mkMerge [
      (lib.mkIf features.iommu.enable {
        boot.kernelParams = [
          "intel_iommu=on"
          "amd_iommu=on"
        ];
      })

      (lib.mkIf features.gpuPassthrough.enable {
        boot.initrd.kernelModules = [
          "vfio_pci"
          "vfio"
          "vfio_iommu_type1"
        ];
        boot.kernelParams = [ "vfio-pci.ids=${lib.concatStringsSep "," features.gpuPassthrough.pciIds}" ];
        assertions = [
          {
            assertion = features.gpuPassthrough.pciIds != [ ];
            message = "Hyper-NixOS: feature \"gpuPassthrough\" needs the devices to pass through. Set hypervisor.features.gpuPassthrough.pciIds = [ \"10de:1b80\" ]; (ids from `lspci -nn`).";
          }
        ];
      })

      (lib.mkIf features.usbPassthrough.enable {
        virtualisation.spiceUSBRedirection.enable = true;
      })

      (lib.mkIf features.sharedFolders.enable {
        virtualisation.libvirtd.qemu.vhostUserPackages = [ pkgs.virtiofsd ];
      })

      (lib.mkIf features.hugepages.enable {
        boot.kernelParams = [
          "default_hugepagesz=2M"
          "hugepagesz=2M"
          "hugepages=${toString features.hugepages.count}"
        ];
      })

      (lib.mkIf features.nestedVirtualization.enable {
        boot.extraModprobeConfig = ''
          options kvm_intel nested=1
          options kvm_amd nested=1
        '';
      })

      (lib.mkIf features.guestAgent.enable {
        hypervisor.cli.defaults.guestAgent = lib.mkDefault true;
      })
    ]
  );
}
