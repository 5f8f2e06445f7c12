#!/usr/bin/env bash
# Script: install-polkit-rules.sh
# Sudo Required: YES
# Description: Installs the polkit rules a Hyper-NixOS host gets
#   (modules/security/polkit-rules.nix, rendered by nix-instantiate) as
#   /etc/polkit-1/rules.d/05-hypervisor.rules, so that on a dev machine too only root
#   and members of hypervisor-operators may connect to libvirt.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/common.sh
source "${SCRIPT_DIR}/../lib/common.sh"
# shellcheck source=../lib/exit_codes.sh
source "${SCRIPT_DIR}/../lib/exit_codes.sh"

readonly REQUIRES_SUDO=true
readonly OPERATION_TYPE="writes a polkit rules file in /etc/polkit-1/rules.d"
: "${HV_POLKIT_RULES_DIR:=/etc/polkit-1/rules.d}"
readonly PROJECT_ROOT="${SCRIPT_DIR}/../.."

usage() {
  cat <<USAGE
Usage: $(basename "$0") [setup|hardened]
Renders the polkit rules of the given phase (default: setup) and installs them as
${HV_POLKIT_RULES_DIR}/05-hypervisor.rules. polkitd notices the change by itself.
USAGE
}

main() {
  local phase="${1:-setup}"
  case "$phase" in
    -h | --help) usage; return "$EXIT_OK" ;;
    setup | hardened) ;;
    *) die "unknown phase: ${phase} (setup or hardened)" "$EXIT_INVALID_ARGUMENT" ;;
  esac
  check_sudo_requirement
  require_commands nix-instantiate node install

  local rendered
  rendered="$(mktemp)"
  # shellcheck disable=SC2064  # expand now: the path is fixed
  trap "rm -f '${rendered}'" EXIT
  # Nix 2.8 (Debian 12) has no --raw: decode the JSON string with node.
  NIX_CONFIG="build-users-group =" nix-instantiate --eval --strict --json \
    --argstr phase "$phase" "${PROJECT_ROOT}/modules/security/polkit-rules.nix" |
    node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")))' >"$rendered"
  install -d -m 0755 "$HV_POLKIT_RULES_DIR"
  if cmp -s "$rendered" "${HV_POLKIT_RULES_DIR}/05-hypervisor.rules"; then
    log_step "polkit rules (${phase} phase) already installed"
  else
    install -m 0644 "$rendered" "${HV_POLKIT_RULES_DIR}/05-hypervisor.rules"
    log_step "installed the ${phase}-phase polkit rules: only root and hypervisor-operators may use libvirt"
  fi
}

main "$@"
