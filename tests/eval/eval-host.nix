# Evaluates the Hyper-NixOS modules the way NixOS would, with nixpkgs' lib alone:
# `lib.evalModules` over our modules, the host's configuration, and
# nixos-interface.nix, which declares (with nixpkgs' own types) exactly the NixOS options
# our modules set. Setting an option it does not declare is an evaluation error, so a
# misspelt NixOS option fails the tests.
#
# nixpkgs' lib comes from Nix's search path (`<nixpkgs/lib>`): on NixOS the host's
# nixpkgs; elsewhere register a copy, e.g. NIX_PATH=nixpkgs=/path/to/nixpkgs.lib.
{
  configuration,
  lib ? import <nixpkgs/lib>,
}:
let
  evaluated = lib.evalModules {
    modules = [
      ./nixos-interface.nix
      ../../modules
      configuration
      { _module.args.pkgs = import ./stub-pkgs.nix; }
    ];
  };
  inherit (evaluated) config;
  textOf = file: if file.text != null then file.text else null;
in
{
  inherit config;
  failedAssertions = map (assertion: assertion.message) (
    builtins.filter (assertion: !assertion.assertion) config.assertions
  );
  inherit (config) warnings;
  # /etc files the modules generate, by path under /etc.
  etc = lib.mapAttrs (_: textOf) (lib.filterAttrs (_: file: file.enable) config.environment.etc);
}
