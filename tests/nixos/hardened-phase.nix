# NixOS VM test: the hardened phase refuses SSH password logins (keys still work) and
# libvirt's polkit access control refuses an operator's attempt to define a network.
{ pkgs, self, ... }:
pkgs.testers.runNixOSTest {
  name = "hyper-nixos-hardened-phase";
  nodes = {
    host = {
      imports = [
        self.nixosModules.default
        ./nodes/hardened-host.nix
      ];
    };
    client = {
      environment.systemPackages = [ pkgs.sshpass ];
    };
  };
  testScript = ''
    start_all()
    host.wait_for_unit("sshd.service")
    host.wait_for_unit("libvirtd.service")
    client.wait_for_unit("multi-user.target")

    with subtest("password logins are refused"):
        client.fail(
            "sshpass -p 'correct horse battery staple' ssh -o StrictHostKeyChecking=no "
            "-o PreferredAuthentications=password,keyboard-interactive admin@host true"
        )

    with subtest("key logins work"):
        client.succeed("mkdir -p -m 700 /root/.ssh && ssh-keygen -q -t ed25519 -N ''' -f /root/.ssh/id_ed25519")
        key = client.succeed("cat /root/.ssh/id_ed25519.pub").strip()
        host.succeed(f"install -d -m 700 -o admin -g users ~admin/.ssh && echo '{key}' > ~admin/.ssh/authorized_keys && chown admin ~admin/.ssh/authorized_keys")
        client.succeed("ssh -o StrictHostKeyChecking=no admin@host true")

    with subtest("operators run VMs but cannot define networks"):
        host.succeed("su - alice -c 'virsh -c qemu:///system list --all'")
        host.succeed("echo '<network><name>rogue</name></network>' > /tmp/rogue.xml && chmod 644 /tmp/rogue.xml")
        refusal = host.fail("su - alice -c 'virsh -c qemu:///system net-define /tmp/rogue.xml' 2>&1")
        assert "access denied" in refusal, refusal
        host.succeed("test -e /etc/hypervisor/.phase-hardened")
  '';
}
