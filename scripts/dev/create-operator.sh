#!/usr/bin/env bash
# Script: create-operator.sh
# Sudo Required: YES
# Description: Creates (or reuses) the unprivileged operator account used by tests
#   and demos, and puts it in the hypervisor-operators group (created if missing), the
#   group whose members the Hyper-NixOS polkit rules let manage VMs on qemu:///system
#   without sudo.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/common.sh
source "${SCRIPT_DIR}/../lib/common.sh"
# shellcheck source=../lib/exit_codes.sh
source "${SCRIPT_DIR}/../lib/exit_codes.sh"

readonly REQUIRES_SUDO=true
readonly OPERATION_TYPE="creates a user account and changes group membership"
: "${HV_OPERATOR_GROUP:=hypervisor-operators}"

usage() {
  cat <<USAGE
Usage: $(basename "$0") [USER]
Creates USER (default: \$HV_OPERATOR, now ${HV_OPERATOR}) if missing and adds it to
the '${HV_OPERATOR_GROUP}' group. Note: in the setup phase (a dev machine) that group
may open a read-write connection to the system libvirtd, which is root-equivalent on
this host (a VM definition can map any host file). Use such an account for tests and
demos only.
USAGE
}

main() {
  local user="${1:-$HV_OPERATOR}"
  case "$user" in
    -h | --help) usage; return "$EXIT_OK" ;;
  esac
  [[ "$user" =~ ^[a-z_][a-z0-9_-]{0,30}$ ]] || die "invalid user name: ${user}" "$EXIT_INVALID_ARGUMENT"
  check_sudo_requirement
  require_commands useradd usermod groupadd getent id

  if ! getent group "$HV_OPERATOR_GROUP" >/dev/null; then
    log_step "creating group ${HV_OPERATOR_GROUP}"
    groupadd --system "$HV_OPERATOR_GROUP"
  fi
  if id "$user" >/dev/null 2>&1; then
    log_step "operator account ${user} exists"
  else
    log_step "creating operator account ${user}"
    useradd --create-home --shell /bin/bash --user-group "$user"
  fi
  if id -nG "$user" | tr ' ' '\n' | grep -qx "$HV_OPERATOR_GROUP"; then
    log_step "${user} is in group ${HV_OPERATOR_GROUP}"
  else
    log_step "adding ${user} to group ${HV_OPERATOR_GROUP} (root-equivalent on a read-write libvirt socket)"
    usermod --append --groups "$HV_OPERATOR_GROUP" "$user"
  fi
}

main "$@"
