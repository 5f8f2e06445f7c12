# auditctl rules for the auditLogging feature. Directory watches are recursive.
{ imagesDirectory }:
[
  "-w /var/lib/libvirt/qemu -p wa -k hypervisor-libvirt"
  "-w /var/lib/libvirt/storage -p wa -k hypervisor-libvirt"
  "-w /var/lib/libvirt/qemu.conf -p wa -k hypervisor-libvirt"
  "-w /etc/hypervisor -p wa -k hypervisor-config"
  "-w /etc/polkit-1/rules.d -p wa -k hypervisor-config"
  "-w ${imagesDirectory} -p wa -k hypervisor-images"
]
