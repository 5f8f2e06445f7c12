#!/usr/bin/env bash
# Script: build-cloud-guest.sh
# Sudo Required: YES
# Description: Builds the cloud test guest: a debootstrap Debian with systemd,
#   openssh-server and cloud-init (NoCloud), as a qcow2 disk plus the kernel and
#   initrd to boot it directly. Keyed by its inputs in the guest cache; prints
#   the guest's directory (holding manifest.json) on stdout.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/common.sh
source "${SCRIPT_DIR}/../lib/common.sh"
# shellcheck source=../lib/exit_codes.sh
source "${SCRIPT_DIR}/../lib/exit_codes.sh"

readonly REQUIRES_SUDO=true
readonly OPERATION_TYPE="runs debootstrap and writes the guest cache under ${HV_GUEST_CACHE}"
readonly SUITE="bookworm"
# python3-cffi-backend satisfies a virtual dependency debootstrap cannot resolve by itself.
readonly PACKAGES="systemd-sysv,udev,dbus,openssh-server,cloud-init,python3-cffi-backend,linux-image-amd64,initramfs-tools,ifupdown,isc-dhcp-client,iproute2,netbase,sudo,ca-certificates"

usage() {
  cat <<USAGE
Usage: $(basename "$0") [--force]
Builds the cloud guest into \${HV_GUEST_CACHE}/cloud/<key> (now ${HV_GUEST_CACHE}) and
points \${HV_GUEST_CACHE}/cloud/current at it. Uses the Debian mirror apt already uses.
USAGE
}

configure_rootfs() {
  local root="$1"
  printf '/dev/vda / ext4 defaults 0 1\n' >"$root/etc/fstab"
  printf 'localhost\n' >"$root/etc/hostname"
  # Only the NoCloud seed (an ISO labelled cidata) configures this guest.
  # C.UTF-8 ships with libc: no locales package needed for cloud-init's locale module.
  printf 'datasource_list: [ NoCloud, None ]\nlocale: C.UTF-8\n' >"$root/etc/cloud/cloud.cfg.d/90-hyper-nixos.cfg"
  # Every VM made from this image must get its own identity and SSH host keys.
  rm -f "$root"/etc/ssh/ssh_host_*
  : >"$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id"
  # cloud-init writes the NIC's configuration to interfaces.d (ENI renderer).
  printf 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n' >"$root/etc/network/interfaces"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
}

main() {
  local force=false
  case "${1:-}" in
    -h | --help) usage; return "$EXIT_OK" ;;
    --force) force=true ;;
    "") ;;
    *) usage >&2; return "$EXIT_INVALID_ARGUMENT" ;;
  esac
  check_sudo_requirement
  require_commands debootstrap mkfs.ext4 qemu-img sha256sum du

  local mirror key out
  mirror="$(apt_mirror)"
  [[ -n "$mirror" ]] || die "no Debian mirror found in /etc/apt/sources.list*" "$EXIT_MISSING_DEPENDENCY"
  key="$(CACHE_KEY_EXTRA="${SUITE} ${PACKAGES}" cache_key "${BASH_SOURCE[0]}")"
  out="${HV_GUEST_CACHE}/cloud/${key}"
  if [[ "$force" == false ]] && guest_cache_reuse cloud "$key"; then
    log_step "cloud guest ${key} is cached"
    return "$EXIT_OK"
  fi

  local work staging="${out}.partial"
  work="$(mktemp -d)"
  # shellcheck disable=SC2064  # expand $work now: it is local to main
  trap "rm -rf '${work}'" EXIT
  log_step "debootstrap ${SUITE} (minbase + systemd, openssh-server, cloud-init); this takes a few minutes"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    die "debootstrap failed; last lines: $(tail -n 5 "$work/debootstrap.log")" "$EXIT_SYSTEM_ERROR"
  configure_rootfs "$work/root"

  local kernel initrd size_mib
  kernel="$(find "$work/root/boot" -maxdepth 1 -name 'vmlinuz-*' | sort | tail -n1)"
  initrd="$(find "$work/root/boot" -maxdepth 1 -name 'initrd.img-*' | sort | tail -n1)"
  [[ -n "$kernel" && -n "$initrd" ]] || die "the guest has no kernel or initrd in /boot" "$EXIT_GENERAL_ERROR"
  for required in usr/sbin/sshd usr/bin/cloud-init lib/systemd/systemd; do
    [[ -e "$work/root/$required" ]] || die "the guest lacks /${required}" "$EXIT_GENERAL_ERROR"
  done

  rm -rf "$staging" && mkdir -p "$staging"
  cp "$kernel" "$staging/vmlinuz"
  cp "$initrd" "$staging/initrd.img"
  size_mib=$(($(du -sm "$work/root" | cut -f1) + 768))
  mkfs.ext4 -q -L hv-cloud -d "$work/root" "$work/disk.raw" "${size_mib}M" >&2
  qemu-img convert -O qcow2 "$work/disk.raw" "$staging/disk.qcow2"

  cat >"$staging/manifest.json" <<JSON
{
  "name": "cloud",
  "key": "${key}",
  "disk": "${out}/disk.qcow2",
  "kernel": "${out}/vmlinuz",
  "initrd": "${out}/initrd.img",
  "cmdline": "root=/dev/vda rw console=ttyS0",
  "suite": "${SUITE}",
  "kernelRelease": "$(basename "$kernel" | sed 's/^vmlinuz-//')",
  "packages": "${PACKAGES}"
}
JSON
  guest_cache_publish cloud "$key" "$staging"
  log_step "cloud guest ready in ${out} ($(du -h "$out/disk.qcow2" | cut -f1) qcow2)"
  printf '%s\n' "$out"
}

main "$@"
