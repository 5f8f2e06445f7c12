#!/usr/bin/env bash
# Script: create-storage-pool.sh
# Sudo Required: YES
# Description: Defines, autostarts and starts the storage pool a Hyper-NixOS host gets
#   (modules/virtualization/libvirt-xml.nix, rendered by nix-instantiate; by default the
#   pool "hypervisor" in /var/lib/hypervisor/images), so that hv vm puts its volumes where
#   it would on a host. Idempotent.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/common.sh
source "${SCRIPT_DIR}/../lib/common.sh"
# shellcheck source=../lib/exit_codes.sh
source "${SCRIPT_DIR}/../lib/exit_codes.sh"

readonly REQUIRES_SUDO=true
readonly OPERATION_TYPE="creates a directory under /var/lib and a system-wide libvirt storage pool"
: "${HV_STORAGE_POOL:=hypervisor}"
: "${HV_IMAGES_DIR:=/var/lib/hypervisor/images}"
readonly PROJECT_ROOT="${SCRIPT_DIR}/../.."

usage() {
  cat <<USAGE
Usage: $(basename "$0")
Makes the libvirt pool ${HV_STORAGE_POOL} (a directory pool in ${HV_IMAGES_DIR}) exist,
autostart and run, as the NixOS module does at boot.
USAGE
}

main() {
  case "${1:-}" in
    -h | --help) usage; return "$EXIT_OK" ;;
    "") ;;
    *) usage >&2; return "$EXIT_INVALID_ARGUMENT" ;;
  esac
  check_sudo_requirement
  require_commands nix-instantiate node virsh

  local rendered
  rendered="$(mktemp)"
  # shellcheck disable=SC2064  # expand now: the path is fixed
  trap "rm -f '${rendered}'" EXIT
  # Values reach Nix as --argstr (nix-instantiate calls the selected function with them),
  # never spliced into an expression.
  NIX_CONFIG="build-users-group =" nix-instantiate --eval --strict --json \
    --argstr name "$HV_STORAGE_POOL" --argstr path "$HV_IMAGES_DIR" \
    "${PROJECT_ROOT}/modules/virtualization/libvirt-xml.nix" -A directoryPool |
    node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")))' >"$rendered"
  install -d -m 0755 "$(dirname "$HV_IMAGES_DIR")"
  install -d -m 0711 "$HV_IMAGES_DIR"
  "${PROJECT_ROOT}/scripts/host/ensure-libvirt-object.sh" pool "$HV_STORAGE_POOL" "$rendered"
}

main "$@"
