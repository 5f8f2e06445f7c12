#!/usr/bin/env bash
# Script: ensure-libvirt-object.sh
# Sudo Required: YES
# Description: Makes a libvirt storage pool or network exist, autostart and run, from
#   its XML file; does nothing when it already does. Run at boot by the NixOS service
#   hypervisor-libvirt-objects (modules/virtualization/storage-pool.nix).
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/common.sh
source "${SCRIPT_DIR}/../lib/common.sh"
# shellcheck source=../lib/exit_codes.sh
source "${SCRIPT_DIR}/../lib/exit_codes.sh"

readonly REQUIRES_SUDO=true
readonly OPERATION_TYPE="defines and starts system-wide libvirt pools and networks"
: "${LIBVIRT_URI:=qemu:///system}"

usage() {
  cat <<USAGE
Usage: $(basename "$0") pool|network NAME XML_FILE
Defines NAME from XML_FILE when libvirt (${LIBVIRT_URI}) does not know it, marks it
autostart, and starts it when inactive. An existing definition is left as it is: to
change it, undefine it first (a running network cannot be changed in place).
USAGE
}

lv() { virsh --quiet --connect "$LIBVIRT_URI" "$@"; }

main() {
  case "${1:-}" in
    -h | --help) usage; return "$EXIT_OK" ;;
  esac
  [[ $# -eq 3 ]] || { usage >&2; return "$EXIT_INVALID_ARGUMENT"; }
  local kind="$1" name="$2" xml="$3" prefix
  case "$kind" in
    pool) prefix=pool ;;
    network) prefix=net ;;
    *) die "unknown kind: ${kind} (pool or network)" "$EXIT_INVALID_ARGUMENT" ;;
  esac
  [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$ ]] || die "invalid ${kind} name: ${name}" "$EXIT_INVALID_ARGUMENT"
  [[ -r "$xml" ]] || die "cannot read ${xml}" "$EXIT_INVALID_ARGUMENT"
  check_sudo_requirement
  require_commands virsh

  if lv "${prefix}-info" "$name" >/dev/null 2>&1; then
    log_step "${kind} ${name} is defined"
  else
    lv "${prefix}-define" "$xml" >/dev/null
    log_step "defined ${kind} ${name}"
  fi
  lv "${prefix}-autostart" "$name" >/dev/null
  if [[ "$(lv "${prefix}-info" "$name" | awk -F': *' '$1 == "Active" || $1 == "State" { print $2 }')" =~ ^(yes|running)$ ]]; then
    log_step "${kind} ${name} is active"
  else
    # pool-build creates the pool's directory when missing (only an inactive pool builds).
    [[ "$kind" == pool ]] && lv pool-build "$name" >/dev/null
    lv "${prefix}-start" "$name" >/dev/null
    log_step "started ${kind} ${name}"
  fi
}

main "$@"
