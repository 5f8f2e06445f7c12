# The remoteManagement feature: libvirtd listens for TLS on TCP 16514 (systemd socket
# libvirtd-tls.socket) and verifies client certificates against the configured CA.
{
  config,
  lib,
  ...
}:
let
  cfg = config.hypervisor;
  remote = cfg.features.remoteManagement;
  # Absolute paths on the host, never store paths: the key is a secret.
  hostPath = lib.types.nullOr (lib.types.strMatching "/[^\n\"]*");
  tlsOption =
    what: example:
    lib.mkOption {
      type = hostPath;
      default = null;
      inherit example;
      description = "Absolute path on the host of ${what} (kept out of the Nix store).";
    };
in
{
  options.hypervisor.features.remoteManagement = {
    caFile = tlsOption "the CA certificate that signs client certificates" "/var/lib/hypervisor/pki/ca.pem";
    certFile = tlsOption "the server certificate" "/var/lib/hypervisor/pki/server.pem";
    keyFile = tlsOption "the server's private key" "/var/lib/hypervisor/pki/server-key.pem";
  };

  config = lib.mkIf (cfg.enable && remote.enable) {
    virtualisation.libvirtd.extraConfig = ''
      ca_file = "${toString remote.caFile}"
      cert_file = "${toString remote.certFile}"
      key_file = "${toString remote.keyFile}"
      tls_no_verify_certificate = 0
    '';
    systemd.sockets.libvirtd-tls.wantedBy = [ "sockets.target" ];
    networking.firewall.allowedTCPPorts = [ 16514 ];

    assertions = [
      {
        assertion = remote.caFile != null && remote.certFile != null && remote.keyFile != null;
        message = "Hyper-NixOS: feature \"remoteManagement\" needs TLS files. Set hypervisor.features.remoteManagement.caFile, .certFile and .keyFile to absolute paths on the host.";
      }
    ];
  };
}
