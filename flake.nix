{
  description = "Hyper-NixOS: a secure libvirt/QEMU hypervisor as NixOS modules, managed with the hv CLI";

  # The only input: consumers need nothing but nixpkgs.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.11";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f system nixpkgs.legacyPackages.${system});
    in
    {
      # An explicit list: one module per category, and `default` with all of them.
      nixosModules = {
        default = ./modules;
        core = ./modules/core;
        features = ./modules/features;
        security = ./modules/security;
        virtualization = ./modules/virtualization;
        networking = ./modules/networking;
      };

      # The feature registry as data, and its resolver, for tools that read it without a
      # host (`hv features` in a checkout uses the same files through nix-instantiate).
      lib = {
        featureRegistry = import ./modules/features/feature-categories.nix;
        resolveFeatures = import ./modules/features/resolve.nix;
      };

      packages = forAllSystems (
        _system: pkgs: rec {
          hv = pkgs.callPackage ./packages/hv { };
          default = hv;
        }
      );

      apps = forAllSystems (
        system: _pkgs: rec {
          hv = {
            type = "app";
            program = lib.getExe self.packages.${system}.hv;
          };
          default = hv;
        }
      );

      devShells = forAllSystems (
        _system: pkgs: {
          default = pkgs.mkShell {
            packages = [
              pkgs.nodejs_22
              pkgs.libvirt
              pkgs.qemu
              pkgs.shellcheck
              pkgs.nix
              pkgs.nixfmt
              pkgs.libxml2
              pkgs.cdrkit
            ];
          };
        }
      );

      formatter = forAllSystems (_system: pkgs: pkgs.nixfmt);

      checks = forAllSystems (
        system: pkgs: {
          # The CLI builds from the committed lock, offline.
          hv = self.packages.${system}.hv;
          # Every Nix file of the project parses.
          nix-parse = pkgs.runCommand "hyper-nixos-nix-parse" { nativeBuildInputs = [ pkgs.nix ]; } ''
            cd ${self}
            find . -name '*.nix' -not -path './cli/node_modules/*' -print0 |
              xargs -0 -n1 nix-instantiate --store dummy:// --parse >/dev/null
            touch $out
          '';
        }
        # NixOS VM tests and evaluation checks: every tests/nixos/*.nix, as nixos-<name>.
        // lib.mapAttrs' (
          file: _:
          lib.nameValuePair "nixos-${lib.removeSuffix ".nix" file}" (
            import (./tests/nixos + "/${file}") { inherit pkgs self nixpkgs; }
          )
        ) (lib.filterAttrs (file: type: type == "regular" && lib.hasSuffix ".nix" file) (builtins.readDir ./tests/nixos))
      );
    };
}
