# Resolves the feature registry against one host's choices: which features are on, which
# rules they break, what to warn about, and the report written to
# /etc/hypervisor/features.json.
#
# Pure and builtins-only (no nixpkgs, no config), so the same function serves the modules,
# `hv features` in a checkout and the tests, anywhere nix-instantiate runs:
#   nix-instantiate --eval --strict --json modules/features/resolve.nix -A report
{
  registry ? import ./feature-categories.nix,
  # Feature name -> bool. A feature not named here takes its registry default.
  enabled ? { },
  phase ? "setup",
  riskTolerance ? "moderate",
  acknowledgedRisks ? [ ],
}:
let
  inherit (builtins)
    attrNames
    concatMap
    concatStringsSep
    elem
    filter
    genList
    length
    listToAttrs
    mapAttrs
    ;

  features = registry.features;
  names = attrNames features; # sorted, so every list below is in a stable order

  indexOf =
    list: value:
    let
      matches = filter (i: builtins.elemAt list i == value) (genList (i: i) (length list));
    in
    if matches == [ ] then throw "Hyper-NixOS: unknown risk level \"${value}\"" else builtins.head matches;
  riskRank = indexOf registry.riskLevels;

  isEnabled = name: enabled.${name} or features.${name}.default;
  enabledNames = filter isEnabled names;
  aboveTolerance = name: riskRank features.${name}.risk > riskRank riskTolerance;
  isAcknowledged = name: elem name acknowledgedRisks;
  refusedInPhase = name: phase == "hardened" && features.${name}.risk == "critical";

  quote = name: "\"${name}\"";
  enableOption = name: "hypervisor.features.${name}.enable";
  bullets = lines: concatStringsSep "\n" (map (line: "  - ${line}") lines);

  missingDependencies = concatMap (
    name:
    map (dependency: { inherit name dependency; }) (
      filter (dependency: !isEnabled dependency) features.${name}.dependencies
    )
  ) enabledNames;

  # A conflict may be declared on either side or both; report each pair once.
  conflictingPairs = builtins.attrValues (
    listToAttrs (
      concatMap (
        name:
        map (
          other:
          let
            pair = if name < other then [ name other ] else [ other name ];
          in
          {
            name = concatStringsSep "+" pair;
            value = pair;
          }
        ) (filter isEnabled features.${name}.conflicts)
      ) enabledNames
    )
  );

  unacknowledged = filter (name: aboveTolerance name && !isAcknowledged name) enabledNames;
  refused = filter refusedInPhase enabledNames;

  dependencyMessages = map (
    { name, dependency }:
    "Hyper-NixOS: feature ${quote name} depends on ${quote dependency}, which is not enabled. "
    + "Set ${enableOption dependency} = true; or turn ${name} off (${enableOption name} = false;)."
  ) missingDependencies;

  conflictMessages = map (
    pair:
    let
      first = builtins.elemAt pair 0;
      second = builtins.elemAt pair 1;
    in
    "Hyper-NixOS: features ${quote first} and ${quote second} conflict and cannot both be enabled. "
    + "Turn one off: ${enableOption first} = false; or ${enableOption second} = false;"
  ) conflictingPairs;

  riskMessages = map (
    name:
    let
      feature = features.${name};
    in
    concatStringsSep "\n" [
      "Hyper-NixOS: feature ${quote name} has ${feature.risk} risk, above this host's risk tolerance (${riskTolerance}), and is not acknowledged."
      "Impacts:"
      (bullets feature.impacts)
      "Mitigations:"
      (bullets feature.mitigations)
      "To accept the risk, add it to the acknowledged risks:"
      "  hypervisor.security.acknowledgedRisks = [ ${quote name} ];"
      "or turn it off: ${enableOption name} = false;"
    ]
  ) unacknowledged;

  phaseMessages = map (
    name:
    "Hyper-NixOS: feature ${quote name} has critical risk and is refused in the hardened phase, even when acknowledged. "
    + "Turn it off (${enableOption name} = false;) or go back to the setup phase (hypervisor.security.phase = \"setup\";)."
  ) refused;

  warnings = map (
    name:
    let
      feature = features.${name};
    in
    "Hyper-NixOS: feature ${quote name} (${feature.risk} risk) is enabled. Impacts: "
    + concatStringsSep " " feature.impacts
  ) (filter (name: riskRank features.${name}.risk >= riskRank "moderate") enabledNames);

  highestEnabledRisk =
    let
      present = filter (level: filter (name: features.${name}.risk == level) enabledNames != [ ]) registry.riskLevels;
    in
    if present == [ ] then null else builtins.elemAt present (length present - 1);
in
{
  inherit enabledNames isEnabled;

  # Every broken rule, each a complete message for the NixOS `assertions`.
  violations = dependencyMessages ++ conflictMessages ++ riskMessages ++ phaseMessages;
  inherit warnings;

  # The resolved registry, written to /etc/hypervisor/features.json.
  report = {
    schemaVersion = 1;
    inherit
      phase
      riskTolerance
      acknowledgedRisks
      highestEnabledRisk
      ;
    inherit (registry) riskLevels categories;
    features = mapAttrs (
      name: feature:
      feature
      // {
        inherit name;
        enabled = isEnabled name;
        aboveTolerance = aboveTolerance name;
        acknowledged = isAcknowledged name;
        refusedInPhase = refusedInPhase name;
      }
    ) features;
    summary = {
      enabled = enabledNames;
      byRisk = listToAttrs (
        map (level: {
          name = level;
          value = filter (name: features.${name}.risk == level) enabledNames;
        }) registry.riskLevels
      );
      acknowledged = filter (name: aboveTolerance name && isAcknowledged name) enabledNames;
      inherit unacknowledged refused;
    };
  };
}
