# A host that enables a high-risk feature without acknowledging it: evaluation must fail.
{
  hypervisor.enable = true;
  hypervisor.features.remoteManagement = {
    enable = true;
    caFile = "/var/lib/hypervisor/pki/ca.pem";
    certFile = "/var/lib/hypervisor/pki/server.pem";
    keyFile = "/var/lib/hypervisor/pki/server-key.pem";
  };
}
