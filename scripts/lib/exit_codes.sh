#!/usr/bin/env bash
# Script: exit_codes.sh
# Sudo Required: NO
# Description: The exit codes shared by every script and by the hv CLI
#   (cli/src/lib/errors/exit-codes.ts). A unit test keeps the two tables equal.
# Library: defines constants only; sourcing it runs nothing.

[[ -n "${_HV_EXIT_CODES_LOADED:-}" ]] && return 0
readonly _HV_EXIT_CODES_LOADED=1

# shellcheck disable=SC2034  # constants are used by the scripts that source this file
{
readonly EXIT_OK=0
readonly EXIT_GENERAL_ERROR=1
readonly EXIT_MISSING_DEPENDENCY=2
readonly EXIT_PERMISSION_DENIED=3
readonly EXIT_INVALID_ARGUMENT=4
readonly EXIT_CHECKS_FAILED=5
readonly EXIT_CANCELLED=10
readonly EXIT_VM_NOT_FOUND=21
readonly EXIT_VM_EXISTS=22
readonly EXIT_VM_RUNNING=23
readonly EXIT_VM_NOT_RUNNING=24
readonly EXIT_SYSTEM_ERROR=31
readonly EXIT_LIBVIRT_UNAVAILABLE=32
readonly EXIT_LIBVIRT_ERROR=33
readonly EXIT_QEMU_ERROR=34
readonly EXIT_TIMEOUT=35
readonly EXIT_SECURITY_POLICY=41
readonly EXIT_RISK_NOT_ACKNOWLEDGED=42
readonly EXIT_SECURITY_CHECK_FAILED=43
}
