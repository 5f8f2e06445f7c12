# NixOS VM test: an operator defines, starts and lists a VM through libvirt without sudo,
# while a user who is not an operator is refused by polkit.
{ pkgs, self, ... }:
pkgs.testers.runNixOSTest {
  name = "hyper-nixos-operator-access";
  nodes.host = {
    imports = [
      self.nixosModules.default
      ./nodes/operator-host.nix
    ];
  };
  testScript = ''
    import json

    domain = """
    <domain type='qemu'>
      <name>smoke</name>
      <memory unit='MiB'>64</memory>
      <os><type arch='x86_64'>hvm</type></os>
    </domain>
    """

    host.wait_for_unit("libvirtd.service")
    host.wait_for_unit("hypervisor-libvirt-objects.service")
    host.succeed(f"cat > /tmp/smoke.xml <<'EOF'\n{domain}\nEOF")
    host.succeed("chmod 644 /tmp/smoke.xml")

    with subtest("the operator manages a VM without sudo"):
        host.succeed("su - alice -c 'virsh -c qemu:///system define /tmp/smoke.xml'")
        host.succeed("su - alice -c 'virsh -c qemu:///system start smoke'")
        listing = host.succeed("su - alice -c 'virsh -c qemu:///system list --name'")
        assert "smoke" in listing, listing
        host.succeed("su - alice -c 'hv --version'")

    with subtest("a user who is not an operator is refused"):
        refusal = host.fail("su - mallory -c 'virsh -c qemu:///system list' 2>&1")
        assert "access denied" in refusal, refusal

    with subtest("the pool, the NAT network and the generated files exist"):
        host.succeed("virsh pool-info hypervisor | grep -E 'State: +running'")
        host.succeed("virsh net-info default | grep -E 'Autostart: +yes'")
        features = json.loads(host.succeed("cat /etc/hypervisor/features.json"))
        assert features["phase"] == "setup", features["phase"]
        host.succeed("test -e /etc/hypervisor/.phase-setup")
        host.fail("test -e /etc/hypervisor/.phase-hardened")
  '';
}
