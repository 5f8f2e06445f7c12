# `hv`, built from cli/ with buildNpmPackage and importNpmLock: every dependency
# is fetched by the integrity hash already in package-lock.json, so there is no
# npmDepsHash to guess or update.
{
  lib,
  buildNpmPackage,
  importNpmLock,
  makeWrapper,
  python3,
  nodejs_22,
  libvirt,
  util-linux,
  # The registry the lock's packages come from. The lock is written without
  # `resolved` URLs, so they are rebuilt here from npm's tarball layout.
  npmRegistry ? "https://registry.npmjs.org",
}:
let
  cliRoot = ../../cli;
  lock = lib.importJSON (cliRoot + "/package-lock.json");

  # "node_modules/a/node_modules/@scope/b" -> "@scope/b"
  packageName = path: lib.last (lib.splitString "node_modules/" path);
  tarballUrl =
    path: entry:
    let
      name = packageName path;
    in
    "${npmRegistry}/${name}/-/${lib.last (lib.splitString "/" name)}-${entry.version}.tgz";

  lockWithUrls = lock // {
    packages = lib.mapAttrs (
      path: entry:
      if path == "" || entry ? resolved || (entry.link or false) then
        entry
      else
        entry // { resolved = tarballUrl path entry; }
    ) lock.packages;
  };
in
buildNpmPackage {
  pname = "hv";
  inherit ((lib.importJSON (cliRoot + "/package.json"))) version;

  src = lib.fileset.toSource {
    root = cliRoot;
    fileset = lib.fileset.unions [
      (cliRoot + "/package.json")
      (cliRoot + "/package-lock.json")
      (cliRoot + "/tsconfig.json")
      (cliRoot + "/bin")
      (cliRoot + "/src")
    ];
  };

  nodejs = nodejs_22;
  npmDeps = importNpmLock {
    npmRoot = cliRoot;
    packageLock = lockWithUrls;
  };
  npmConfigHook = importNpmLock.npmConfigHook;
  # python3: node-gyp compiles tree-sitter (a devDependency, the Nix parser of
  # `hv dev validate`) when npm installs the dependencies; the installed hv does not load it.
  nativeBuildInputs = [
    makeWrapper
    python3
  ];

  # hv drives virsh and script(1); give it the versions it was tested with.
  postInstall = ''
    wrapProgram $out/bin/hv --prefix PATH : ${
      lib.makeBinPath [
        libvirt
        util-linux
      ]
    }
  '';

  meta = {
    description = "Manage a Hyper-NixOS hypervisor and its VMs through libvirt, without sudo";
    mainProgram = "hv";
    license = lib.licenses.mit;
    platforms = lib.platforms.linux;
  };
}
