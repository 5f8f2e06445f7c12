#!/usr/bin/env bash
# Script: common.sh
# Sudo Required: NO
# Description: Shared helpers for Hyper-NixOS scripts: logging, sudo policy,
#   dependency checks, a cache-key helper. Paths come from variables with defaults.
# Library: defines functions and defaults only; sourcing it runs nothing else.

[[ -n "${_HV_COMMON_LOADED:-}" ]] && return 0
readonly _HV_COMMON_LOADED=1

_HV_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=exit_codes.sh
source "${_HV_LIB_DIR}/exit_codes.sh"

# Where the host keeps its state; overridable so tests and dev machines can relocate it.
: "${HYPERVISOR_ROOT:=/etc/hypervisor}"
: "${HYPERVISOR_STATE:=/var/lib/hypervisor}"
# Built test guests live outside the repository, keyed by their inputs.
: "${HV_GUEST_CACHE:=/var/cache/hyper-nixos/guests}"
# The unprivileged account used by tests and demos.
: "${HV_OPERATOR:=hv-operator}"

log_info() { printf '==> %s\n' "$*" >&2; }
log_step() { printf '  -> %s\n' "$*" >&2; }
log_warn() { printf 'warning: %s\n' "$*" >&2; }
log_error() { printf 'error: %s\n' "$*" >&2; }

# die MESSAGE [EXIT_CODE]
die() {
  log_error "$1"
  exit "${2:-$EXIT_GENERAL_ERROR}"
}

# check_sudo_requirement: call after setting REQUIRES_SUDO. A script that changes
# the system refuses to run without root and says how to run it, instead of
# calling sudo behind the user's back.
check_sudo_requirement() {
  if [[ "${REQUIRES_SUDO:-false}" == "true" && "${EUID}" -ne 0 ]]; then
    die "$(basename "$0") changes the system (${OPERATION_TYPE:-system operation}) and needs root: run it with sudo" \
      "$EXIT_PERMISSION_DENIED"
  fi
}

# require_commands CMD...: fail with EXIT_MISSING_DEPENDENCY naming every missing command.
require_commands() {
  local missing=() cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
  done
  if ((${#missing[@]} > 0)); then
    die "missing commands: ${missing[*]} (run 'sudo hv dev setup' to install them)" "$EXIT_MISSING_DEPENDENCY"
  fi
}

# cache_key FILE... : a short sha256 over the given files and the extra words in
# CACHE_KEY_EXTRA, so a cached artefact is rebuilt exactly when its inputs change.
cache_key() {
  { cat "$@"; printf '%s\n' "${CACHE_KEY_EXTRA:-}"; } | sha256sum | cut -c1-16
}

# apt_mirror: the Debian mirror this machine's apt already uses, so builders reach
# the same archive apt does (no mirror is hard-coded).
apt_mirror() {
  local line
  line="$(grep -hsE '^(deb|URIs:) ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
    | grep -v security | head -n1)"
  case "$line" in
    deb\ *) awk '{for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit }}' <<<"$line" ;;
    URIs:*) awk '{print $2}' <<<"$line" ;;
  esac
}

# require_readable_by USER PATH...: the operator runs hv from this checkout, so
# it must be able to read it (a clone under /root is not readable by others).
require_readable_by() {
  local user="$1" path
  shift
  for path in "$@"; do
    runuser -u "$user" -- test -r "$path" ||
      die "${user} cannot read ${path}: clone Hyper-NixOS where other users can read it (e.g. /srv or /opt)" \
        "$EXIT_PERMISSION_DENIED"
  done
}

# guest_cache_reuse NAME KEY: when build KEY of test guest NAME is cached, point
# NAME/current at it, print its directory and succeed; fail otherwise.
guest_cache_reuse() {
  local name="$1" key="$2" dir="${HV_GUEST_CACHE}/$1/$2"
  [[ -f "${dir}/manifest.json" ]] || return 1
  ln -sfn "$key" "${HV_GUEST_CACHE}/${name}/current"
  printf '%s\n' "$dir"
}

# guest_cache_publish NAME KEY STAGING: moves a finished build into place in one
# rename, readable by libvirt's QEMU user, points NAME/current at it and drops
# older builds (unreachable once `current` moves on).
guest_cache_publish() {
  local name="$1" key="$2" staging="$3" dir="${HV_GUEST_CACHE}/$1/$2"
  chmod 0755 "$staging" && chmod 0644 "$staging"/*
  rm -rf "$dir" && mv "$staging" "$dir"
  ln -sfn "$key" "${HV_GUEST_CACHE}/${name}/current"
  find "${HV_GUEST_CACHE}/${name}" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +
  chmod 0755 "$HV_GUEST_CACHE" "${HV_GUEST_CACHE}/${name}"
}
