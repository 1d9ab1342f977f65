#!/usr/bin/env python3
"""Where the instructions of a kernel benchmark go, function by function.

Runs one in-kernel benchmark of the release kernel under QEMU 10's TCG with
one guest instruction per translation block and `-d exec`, so QEMU logs the
address of every instruction the kernel executes; the log is read through a
pipe (it would be gigabytes on disk), counted per address, and the counts are
summed per function of the kernel ELF (from `nm`), divided by the number of
operations: the times the `--per` function was entered.

    python3 docs/insn-profile.py gosched-pingpong --per gosched_m
    python3 docs/insn-profile.py chan-pingpong-1p --per 'chan::Chan<.*>::send'

Needs: a release build (`cargo build --release` builds the kernel and its
boot image), QEMU 10 (`.ci/get-qemu10`; 7.2 lacks `one-insn-per-tb`), nm.
Whole-run counts include boot and the benchmark's own setup; only functions
entered at least as often as the operation are listed, which leaves the
per-operation path. Under -icount the counts are exact and repeatable.
"""

import argparse
import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile

KERNEL_BASE = 0xFFFFFFFF80000000


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


def qemu_command(bench, repo):
    """The runner's QEMU command line for this benchmark (release kernel)."""
    out = subprocess.run(
        ["cargo", "run", "-q", "--release", "--", "--smp", "2", "--icount",
         "--print-qemu", "--timeout", "1", "workload=bench", "procs=1",
         f"bench={bench}"],
        cwd=repo, text=True, capture_output=True)
    for line in out.stderr.splitlines():
        if line.startswith("qemu-system-x86_64 "):
            return line
    sys.exit(f"insn-profile: the runner printed no QEMU command:\n{out.stderr}")


def kernel_elf(repo):
    root = os.path.join(repo, "target/x86_64-unknown-none/release/deps/artifact")
    best = None
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            if f.startswith("gmp_kernel-") and not f.endswith(".d"):
                if best is None or os.path.getmtime(p) > os.path.getmtime(best):
                    best = p
    if best is None:
        sys.exit("insn-profile: no release kernel ELF; run `cargo build --release` first")
    return best


def symbols(elf):
    syms = []
    for line in sh(["nm", "-n", "-S", "--defined-only", "-C", elf]).splitlines():
        parts = line.split(" ", 3)
        if len(parts) == 4 and parts[2] in "tT":
            syms.append((int(parts[0], 16) + KERNEL_BASE, int(parts[1], 16), parts[3]))
    syms.sort()
    return syms


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bench", help="one in-kernel benchmark, e.g. gosched-pingpong")
    ap.add_argument("--per", required=True,
                    help="regex of the function entered once per operation")
    ap.add_argument("--qemu", default="target/qemu10/qemu-system-x86_64",
                    help="QEMU 10 or newer (default: what .ci/get-qemu10 installs)")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--dump", type=int, metavar="N",
                    help="also print every instruction of operation N (from the N-th entry of the "
                         "--per function to the next), with its function and disassembly")
    args = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.exists(os.path.join(repo, args.qemu)) and not os.path.isabs(args.qemu):
        sys.exit(f"insn-profile: {args.qemu} not found; run .ci/get-qemu10 first")
    cmd = qemu_command(args.bench, repo)
    argv = re.findall(r"'[^']*'|\S+", cmd)
    argv = [a[1:-1] if a.startswith("'") else a for a in argv]
    argv[0] = os.path.join(repo, args.qemu)
    argv = [a.replace("tcg,thread=single", "tcg,thread=single,one-insn-per-tb=on") for a in argv]
    syms = symbols(kernel_elf(repo))
    starts = [s[0] for s in syms]
    with tempfile.TemporaryDirectory() as tmp:
        fifo = os.path.join(tmp, "exec.log")
        os.mkfifo(fifo)
        serial_file = "file:" + os.path.join(tmp, "serial.txt")
        argv = [serial_file if a == "stdio" and argv[i - 1] == "-serial" else a
                for i, a in enumerate(argv)]
        argv += ["-d", "exec,nochain", "-dfilter", f"{KERNEL_BASE:#x}+0x1000000", "-D", fifo]
        qemu = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        counts = collections.Counter()
        per_starts = {s[0] for s in syms if re.search(args.per, s[2])}
        seen, dump = 0, []
        with open(fifo) as log:
            for line in log:
                i = line.find("/ffffffff")
                if i >= 0:
                    a = int(line[i + 1:i + 17], 16)
                    counts[a] += 1
                    if args.dump is not None:
                        if a in per_starts:
                            seen += 1
                        if seen == args.dump:
                            dump.append(a)
        qemu.wait()
        serial = open(os.path.join(tmp, "serial.txt")).read()
    per_fn = collections.Counter()
    entries = collections.Counter()
    for addr, c in counts.items():
        k = bisect.bisect_right(starts, addr) - 1
        name = syms[k][2] if k >= 0 else "?"
        per_fn[name] += c
        if k >= 0 and addr == syms[k][0]:
            entries[name] += c
    ops = sum(c for n, c in entries.items() if re.search(args.per, n))
    if ops == 0:
        sys.exit(f"insn-profile: no function matching {args.per!r} ran")
    bench_line = next((l for l in serial.splitlines() if l.startswith("BENCH ")), "")
    print(f"{args.bench}: {ops} operations ({args.per} entered); {bench_line}")
    print(f"{'insn/op':>9} {'calls/op':>9}  function")
    total = 0.0
    for name, c in per_fn.most_common():
        if entries[name] < ops * 0.45:
            continue
        total += c / ops
        print(f"{c / ops:9.1f} {entries[name] / ops:9.2f}  {name[:110]}")
        args.top -= 1
        if args.top == 0:
            break
    print(f"{total:9.1f}           (sum of the rows; boot and setup excluded)")
    if args.dump is not None:
        print_dump(dump, syms, starts, kernel_elf(repo))


def print_dump(addrs, syms, starts, elf):
    """Operation N instruction by instruction, grouped by function."""
    text = {}
    for line in sh(["objdump", "-d", "--no-show-raw-insn", "-C", elf]).splitlines():
        m = re.match(r"^\s+([0-9a-f]+):\s+(.*)", line)
        if m:
            text[int(m.group(1), 16) + KERNEL_BASE] = re.sub(r"\s+<.*>", "", m.group(2))
    print(f"\noperation: {len(addrs)} instructions")
    prev = None
    for a in addrs:
        k = bisect.bisect_right(starts, a) - 1
        name = syms[k][2] if k >= 0 else "?"
        if name != prev:
            print(f"--- {name[:100]}")
            prev = name
        print(f"      {text.get(a, '?')}")


if __name__ == "__main__":
    main()
