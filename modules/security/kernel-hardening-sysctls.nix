# The kernelHardening feature's sysctls, as plain data (also read by security-report.nix,
# which makes `hv security audit` check each of them on the live host).
{
  # Kernel pointers, the kernel log, BPF and perf are for root only.
  "kernel.kptr_restrict" = 2;
  "kernel.dmesg_restrict" = 1;
  "kernel.unprivileged_bpf_disabled" = 1;
  "net.core.bpf_jit_harden" = 2;
  "kernel.perf_event_paranoid" = 3;
  # Only a process's ancestors may ptrace it; no kexec into another kernel.
  "kernel.yama.ptrace_scope" = 1;
  "kernel.kexec_load_disabled" = 1;
  # No core dumps of setuid programs; safer links, FIFOs and files in sticky directories.
  "fs.suid_dumpable" = 0;
  "fs.protected_fifos" = 2;
  "fs.protected_regular" = 2;
  # Strict reverse-path filtering; no ICMP redirects or source routing.
  "net.ipv4.conf.all.rp_filter" = 1;
  "net.ipv4.conf.default.rp_filter" = 1;
  "net.ipv4.conf.all.accept_redirects" = 0;
  "net.ipv4.conf.default.accept_redirects" = 0;
  "net.ipv6.conf.all.accept_redirects" = 0;
  "net.ipv6.conf.default.accept_redirects" = 0;
  "net.ipv4.conf.all.send_redirects" = 0;
  "net.ipv4.conf.all.accept_source_route" = 0;
  "net.ipv4.tcp_syncookies" = 1;
  # Bridged guest traffic passes the host's netfilter.
  "net.bridge.bridge-nf-call-iptables" = 1;
  "net.bridge.bridge-nf-call-ip6tables" = 1;
}
