#!/usr/bin/env bash
# Script: isolated-libvirtd.sh
# Sudo Required: YES
# Description: Runs a second, throw-away libvirtd in a private mount namespace, with its
#   own libvirtd.conf, state and socket, for tests that need libvirtd configured like a
#   Hyper-NixOS host (e.g. the polkit access-control driver) without touching the machine's
#   own libvirtd. Its configuration, domains and state live in tmpfs and vanish with it.
#   Runs in the foreground until killed; the socket is <dir>/libvirt-sock.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/common.sh
source "${SCRIPT_DIR}/../lib/common.sh"
# shellcheck source=../lib/exit_codes.sh
source "${SCRIPT_DIR}/../lib/exit_codes.sh"

readonly REQUIRES_SUDO=true
readonly OPERATION_TYPE="mounting a private namespace and running libvirtd as root"

usage() {
  cat <<USAGE
Usage: $(basename "$0") DIR EXTRA_CONFIG_FILE
Starts libvirtd with libvirt's defaults plus the lines of EXTRA_CONFIG_FILE
(e.g. access_drivers = [ "polkit" ]); its socket is DIR/libvirt-sock (DIR must exist
and be reachable by the users who connect). Stop it with SIGTERM.
USAGE
}

# Inside the namespace: hide the machine's libvirt state behind tmpfs, keep a copy of its
# configuration without any domain, network or pool, then run libvirtd in the foreground.
run_in_namespace() {
  local dir="$1" extra_config="$2"
  local config_copy="${dir}/etc-libvirt"

  mkdir -p "${config_copy}"
  cp -a /etc/libvirt/. "${config_copy}/"
  rm -rf "${config_copy}/qemu" "${config_copy}/storage" "${config_copy}/secrets" "${config_copy}/nwfilter"
  {
    printf 'unix_sock_dir = "%s"\n' "${dir}"
    printf 'unix_sock_rw_perms = "0777"\n'
    printf 'auth_unix_rw = "polkit"\n'
    printf 'auth_unix_ro = "polkit"\n'
    cat "${extra_config}"
  } >"${config_copy}/libvirtd.conf"

  mount --bind "${config_copy}" /etc/libvirt
  local state
  for state in /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
    mkdir -p "${state}"
    mount -t tmpfs -o mode=0755 tmpfs "${state}"
  done
  mkdir -p /var/log/libvirt/qemu /var/lib/libvirt/qemu

  virtlogd --daemon --pid-file "${dir}/virtlogd.pid"
  exec libvirtd --pid-file "${dir}/libvirtd.pid"
}

main() {
  case "${1:-}" in
    -h | --help) usage; return "$EXIT_OK" ;;
    --in-namespace) shift; run_in_namespace "$@"; return ;;
  esac
  check_sudo_requirement
  [[ $# -eq 2 ]] || { usage >&2; return "$EXIT_INVALID_ARGUMENT"; }
  [[ -d "$1" ]] || die "no such directory: $1" "$EXIT_INVALID_ARGUMENT"
  [[ -r "$2" ]] || die "cannot read $2" "$EXIT_INVALID_ARGUMENT"
  require_commands unshare libvirtd virtlogd
  exec unshare --mount --propagation private -- "${BASH_SOURCE[0]}" --in-namespace "$@"
}

main "$@"
