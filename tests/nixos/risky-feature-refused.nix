# Flake check: a host enabling a high-risk feature without acknowledging it does not
# evaluate. (Assertion failures are `throw`s, which builtins.tryEval catches.)
{
  pkgs,
  self,
  nixpkgs,
}:
let
  host = nixpkgs.lib.nixosSystem {
    inherit (pkgs.stdenv.hostPlatform) system;
    modules = [
      self.nixosModules.default
      ./nodes/risky-host.nix
      {
        boot.loader.grub.enable = false;
        fileSystems."/".device = "/dev/vda";
        system.stateVersion = "25.11";
      }
    ];
  };
  outcome = builtins.tryEval host.config.system.build.toplevel.drvPath;
in
pkgs.runCommand "hyper-nixos-risky-feature-refused" { } (
  if outcome.success then
    ''
      echo "a high-risk feature without acknowledgement evaluated, but must be refused" >&2
      exit 1
    ''
  else
    "touch $out"
)
