#!/usr/bin/env bash
# Script: install-packages.sh
# Sudo Required: YES
# Description: Installs the Debian/Ubuntu packages a Hyper-NixOS dev machine needs
#   (the list in apt-packages.txt) that are not installed yet.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/common.sh
source "${SCRIPT_DIR}/../lib/common.sh"
# shellcheck source=../lib/exit_codes.sh
source "${SCRIPT_DIR}/../lib/exit_codes.sh"

readonly REQUIRES_SUDO=true
readonly OPERATION_TYPE="installs Debian packages with apt-get"
: "${HV_APT_PACKAGES_FILE:=${SCRIPT_DIR}/apt-packages.txt}"

usage() {
  cat <<USAGE
Usage: $(basename "$0") [--list-missing]
Installs the packages listed in ${HV_APT_PACKAGES_FILE} that are missing.
--list-missing prints them instead, one per line, and changes nothing.
USAGE
}

wanted_packages() {
  grep -vE '^\s*(#|$)' "$HV_APT_PACKAGES_FILE"
}

missing_packages() {
  local package
  while read -r package; do
    if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null)" != "installed" ]]; then
      printf '%s\n' "$package"
    fi
  done < <(wanted_packages)
}

main() {
  case "${1:-}" in
    -h | --help) usage; return "$EXIT_OK" ;;
    --list-missing) missing_packages; return "$EXIT_OK" ;;
    "") ;;
    *) usage >&2; return "$EXIT_INVALID_ARGUMENT" ;;
  esac
  check_sudo_requirement
  require_commands apt-get dpkg-query

  local missing=()
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    log_step "all $(wanted_packages | wc -l) packages are installed"
    return "$EXIT_OK"
  fi
  log_step "installing ${#missing[@]} packages: ${missing[*]}"
  apt-get update -qq
  # libvirt's maintainer scripts try to start services; without systemd that
  # fails harmlessly, and start-services.sh starts them afterwards.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  mapfile -t missing < <(missing_packages)
  ((${#missing[@]} == 0)) || die "still missing after apt-get install: ${missing[*]}" "$EXIT_MISSING_DEPENDENCY"
}

main "$@"
