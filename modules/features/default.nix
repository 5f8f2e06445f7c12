# The feature registry as NixOS options: `hypervisor.features.<name>.enable` for every
# entry of feature-categories.nix, its rules as assertions and warnings, and the resolved
# registry in /etc/hypervisor/features.json. What each feature configures lives in the
# module of its category; feature-specific options are declared there too.
{
  config,
  lib,
  ...
}:
let
  cfg = config.hypervisor;
  registry = import ./feature-categories.nix;

  # The hardened phase turns these on; switching them off there fails evaluation
  # (modules/security/phase.nix).
  hardenedPhaseFeatures = [
    "auditLogging"
    "kernelHardening"
  ];

  featureOption =
    name: feature:
    let
      hardenedDefault = builtins.elem name hardenedPhaseFeatures;
    in
    {
      enable = lib.mkOption {
        type = lib.types.bool;
        default = if hardenedDefault then feature.default || cfg.security.phase == "hardened" else feature.default;
        defaultText =
          if hardenedDefault then
            lib.literalExpression ''config.hypervisor.security.phase == "hardened"''
          else
            lib.literalExpression (lib.boolToString feature.default);
        description = ''
          Whether to enable the `${name}` feature (${feature.category}): ${feature.description}

          Risk: **${feature.risk}**. Impacts: ${lib.concatStringsSep " " feature.impacts}
          ${lib.optionalString (feature.dependencies != [ ])
            "Needs: ${lib.concatMapStringsSep ", " (dep: "`hypervisor.features.${dep}.enable`") feature.dependencies}."
          }
        '';
      };
    };
in
{
  # Every category module imports what it uses, so each nixosModules.<category> works
  # alone; the module system imports each file once.
  imports = [
    ../core
    ../security/phase.nix
  ];

  options.hypervisor.features = lib.mapAttrs featureOption registry.features;

  config = lib.mkIf cfg.enable (
    let
      resolved = import ./resolve.nix {
        inherit registry;
        enabled = lib.mapAttrs (name: _: cfg.features.${name}.enable) registry.features;
        inherit (cfg.security) phase riskTolerance acknowledgedRisks;
      };
    in
    {
      assertions = map (message: {
        assertion = false;
        inherit message;
      }) resolved.violations;
      inherit (resolved) warnings;

      environment.etc."hypervisor/features.json".text = builtins.toJSON resolved.report;
    }
  );
}
