# The polkit rules deciding who may use libvirt, as JavaScript text. Pure and
# builtins-only, so tests render it with plain nix-instantiate and install it into a real
# polkitd. Written in ES5: polkit's JavaScript engine is not a modern one.
#
# Both phases: root and members of the operator group may connect to libvirt (read-only or
# read-write); everyone else is refused, overriding NixOS's own rule for the `libvirtd`
# group (this file sorts before 10-nixos.rules). The hardened phase adds rules for libvirt's
# polkit access-control driver (`access_drivers = [ "polkit" ]`): operators get the VM
# lifecycle and nothing that changes the host.
{
  phase ? "setup",
  operatorGroup ? "hypervisor-operators",
  storagePool ? "hypervisor",
}:
let
  inherit (builtins) concatStringsSep toJSON;

  # org.libvirt.api.<object>.<permission>, allowed for operators on any object.
  operatorPermissions = {
    connect = [
      "getattr"
      "read"
      "search-domains"
      "search-networks"
      "search-storage-pools"
    ];
    domain = [
      "getattr"
      "read"
      "read-secure"
      "write"
      "save"
      "delete"
      "start"
      "stop"
      "reset"
      "snapshot"
      "suspend"
      "hibernate"
      "pm-control"
      "init-control"
      "inject-nmi"
      "send-input"
      "send-signal"
      "fs-trim"
      "fs-freeze"
      "block-read"
      "block-write"
      "open-graphics"
      "open-device"
      "screenshot"
      "set-time"
      "set-password"
      "checkpoint"
    ];
    # Seeing networks and their DHCP leases, and plugging VMs into them; never defining,
    # changing, starting or stopping a network.
    network = [
      "getattr"
      "read"
      "search-ports"
    ];
    network-port = [
      "getattr"
      "read"
      "create"
      "delete"
    ];
  };

  # Allowed only on the hypervisor's storage pool and the volumes in it.
  poolPermissions = {
    storage-pool = [
      "getattr"
      "read"
      "refresh"
      "search-storage-vols"
    ];
    storage-vol = [
      "getattr"
      "read"
      "create"
      "delete"
      "format"
      "resize"
      "data-read"
      "data-write"
    ];
  };

  actionSet =
    permissions:
    toJSON (
      builtins.listToAttrs (
        builtins.concatMap (
          object:
          map (permission: {
            name = "org.libvirt.api.${object}.${permission}";
            value = true;
          }) permissions.${object}
        ) (builtins.attrNames permissions)
      )
    );

  connectRule = ''
    // Hyper-NixOS (phase: ${phase}): who may connect to libvirt at all.
    polkit.addRule(function (action, subject) {
      if (action.id !== "org.libvirt.unix.manage" && action.id !== "org.libvirt.unix.monitor") {
        return polkit.Result.NOT_HANDLED;
      }
      if (subject.user === "root" || subject.isInGroup(${toJSON operatorGroup})) {
        return polkit.Result.YES;
      }
      return polkit.Result.NO;
    });
  '';

  accessControlRule = ''
    // Hyper-NixOS (phase: hardened): what operators may do through libvirt's polkit
    // access-control driver. Domains, snapshots, consoles, volumes in the ${storagePool}
    // pool; never networks, node devices, host interfaces, secrets or filters.
    var hypervisorOperatorActions = ${actionSet operatorPermissions};
    var hypervisorPoolActions = ${actionSet poolPermissions};
    polkit.addRule(function (action, subject) {
      if (action.id.indexOf("org.libvirt.api.") !== 0) {
        return polkit.Result.NOT_HANDLED;
      }
      if (subject.user === "root") {
        return polkit.Result.YES;
      }
      if (!subject.isInGroup(${toJSON operatorGroup})) {
        return polkit.Result.NO;
      }
      if (hypervisorOperatorActions[action.id] === true) {
        return polkit.Result.YES;
      }
      if (hypervisorPoolActions[action.id] === true && action.lookup("pool_name") === ${toJSON storagePool}) {
        return polkit.Result.YES;
      }
      return polkit.Result.NO;
    });
  '';
in
concatStringsSep "\n" ([ connectRule ] ++ (if phase == "hardened" then [ accessControlRule ] else [ ]))
