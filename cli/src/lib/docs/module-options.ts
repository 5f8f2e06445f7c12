/**
 * The option declarations of the NixOS modules, as data for docs/options.md and for
 * checking the options documents name. nixpkgs is not needed (our machines and CI do not
 * have it): nix-instantiate calls every module reachable from modules/default.nix with a
 * stand-in `lib` whose `mkOption` and `types` record their arguments, and with `config`,
 * `pkgs` and `options` that fail when read, then lists the options like nixpkgs'
 * `lib.optionAttrSetToDocList` (type descriptions worded as nixpkgs words them; a test
 * compares both where nixpkgs' lib is available).
 */
import { relative } from 'node:path'
import { z } from 'zod'
import { run } from '../exec.js'
import { OFFLINE_NIX_CONFIG } from '../nix/registry-file.js'
import { cacheKey, type ResultCache } from '../validate/cache.js'
import { NIX_TAG, type NixData } from './nix-pretty.js'

/**
 * The extraction, a Nix function of `root` (absolute), `entries` (JSON list of
 * root-relative module files), `follow` (follow `imports`) and `guard` (catch each module's
 * failure instead of stopping). Written without string interpolation or backticks so that
 * it reads here exactly as nix-instantiate reads it.
 */
export const OPTIONS_EXTRACTION = String.raw`
# Option declarations of NixOS modules, read without nixpkgs: each module is called with a
# stand-in lib whose mkOption and types record what they are given, and with config, pkgs
# and options that fail when read (declarations must not read them). Answers, like
# lib.optionAttrSetToDocList, one entry per option (sub-options of submodules included).
{
  root,
  entries,
  follow,
  guard,
}:
let
  inherit (builtins)
    all
    any
    attrNames
    concatLists
    concatMap
    concatStringsSep
    deepSeq
    elem
    elemAt
    filter
    foldl'
    functionArgs
    genList
    genericClosure
    getAttr
    hasAttr
    head
    isAttrs
    isBool
    isFloat
    isFunction
    isInt
    isList
    isPath
    isString
    length
    listToAttrs
    mapAttrs
    pathExists
    stringLength
    substring
    tail
    toJSON
    tryEval
    typeOf
    ;

  rootPath = /. + root;
  entryFiles = builtins.fromJSON entries;

  # What option declarations must not read. Forcing it is an error (caught per module).
  forbidden = what: throw ("hv docs: option declarations read " + what + ", which documentation cannot provide");

  # ---- the stand-in lib: what option declarations use, recording their arguments ----

  hasPrefix = prefix: text: substring 0 (stringLength prefix) text == prefix;
  hasSuffix =
    suffix: text:
    let
      start = stringLength text - stringLength suffix;
    in
    start >= 0 && substring start (stringLength suffix) text == suffix;
  hasInfix =
    infix: text:
    let
      last = stringLength text - stringLength infix;
    in
    last >= 0 && any (index: substring index (stringLength infix) text == infix) (genList (index: index) (last + 1));
  removePrefix = prefix: text: if hasPrefix prefix text then substring (stringLength prefix) (stringLength text) text else text;
  removeSuffix =
    suffix: text: if hasSuffix suffix text then substring 0 (stringLength text - stringLength suffix) text else text;
  toList = value: if isList value then value else [ value ];
  optional = condition: value: if condition then [ value ] else [ ];
  optionals = condition: values: if condition then values else [ ];
  optionalString = condition: text: if condition then text else "";
  optionalAttrs = condition: attrs: if condition then attrs else { };
  boolToString = value: if value then "true" else "false";
  concatMapStringsSep = separator: f: list: concatStringsSep separator (map f list);
  mapAttrsToList = f: attrs: map (name: f name (getAttr name attrs)) (attrNames attrs);
  nameValuePair = name: value: { inherit name value; };
  filterAttrs =
    predicate: attrs:
    listToAttrs (
      concatMap (
        name:
        let
          value = getAttr name attrs;
        in
        if predicate name value then [ (nameValuePair name value) ] else [ ]
      ) (attrNames attrs)
    );
  genAttrs = names: f: listToAttrs (map (name: nameValuePair name (f name)) names);
  unique = foldl' (seen: value: if elem value seen then seen else seen ++ [ value ]) [ ];
  subtractLists = remove: filter (value: !(elem value remove));
  flatten = value: if isList value then concatMap flatten value else [ value ];
  last = list: elemAt list (length list - 1);
  init = list: genList (index: elemAt list index) (length list - 1);
  range = first: final: if first > final then [ ] else genList (index: first + index) (final - first + 1);

  showEnumValue =
    value:
    if isString value then
      "\"" + value + "\""
    else if isInt value then
      toString value
    else if isBool value then
      boolToString value
    else
      "<" + typeOf value + ">";

  # Parenthesised unless the type's phrase reads unambiguously in the sentence (nixpkgs' optionDescriptionPhrase).
  phrase =
    unparenthesize: type:
    if unparenthesize (type.descriptionClass or null) then type.description else "(" + type.description + ")";

  mkType =
    attrs:
    {
      _type = "option-type";
      descriptionClass = null;
      # How sub-options' locations continue (attrsOf: a name, listOf: an element), and of which type.
      elemType = null;
      subLoc = null;
      modules = [ ];
      # Which empty value the documentation shows as the default when there is none.
      emptyValue = null;
      # Whether a location may continue below the option with names of its own (attrsOf str).
      freeform = false;
    }
    // attrs;
  noun =
    name: description:
    mkType {
      inherit name description;
      descriptionClass = "noun";
    };
  betweenText = lowest: highest: toString lowest + " and " + toString highest + " (both inclusive)";
  bitsInt =
    lowest: highest: name: start:
    mkType {
      inherit name;
      description = start + "; between " + betweenText lowest highest;
      descriptionClass = "noun";
    };
  hasSubmodules = type: type.name == "submodule" || (type.elemType != null && hasSubmodules type.elemType);
  pathWith =
    {
      inStore ? null,
      absolute ? null,
    }:
    noun "path" (
      (
        if absolute == null then
          ""
        else if absolute then
          "absolute "
        else
          "relative "
      )
      + "path"
      + (
        if inStore == null then
          ""
        else if inStore then
          " in the Nix store"
        else
          " not in the Nix store"
      )
    );
  attrsWith =
    {
      elemType,
      lazy ? false,
      placeholder ? "name",
    }:
    mkType {
      name = if lazy then "lazyAttrsOf" else "attrsOf";
      description =
        (if lazy then "lazy attribute set" else "attribute set")
        + " of "
        + phrase (class: class == "noun" || class == "composite") elemType;
      descriptionClass = "composite";
      inherit elemType;
      subLoc = [ ("<" + placeholder + ">") ];
      emptyValue = if hasSubmodules elemType then null else { value = { }; };
      freeform = !(hasSubmodules elemType);
    };
  either =
    left: right:
    mkType {
      name = "either";
      description =
        if left.descriptionClass == "nonRestrictiveClause" then
          left.description + ", or " + phrase (class: class == "noun" || class == "conjunction") right
        else
          phrase (class: class == "noun" || class == "conjunction") left
          + " or "
          + phrase (class: class == "noun" || class == "conjunction" || class == "composite") right;
      descriptionClass = "conjunction";
    };
  separatedString = separator: noun "separatedString" ("strings concatenated with " + toJSON separator);
  submoduleWith =
    {
      modules,
      description ? null,
      ...
    }:
    mkType {
      name = "submodule";
      description = if description == null then "submodule" else description;
      inherit modules;
    };

  types = rec {
    raw = noun "raw" "raw value";
    anything = noun "anything" "anything" // {
      freeform = true;
    };
    unspecified = noun "unspecified" "unspecified value" // {
      freeform = true;
    };
    bool = noun "bool" "boolean";
    boolByOr = noun "boolByOr" "boolean (merged using or)";
    int = noun "int" "signed integer";
    ints = {
      between =
        lowest: highest:
        mkType {
          name = "intBetween";
          description = "integer between " + betweenText lowest highest;
          descriptionClass = "noun";
        };
      unsigned = mkType {
        name = "unsignedInt";
        description = "unsigned integer, meaning >=0";
        descriptionClass = "nonRestrictiveClause";
      };
      positive = mkType {
        name = "positiveInt";
        description = "positive integer, meaning >0";
        descriptionClass = "nonRestrictiveClause";
      };
      u8 = bitsInt 0 255 "unsignedInt8" "8 bit unsigned integer";
      u16 = bitsInt 0 65535 "unsignedInt16" "16 bit unsigned integer";
      u32 = bitsInt 0 4294967295 "unsignedInt32" "32 bit unsigned integer";
      s8 = bitsInt (-128) 127 "signedInt8" "8 bit signed integer";
      s16 = bitsInt (-32768) 32767 "signedInt16" "16 bit signed integer";
      s32 = bitsInt (-2147483648) 2147483647 "signedInt32" "32 bit signed integer";
    };
    port = ints.u16;
    float = noun "float" "floating point number";
    number = either int float;
    numbers = {
      between =
        lowest: highest:
        mkType {
          name = "numberBetween";
          description = "integer or floating point number between " + betweenText lowest highest;
        };
      nonnegative = mkType {
        name = "numberNonnegative";
        description = "nonnegative integer or floating point number, meaning >=0";
        descriptionClass = "nonRestrictiveClause";
      };
      positive = mkType {
        name = "numberPositive";
        description = "positive integer or floating point number, meaning >0";
        descriptionClass = "nonRestrictiveClause";
      };
    };
    str = noun "str" "string";
    nonEmptyStr = noun "nonEmptyStr" "non-empty string";
    singleLineStr = noun "singleLineStr" "(optionally newline-terminated) single-line string";
    strMatching = pattern: noun "strMatching" ("string matching the pattern " + pattern);
    inherit separatedString;
    lines = separatedString "\n";
    commas = separatedString ",";
    envVar = separatedString ":";
    passwdEntry =
      type:
      mkType {
        name = "passwdEntry " + type.name;
        description = phrase (class: class == "noun") type + ", not containing newlines or colons";
        descriptionClass = "nonRestrictiveClause";
      };
    attrs = mkType {
      name = "attrs";
      description = "attribute set";
      emptyValue = {
        value = { };
      };
      freeform = true;
    };
    package = noun "package" "package";
    shellPackage = package;
    pkgs = noun "pkgs" "Nixpkgs package set";
    inherit pathWith;
    path = pathWith { absolute = true; };
    pathInStore = pathWith { inStore = true; };
    externalPath = pathWith {
      absolute = true;
      inStore = false;
    };
    listOf =
      elemType:
      mkType {
        name = "listOf";
        description = "list of " + phrase (class: class == "noun" || class == "composite") elemType;
        descriptionClass = "composite";
        inherit elemType;
        subLoc = [ "*" ];
        emptyValue = if hasSubmodules elemType then null else { value = [ ]; };
      };
    nonEmptyListOf =
      elemType:
      let
        list = listOf elemType;
      in
      list
      // {
        description = "non-empty " + phrase (class: class == "noun") list;
        emptyValue = null;
      };
    inherit attrsWith;
    attrsOf = elemType: attrsWith { inherit elemType; };
    lazyAttrsOf =
      elemType:
      attrsWith {
        inherit elemType;
        lazy = true;
      };
    nullOr =
      elemType:
      mkType {
        name = "nullOr";
        description = "null or " + phrase (class: class == "noun" || class == "conjunction") elemType;
        descriptionClass = "conjunction";
        inherit elemType;
        subLoc = [ ];
        emptyValue = if hasSubmodules elemType then null else { value = null; };
      };
    unique = _: type: type // { name = "unique"; };
    uniq = unique { message = ""; };
    enum =
      values:
      mkType {
        name = "enum";
        description =
          if values == [ ] then
            "impossible (empty enum)"
          else if length values == 1 then
            "value " + showEnumValue (head values) + " (singular enum)"
          else
            "one of " + concatMapStringsSep ", " showEnumValue values;
        descriptionClass = if length values < 2 then "noun" else "conjunction";
      };
    inherit either;
    oneOf = types: foldl' either (head types) (tail types);
    coercedTo =
      coercedType: _coerce: finalType:
      mkType {
        name = "coercedTo";
        description =
          phrase (class: class == "noun") finalType
          + " or "
          + phrase (class: class == "noun") coercedType
          + " convertible to it";
        elemType = finalType;
        subLoc = [ ];
      };
    functionTo =
      elemType:
      mkType {
        name = "functionTo";
        description = "function that evaluates to a(n) " + phrase (class: class == "noun" || class == "composite") elemType;
        descriptionClass = "composite";
        inherit elemType;
        subLoc = [ "<function body>" ];
      };
    inherit submoduleWith;
    submodule =
      modules:
      submoduleWith {
        modules = toList modules;
      };
    deferredModule = noun "deferredModule" "module";
    deferredModuleWith = _: deferredModule;
    optionType = noun "optionType" "optionType";
    addCheck = type: _check: type;
  };

  literalExpression = text: {
    _type = "literalExpression";
    inherit text;
  };
  mkOption = attrs: attrs // { _type = "option"; };
  mkOverride = priority: content: {
    _type = "override";
    inherit priority content;
  };
  mkOrder = priority: content: {
    _type = "order";
    inherit priority content;
  };
  # A module that only renames or removes options declares nothing documentation shows.
  noOptions = { };

  lib = rec {
    inherit types mkOption literalExpression mkOverride mkOrder;
    inherit hasPrefix hasSuffix hasInfix removePrefix removeSuffix toList optional optionals optionalString optionalAttrs;
    inherit boolToString concatMapStringsSep mapAttrsToList nameValuePair filterAttrs genAttrs unique subtractLists;
    inherit flatten last init range;
    inherit (builtins)
      all
      any
      attrNames
      attrValues
      concatLists
      concatMap
      concatStringsSep
      elem
      elemAt
      filter
      foldl'
      genList
      hasAttr
      head
      isAttrs
      isBool
      isFunction
      isInt
      isList
      isString
      length
      listToAttrs
      mapAttrs
      replaceStrings
      sort
      tail
      toJSON
      ;
    mkEnableOption =
      name:
      mkOption {
        default = false;
        example = true;
        description = "Whether to enable " + name + ".";
        type = types.bool;
      };
    mkPackageOption =
      _pkgs: name:
      {
        nullable ? false,
        default ? name,
        example ? null,
        extraDescription ? "",
        pkgsText ? "pkgs",
      }:
      let
        dotted = value: if isList value then concatStringsSep "." value else value;
      in
      mkOption (
        {
          type = if nullable then types.nullOr types.package else types.package;
          description = "The " + dotted name + " package to use." + optionalString (extraDescription != "") (" " + extraDescription);
        }
        // optionalAttrs (default != null) { defaultText = literalExpression (pkgsText + "." + dotted default); }
        // optionalAttrs (example != null) {
          example = if isString example || isList example then literalExpression (pkgsText + "." + dotted example) else example;
        }
      );
    literalMD = text: {
      _type = "literalMD";
      inherit text;
    };
    literalExample = literalExpression;
    mdDoc = text: text;
    mkIf = condition: content: {
      _type = "if";
      inherit condition content;
    };
    mkMerge = contents: {
      _type = "merge";
      inherit contents;
    };
    mkDefault = mkOverride 1000;
    mkForce = mkOverride 50;
    mkOptionDefault = mkOverride 1500;
    mkBefore = mkOrder 500;
    mkAfter = mkOrder 1500;
    mkRenamedOptionModule = _: _: noOptions;
    mkRemovedOptionModule = _: _: noOptions;
    mkAliasOptionModule = _: _: noOptions;
    id = value: value;
    const = value: _: value;
    flip = f: a: b: f b a;
    concatStrings = concatStringsSep "";
    concatMapStrings = f: list: concatStringsSep "" (map f list);
    mapAttrs' = f: attrs: listToAttrs (mapAttrsToList f attrs);
    lessThan = builtins.lessThan;
    toUpper = builtins.replaceStrings (lowerChars) (upperChars);
    toLower = builtins.replaceStrings (upperChars) (lowerChars);
    lowerChars = [ "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o" "p" "q" "r" "s" "t" "u" "v" "w" "x" "y" "z" ];
    upperChars = [ "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M" "N" "O" "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z" ];
    splitString = separator: text: filter isString (builtins.split (escapeRegex separator) text);
    escapeRegex = builtins.replaceStrings [ "\\" "[" "]" "{" "}" "(" ")" "^" "$" "*" "+" "?" "." "|" ] [ "\\\\" "\\[" "\\]" "\\{" "\\}" "\\(" "\\)" "\\^" "\\$" "\\*" "\\+" "\\?" "\\." "\\|" ];
    importJSON = file: builtins.fromJSON (builtins.readFile file);
    fileContents = file: removeSuffix "\n" (builtins.readFile file);
    cleanSource = source: source;
    recursiveUpdate = left: right: left // right;
    attrByPath = path: default: attrs: if path == [ ] then attrs else if isAttrs attrs && hasAttr (head path) attrs then attrByPath (tail path) default (getAttr (head path) attrs) else default;
    strings = lib;
    lists = lib;
    attrsets = lib;
    trivial = lib;
    options = lib;
    modules = lib;
  };

  # ---- reading modules ----

  # Called like the module system calls a module: with the arguments it names (those it
  # gives a default keep it; any other is one documentation cannot provide).
  callModule =
    args: module:
    let
      wanted = functionArgs module;
      argument =
        name:
        if hasAttr name args then
          [ (nameValuePair name (getAttr name args)) ]
        else if getAttr name wanted then
          [ ]
        else
          [ (nameValuePair name (forbidden ("the module argument " + name))) ];
    in
    if isFunction module then module (listToAttrs (concatMap argument (attrNames wanted))) else module;

  moduleArgs = {
    inherit lib;
    config = forbidden "config";
    options = forbidden "options";
    pkgs = forbidden "pkgs";
    modulesPath = forbidden "modulesPath";
  };
  # Submodules get a name: nixpkgs documents them with the same stand-in.
  submoduleArgs = moduleArgs // {
    name = "‹name›";
  };

  fileOf =
    path:
    let
      text = toString path;
    in
    if pathExists (text + "/default.nix") then text + "/default.nix" else text;

  pathItem = path: {
    key = fileOf path;
    file = fileOf path;
    module = import path;
  };
  itemsOf =
    parent: imports:
    genList (
      index:
      let
        imported = elemAt imports index;
      in
      if isPath imported || isString imported then
        pathItem imported
      else
        {
          key = parent.key + "#" + toString index;
          inherit (parent) file;
          module = imported;
        }
    ) (length imports);
  importsOf = item: (callModule moduleArgs item.module).imports or [ ];

  modules = genericClosure {
    startSet = map (entry: pathItem (rootPath + ("/" + entry))) entryFiles;
    operator =
      item:
      if !follow then
        [ ]
      else if guard then
        let
          imports = tryEval (deepSeq (map (imported: isPath imported) (importsOf item)) (importsOf item));
        in
        if imports.success then itemsOf item imports.value else [ ]
      else
        itemsOf item (importsOf item);
  };

  # ---- options as documentation data ----

  isOption = value: isAttrs value && (value._type or null) == "option";

  # Values as JSON, with what JSON cannot carry tagged for the renderer (nix-pretty.ts).
  toData =
    value:
    if isFunction value then
      {
        __hvNix = "function";
        args = functionArgs value;
      }
    else if isPath value then
      {
        __hvNix = "path";
        text = toString value;
      }
    else if isFloat value then
      {
        __hvNix = "float";
        text = toJSON value;
      }
    else if isList value then
      map toData value
    else if isAttrs value then
      if (value.type or null) == "derivation" then
        {
          __hvNix = "derivation";
          name = value.name or "???";
        }
      else if value ? __pretty && value ? val then
        {
          __hvNix = "pretty";
          text = value.__pretty value.val;
        }
      else
        mapAttrs (_: toData) value
    else
      value;

  # A default or example: literal text as written, else the value; a value that reads
  # config or pkgs (and has no defaultText) cannot be shown.
  render =
    value:
    let
      literal = tryEval (isAttrs value && value ? _type && value ? text);
      data = toData value;
      forced = tryEval (deepSeq data data);
    in
    if literal.success && literal.value then
      {
        literal = value._type;
        inherit (value) text;
      }
    else if forced.success then
      { value = forced.value; }
    else
      { unrenderable = true; };

  optionDoc =
    file: loc: shown: option:
    let
      type = option.type or types.unspecified;
      visible = option.visible or true;
      internal = option.internal or false;
    in
    {
      inherit loc file;
      type = type.description or "unspecified";
      typeName = type.name or "unspecified";
      freeform = type.freeform or false;
      description = option.description or null;
      readOnly = option.readOnly or false;
      inherit internal visible;
      shown = shown && !internal && (visible == true || visible == "shallow");
    }
    // (
      if option ? defaultText then
        { default = render option.defaultText; }
      else if option ? default then
        { default = render option.default; }
      else if type.emptyValue or null != null then
        { default = render type.emptyValue.value; }
      else
        { }
    )
    // optionalAttrs (option ? example) { example = render option.example; };

  # Sub-options, as nixpkgs' getSubOptions: through attrsOf (<name>), listOf (*), nullOr, ... to a submodule.
  subOptions =
    file: loc: shown: type:
    if type.name or null == "submodule" then
      concatMap (module: moduleOptions file loc shown submoduleArgs module) type.modules
    else if type.elemType or null != null && type.subLoc or null != null then
      subOptions file (loc ++ type.subLoc) shown type.elemType
    else
      [ ];

  collect =
    file: loc: shown: tree:
    if isOption tree then
      let
        visible = tree.visible or true;
        internal = tree.internal or false;
      in
      [ (optionDoc file loc shown tree) ]
      ++ subOptions file loc (shown && !internal && (visible == true || visible == "transparent")) (tree.type or types.unspecified)
    else if isAttrs tree && !(tree ? _type) then
      concatMap (name: collect file (loc ++ [ name ]) shown (getAttr name tree)) (attrNames tree)
    else
      [ ];

  # A submodule's module: a path, a function or an attribute set, maybe importing more.
  moduleOptions =
    file: loc: shown: args: module:
    let
      fromPath = isPath module || isString module;
      evaluated = callModule args (if fromPath then import module else module);
      here = if fromPath then fileOf module else file;
    in
    collect here loc shown (evaluated.options or { })
    ++ concatMap (moduleOptions here loc shown args) (evaluated.imports or [ ]);

  describe =
    item:
    let
      evaluated = callModule moduleArgs item.module;
      options = collect item.file [ ] true (evaluated.options or { });
      imports = importsOf item;
      checked = tryEval (deepSeq [ options (map (imported: isPath imported) imports) ] options);
    in
    if guard then
      {
        inherit (item) file;
        ok = checked.success;
        options = if checked.success then checked.value else [ ];
      }
    else
      {
        inherit (item) file;
        ok = true;
        options = deepSeq options options;
      };
in
{
  root = toString rootPath;
  modules = map describe modules;
}
`

const Rendered = z.union([
  z.object({ literal: z.string(), text: z.string() }),
  z.object({ value: z.json() }),
  z.object({ unrenderable: z.literal(true) }),
])
export type RenderedValue = z.infer<typeof Rendered>

const ExtractedOption = z.object({
  loc: z.array(z.string()),
  file: z.string(),
  type: z.string(),
  typeName: z.string(),
  freeform: z.boolean(),
  description: z.string().nullable(),
  readOnly: z.boolean(),
  internal: z.boolean(),
  visible: z.union([z.boolean(), z.string()]),
  shown: z.boolean(),
  default: Rendered.optional(),
  example: Rendered.optional(),
})

const Extraction = z.object({
  root: z.string(),
  modules: z.array(z.object({ file: z.string(), ok: z.boolean(), options: z.array(ExtractedOption) })),
})

export interface ModuleOption extends Omit<z.infer<typeof ExtractedOption>, 'file'> {
  /** The module that declares it, project-relative. */
  file: string
}

export interface ModuleFailure {
  /** Project-relative; `modules/default.nix` when no better place is known. */
  file: string
  line: number
  column: number
  message: string
}

export interface ModuleOptions {
  options: ModuleOption[]
  /** Modules whose declarations could not be read; the options are then incomplete. */
  failures: ModuleFailure[]
}

export const OPTIONS_ENTRY = 'modules/default.nix'
const NIX_ENV = { NIX_CONFIG: OFFLINE_NIX_CONFIG }

function extractionArgs(root: string, entries: readonly string[], follow: boolean, guard: boolean, trace: boolean): string[] {
  return [
    '--store', 'dummy://', '--eval', '--strict', '--json', ...(trace ? ['--show-trace'] : []),
    '-E', OPTIONS_EXTRACTION,
    '--argstr', 'root', root,
    '--argstr', 'entries', JSON.stringify(entries),
    '--arg', 'follow', String(follow),
    '--arg', 'guard', String(guard),
  ]
}

const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '')

/** Why evaluation stopped and where, from nix-instantiate's (traced) error: the first place inside the project. */
export function describeNixError(stderr: string, root: string, fallbackFile: string): ModuleFailure {
  const text = stripAnsi(stderr)
  const message = /error:\s*(.*)/.exec(text)?.[1]?.trim() ?? (text.trim().split('\n')[0] || 'nix-instantiate failed')
  const prefix = `${root}/`
  for (const match of text.matchAll(/\bat (\/[^\s:]+):(\d+):(\d+)/g)) {
    const [, path = '', line = '1', column = '1'] = match
    if (path.startsWith(prefix)) return { file: path.slice(prefix.length), line: Number(line), column: Number(column), message }
  }
  return { file: fallbackFile, line: 1, column: 1, message }
}

/** Paths in values (a default of ./foo) relative to the project, never a path of this machine. */
function relativePaths(value: NixData, root: string): NixData {
  if (Array.isArray(value)) return value.map((item) => relativePaths(item, root))
  if (value === null || typeof value !== 'object') return value
  if (value[NIX_TAG] === 'path' && typeof value.text === 'string') {
    const inside = relative(root, value.text)
    return { ...value, text: inside.startsWith('..') ? value.text : `./${inside}` }
  }
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, relativePaths(item, root)]))
}

function relativeValue(value: RenderedValue | undefined, root: string): RenderedValue | undefined {
  return value && 'value' in value ? { value: relativePaths(value.value as NixData, root) } : value
}

async function diagnose(root: string, file: string): Promise<ModuleFailure> {
  const { stderr, exitCode } = await run('nix-instantiate', extractionArgs(root, [file], false, false, true), { env: NIX_ENV, allowedExitCodes: [1], timeoutMs: 60_000 })
  if (exitCode === 0) return { file, line: 1, column: 1, message: 'its option declarations fail only when read together with the other modules' }
  return describeNixError(stderr, root, file)
}

async function extract(root: string): Promise<ModuleOptions> {
  const { stdout, stderr, exitCode } = await run('nix-instantiate', extractionArgs(root, [OPTIONS_ENTRY], true, true, false), {
    env: NIX_ENV,
    allowedExitCodes: [1],
    timeoutMs: 60_000,
  })
  if (exitCode !== 0) {
    // Errors that cannot be caught (a syntax error, a missing attribute): ask again with a trace for the place.
    const traced = await run('nix-instantiate', extractionArgs(root, [OPTIONS_ENTRY], true, true, true), { env: NIX_ENV, allowedExitCodes: [1], timeoutMs: 60_000 })
    return { options: [], failures: [describeNixError(traced.stderr || stderr, root, OPTIONS_ENTRY)] }
  }
  const extraction = Extraction.parse(JSON.parse(stdout))
  const toProject = (file: string) => relative(extraction.root, file)
  const options = extraction.modules.flatMap((module) =>
    module.options.map((option): ModuleOption => {
      const { default: defaultValue, example, ...rest } = option
      const shownDefault = relativeValue(defaultValue, extraction.root)
      const shownExample = relativeValue(example, extraction.root)
      return { ...rest, file: toProject(option.file), ...(shownDefault ? { default: shownDefault } : {}), ...(shownExample ? { example: shownExample } : {}) }
    }),
  )
  const failures = await Promise.all(extraction.modules.filter((module) => !module.ok).map((module) => diagnose(root, toProject(module.file))))
  return { options, failures }
}

/**
 * The options of the project's modules. Cached by the content of `nixFiles` (every Nix file
 * the modules could import) and of the extraction itself.
 */
export async function readModuleOptions(root: string, options: { cache: ResultCache; nixFiles: readonly { file: string; text: string }[] }): Promise<ModuleOptions> {
  const key = cacheKey('docs-module-options', OPTIONS_EXTRACTION, ...options.nixFiles.flatMap(({ file, text }) => [file, text]))
  const cached = await options.cache.get<ModuleOptions>(key)
  if (cached) return cached
  const result = await extract(root)
  await options.cache.set(key, result)
  return result
}
