# A substitute for nixpkgs' package set, for evaluation tests on machines without nixpkgs:
# derivation-shaped attribute sets with the names the modules and the option interface
# refer to. They satisfy `lib.types.package` but build nothing; full NixOS evaluation
# with real packages happens in the flake checks (tests/nixos) where nixpkgs is available.
let
  fake = name: {
    type = "derivation";
    inherit name;
    pname = name;
    version = "0-eval-stub";
    outPath = "/nix/store/00000000000000000000000000000000-${name}-eval-stub";
    drvPath = "/nix/store/00000000000000000000000000000000-${name}-eval-stub.drv";
  };
  names = [
    "bash"
    "coreutils"
    "hv"
    "iptables"
    "libvirt"
    "logrotate"
    "openssh"
    "qemu"
    "qemu_kvm"
    "sudo"
    "swtpm"
    "virtiofsd"
  ];
in
builtins.listToAttrs (map (name: { inherit name; value = fake name; }) names)
// {
  callPackage = path: _args: fake (baseNameOf (toString path));
}
