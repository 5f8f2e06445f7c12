#!/usr/bin/env bash
# Script: start-services.sh
# Sudo Required: YES
# Description: Makes libvirtd answer on qemu:///system so that polkit decides who
#   may connect. With systemd it asks systemd; without it (containers, CI) it
#   starts dbus, polkitd, virtlogd and libvirtd by hand. Also starts libvirt's
#   default NAT network. Idempotent: running services are left alone.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/common.sh
source "${SCRIPT_DIR}/../lib/common.sh"
# shellcheck source=../lib/exit_codes.sh
source "${SCRIPT_DIR}/../lib/exit_codes.sh"

readonly REQUIRES_SUDO=true
readonly OPERATION_TYPE="starts system services (dbus, polkitd, virtlogd, libvirtd)"
: "${HV_SERVICE_LOG_DIR:=/var/log/hyper-nixos}"
readonly SYSTEM_URI="qemu:///system"

usage() {
  cat <<USAGE
Usage: $(basename "$0")
Starts dbus, polkitd, virtlogd and libvirtd when they are not running, then the
default NAT network. Logs of hand-started daemons go to ${HV_SERVICE_LOG_DIR}.
USAGE
}

libvirtd_answers() {
  virsh -c "$SYSTEM_URI" uri >/dev/null 2>&1
}

dbus_answers() {
  dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetId >/dev/null 2>&1
}

polkit_on_bus() {
  dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
    string:org.freedesktop.PolicyKit1 2>/dev/null | grep -q 'boolean true'
}

# A live process of that name; zombies (which no init may reap here) do not count.
running() {
  pgrep -x --runstates D,I,R,S,T "$1" >/dev/null 2>&1
}

# start_detached NAME CMD...: a daemon without a --daemon flag, detached from our
# terminal and output so that callers (CI, test runners) do not wait on it.
start_detached() {
  local name="$1"
  shift
  setsid "$@" </dev/null >>"${HV_SERVICE_LOG_DIR}/${name}.log" 2>&1 &
  disown
}

# wait_for DESCRIPTION CMD...: the daemons started here have no readiness
# notification without systemd (no sd_notify), so this retries, bounded (about
# 15 s in all) and backing off, instead of sleeping a fixed time.
wait_for() {
  local what="$1" delay=0.05 attempt
  shift
  for attempt in $(seq 1 12); do
    "$@" && return 0
    sleep "$delay"
    delay="$(awk -v d="$delay" 'BEGIN { d *= 2; if (d > 3) d = 3; print d }')"
  done
  die "${what} did not come up after ${attempt} attempts; see ${HV_SERVICE_LOG_DIR}" "$EXIT_LIBVIRT_UNAVAILABLE"
}

# Without udev, /dev/kvm stays root-only. libvirt probes QEMU as root (KVM usable)
# but validates its capability cache as the qemu user (KVM unusable), finds the
# cache stale on every call and re-probes: each domain start then takes ~70 s.
# udev's own rule gives the device to group kvm; do the same.
fix_kvm_device_permissions() {
  if [[ -c /dev/kvm ]] && getent group kvm >/dev/null && [[ "$(stat -c %G /dev/kvm)" != "kvm" ]]; then
    log_step "giving /dev/kvm to group kvm, mode 0660, as udev would"
    chgrp kvm /dev/kvm
    chmod 0660 /dev/kvm
  fi
}

start_by_hand() {
  mkdir -p "$HV_SERVICE_LOG_DIR" /run/dbus
  # Ask the bus itself: a killed dbus can leave a socket file and a zombie behind.
  if ! dbus_answers; then
    log_step "starting the D-Bus system bus (polkit and libvirtd talk over it)"
    rm -f /run/dbus/pid /run/dbus/system_bus_socket
    dbus-daemon --system --fork
  fi
  if ! running polkitd; then
    log_step "starting polkitd (decides who may manage libvirt)"
    start_detached polkitd /usr/lib/polkit-1/polkitd --no-debug
    wait_for "polkitd" polkit_on_bus
  fi
  if ! running virtlogd; then
    log_step "starting virtlogd (collects QEMU logs)"
    virtlogd -d
  fi
  if ! running libvirtd; then
    log_step "starting libvirtd"
    libvirtd -d
  fi
  wait_for "libvirtd on ${SYSTEM_URI}" libvirtd_answers
}

start_default_network() {
  if ! virsh -c "$SYSTEM_URI" net-info default >/dev/null 2>&1; then
    log_warn "libvirt has no 'default' network; guests will run without one"
    return 0
  fi
  if [[ "$(virsh -c "$SYSTEM_URI" net-info default | awk '/^Active:/ {print $2}')" != "yes" ]]; then
    log_step "starting libvirt's default NAT network (virbr0, DHCP by dnsmasq)"
    virsh -c "$SYSTEM_URI" net-start default >/dev/null
  fi
  virsh -c "$SYSTEM_URI" net-autostart default >/dev/null
}

main() {
  case "${1:-}" in
    -h | --help) usage; return "$EXIT_OK" ;;
    "") ;;
    *) usage >&2; return "$EXIT_INVALID_ARGUMENT" ;;
  esac
  check_sudo_requirement
  require_commands virsh libvirtd virtlogd dbus-daemon

  [[ -d /run/systemd/system ]] || fix_kvm_device_permissions
  if libvirtd_answers; then
    log_step "libvirtd already answers on ${SYSTEM_URI}"
  elif [[ -d /run/systemd/system ]]; then
    log_step "asking systemd to start libvirtd"
    systemctl start libvirtd.service
    wait_for "libvirtd on ${SYSTEM_URI}" libvirtd_answers
  else
    log_info "no systemd here: starting the services by hand"
    start_by_hand
  fi
  start_default_network
}

main "$@"
