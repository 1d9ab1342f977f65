#!/usr/bin/env python3
"""Where the wall time of one boot goes (docs/BRINGUP.md).

Usage: python3 docs/bringup.py [RUNNER_ARGS...]
e.g.   python3 docs/bringup.py --smp 255 --memory 4G

Runs the built runner (target/debug/gmp-metal, or $GMP_RUNNER) with the
arguments given, plus SeaBIOS's debug console on QEMU's stderr, stamps
every line with the host time it arrived, and prints one line of phases:

  firmware   QEMU start to SeaBIOS booting the disk (QEMU creating its
             vCPUs, SeaBIOS waking every AP to count them)
  loader     the bootloader: reading the kernel with BIOS disk calls,
             paging, the jump to the kernel (to its first line)
  aps        "M0 online" to "all N Ms online": starting the APs
  setup      to the "scheduler:" line: TSC and APIC timer calibration,
             stacks, Ps
  workload   to the per-P summary
  exit       printing the summary, QEMU's exit

The stamped log is written to target/bringup.log. Timing is taken on
arrival, in Python, because a shell loop that runs `date` per line falls
behind hundreds of `M<n> online` lines and stamps them late.
"""
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER = os.environ.get("GMP_RUNNER", os.path.join(ROOT, "target/debug/gmp-metal"))
SEABIOS_LOG = ["-chardev", "file,id=seabios,path=/dev/stderr",
               "-device", "isa-debugcon,iobase=0x402,chardev=seabios"]
MARKS = [
    ("firmware", r"Booting from Hard Disk"),
    ("loader", r"^boot options:"),
    ("m0", r"^M0 online"),
    ("aps", r"^all \d+ Ms online"),
    ("setup", r"^scheduler:"),
    ("workload", r"^per-P summary"),
]


def main():
    args = sys.argv[1:]
    if "--" not in args:
        args.append("--")
    cmd = [RUNNER] + args + SEABIOS_LOG
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen, log = {}, []
    for raw in iter(proc.stdout.readline, b""):
        t = time.monotonic() - t0
        line = raw.decode(errors="replace").rstrip()
        log.append("%8.3f %s" % (t, line))
        for key, pattern in MARKS:
            if key not in seen and re.search(pattern, line):
                seen[key] = t
    proc.wait()
    end = time.monotonic() - t0
    os.makedirs(os.path.join(ROOT, "target"), exist_ok=True)
    with open(os.path.join(ROOT, "target/bringup.log"), "w") as f:
        f.write("\n".join(log) + "\n")
    at = lambda k: seen.get(k, float("nan"))
    phases = [
        ("firmware", at("firmware")),
        ("loader", at("loader") - at("firmware")),
        ("aps", at("aps") - at("m0")),
        ("setup", at("setup") - at("aps")),
        ("workload", at("workload") - at("setup")),
        ("exit", end - at("workload")),
    ]
    load = open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"
    print("  ".join("%s %.2f" % p for p in phases) +
          "  total %.2f s  (status %d, load %s)" % (end, proc.returncode, load))
    verdict = [l for l in log if re.search(r"\d workload \S+: ", l)]
    if verdict:
        print(verdict[-1].split(None, 1)[1])
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
