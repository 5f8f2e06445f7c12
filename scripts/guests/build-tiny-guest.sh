#!/usr/bin/env bash
# Script: build-tiny-guest.sh
# Sudo Required: YES
# Description: Builds the tiny test guest (Debian kernel + busybox initramfs) into
#   the guest cache, keyed by its inputs. Downloads packages with `apt-get download`
#   and unpacks them with `dpkg -x`: nothing is installed on the host. Prints the
#   guest's directory (holding manifest.json) on stdout.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/common.sh
source "${SCRIPT_DIR}/../lib/common.sh"
# shellcheck source=../lib/exit_codes.sh
source "${SCRIPT_DIR}/../lib/exit_codes.sh"

readonly REQUIRES_SUDO=true
readonly OPERATION_TYPE="writes the guest cache under ${HV_GUEST_CACHE}"
readonly READY_MARKER="HV_TINY_GUEST_READY"
readonly GUEST_FILES_DIR="${SCRIPT_DIR}/tiny-guest"
# Modules the guest needs, in load order (each after the modules it depends on).
readonly GUEST_MODULES=(
  drivers/virtio/virtio_ring drivers/virtio/virtio
  drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci
  drivers/block/virtio_blk net/core/failover drivers/net/net_failover drivers/net/virtio_net
  drivers/input/evdev drivers/acpi/button
)

usage() {
  cat <<USAGE
Usage: $(basename "$0") [--force]
Builds the tiny guest into \${HV_GUEST_CACHE}/tiny/<key> (now ${HV_GUEST_CACHE}) and
points \${HV_GUEST_CACHE}/tiny/current at it. Reuses a cached build with the same key
unless --force is given.
USAGE
}

kernel_package() {
  apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
}

candidate_version() {
  apt-cache policy "$1" | awk '/Candidate:/ {print $2; exit}'
}

# extract_vmlinux BZIMAGE OUT: the uncompressed ELF kernel, which QEMU boots
# directly through PVH (about twice as fast as a bzImage under TCG).
extract_vmlinux() {
  local bzimage="$1" out="$2" offset
  offset="$(LC_ALL=C grep -aobUP '\xfd7zXZ\x00' "$bzimage" | head -n1 | cut -d: -f1)" || return 1
  [[ -n "$offset" ]] || return 1
  tail -c +"$((offset + 1))" "$bzimage" | xz -dc 2>/dev/null >"$out" || true
  [[ "$(head -c4 "$out" | od -An -c | tr -d ' ')" == '177ELF' ]]
}

build_initramfs() {
  local root="$1" kernel_tree="$2" busybox_tree="$3" kernel_release="$4" out="$5" module
  mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,root,lib/modules,usr/bin,usr/sbin}
  cp "${busybox_tree}/bin/busybox" "$root/bin/busybox"
  install -m 0755 "${GUEST_FILES_DIR}/init" "$root/init"
  install -m 0755 "${GUEST_FILES_DIR}/udhcpc-hook" "$root/etc/udhcpc.script"
  local loaded=" " dependency ko
  : >"$root/lib/modules/load-order"
  for module in "${GUEST_MODULES[@]}"; do
    ko="${kernel_tree}/lib/modules/${kernel_release}/kernel/${module}.ko"
    [[ -f "$ko" ]] || die "kernel ${kernel_release} has no module ${module}" "$EXIT_MISSING_DEPENDENCY"
    # A new kernel may add a dependency: fail the build rather than boot a guest without disks.
    for dependency in $(modinfo -F depends "$ko" | tr ',' ' '); do
      [[ "$loaded" == *" ${dependency} "* ]] ||
        die "module ${module} needs ${dependency} loaded first: fix GUEST_MODULES" "$EXIT_GENERAL_ERROR"
    done
    cp "$ko" "$root/lib/modules/"
    basename "$module" >>"$root/lib/modules/load-order"
    loaded+="$(basename "$module") "
  done
  # Uncompressed cpio: the kernel unpacks it faster under TCG than a gzip one.
  (cd "$root" && find . -print0 | cpio --null --create --format=newc --quiet) >"$out"
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
  require_commands apt-get apt-cache dpkg cpio xz sha256sum modinfo

  local kpkg kver bbver key out
  kpkg="$(kernel_package)"
  [[ -n "$kpkg" ]] || die "apt knows no linux-image-amd64 kernel (run 'apt-get update')" "$EXIT_MISSING_DEPENDENCY"
  kver="$(candidate_version "$kpkg")"
  bbver="$(candidate_version busybox-static)"
  key="$(CACHE_KEY_EXTRA="${kpkg}=${kver} busybox-static=${bbver}" \
    cache_key "${BASH_SOURCE[0]}" "${GUEST_FILES_DIR}/init" "${GUEST_FILES_DIR}/udhcpc-hook")"
  out="${HV_GUEST_CACHE}/tiny/${key}"

  if [[ "$force" == false ]] && guest_cache_reuse tiny "$key"; then
    log_step "tiny guest ${key} is cached (${kpkg} ${kver}, busybox ${bbver})"
    return "$EXIT_OK"
  fi

  log_step "building tiny guest ${key} from ${kpkg} ${kver} and busybox-static ${bbver}"
  local work
  work="$(mktemp -d)"
  # shellcheck disable=SC2064  # expand $work now: it is local to main
  trap "rm -rf '${work}'" EXIT
  (cd "$work" && apt-get download -q "${kpkg}=${kver}" "busybox-static=${bbver}" >/dev/null 2>&1) ||
    die "apt-get download ${kpkg} busybox-static failed" "$EXIT_SYSTEM_ERROR"
  dpkg -x "$work/${kpkg}"_*.deb "$work/kernel"
  dpkg -x "$work"/busybox-static_*.deb "$work/busybox"

  local release kernel_file staging="${out}.partial"
  release="$(basename "$(ls -d "$work"/kernel/lib/modules/*)")"
  rm -rf "$staging" && mkdir -p "$staging"
  cp "$work/kernel/boot/vmlinuz-${release}" "$staging/vmlinuz"
  if extract_vmlinux "$staging/vmlinuz" "$staging/vmlinux"; then
    kernel_file=vmlinux
  else
    log_warn "could not extract an uncompressed vmlinux; the guest boots the slower bzImage"
    rm -f "$staging/vmlinux"
    kernel_file=vmlinuz
  fi
  build_initramfs "$work/initramfs" "$work/kernel" "$work/busybox" "$release" "$staging/initrd.img"

  cat >"$staging/manifest.json" <<JSON
{
  "name": "tiny",
  "key": "${key}",
  "kernel": "${staging%.partial}/${kernel_file}",
  "initrd": "${staging%.partial}/initrd.img",
  "cmdline": "console=ttyS0 quiet loglevel=3 panic=-1",
  "readyMarker": "${READY_MARKER}",
  "kernelPackage": "${kpkg}",
  "kernelVersion": "${kver}",
  "kernelRelease": "${release}",
  "busyboxVersion": "${bbver}"
}
JSON
  guest_cache_publish tiny "$key" "$staging"
  log_step "tiny guest ready in ${out} (boots ${kernel_file})"
  printf '%s\n' "$out"
}

main "$@"
