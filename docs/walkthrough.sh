#!/usr/bin/env bash
# Runs the commands of docs/WALKTHROUGH.md, so they cannot rot.
#
#   docs/walkthrough.sh readelf   readelf -h / -s on the kernel ELF
#   docs/walkthrough.sh build     cargo build -v (what is built and linked)
#   docs/walkthrough.sh gdb       attach gdb to a QEMU already waiting on
#                                 $GDB_PORT (cargo run -- --gdb --smp 2) and
#                                 run docs/walkthrough.gdb
#   docs/walkthrough.sh all       readelf, build, then boots QEMU with --gdb
#                                 in the background and runs the gdb step
#
# KERNEL_ELF: the unstripped kernel ELF (default: the one the runner boots,
# `cargo run -- --print-kernel-elf`); GDB_PORT: default 1234 (what --gdb
# uses). tests/walkthrough.rs runs the readelf and gdb steps against its
# own QEMU.
set -euo pipefail
cd "$(dirname "$0")/.."

# The bootloader loads the kernel here (gmp_sched::layout::KERNEL_BASE).
KERNEL_BASE=0xffffffff80000000
GDB_PORT=${GDB_PORT:-1234}

kernel_elf() {
    if [ -n "${KERNEL_ELF:-}" ]; then
        echo "$KERNEL_ELF"
        return
    fi
    # The kernel is an artifact dependency of the runner, built for
    # x86_64-unknown-none under deps/artifact/; several may lie there (the
    # lab tests build copies of the tree), so ask the runner which one it
    # boots.
    cargo run -q -- --print-kernel-elf
}

step_readelf() {
    local elf
    elf=$(kernel_elf)
    echo "==> readelf -h $elf"
    readelf -h "$elf"
    echo "==> readelf -s $elf | grep ' _start\$'"
    readelf -sW "$elf" | grep ' _start$'
}

step_build() {
    echo "==> cargo build -v"
    cargo build -v
}

step_gdb() {
    local elf
    elf=$(kernel_elf)
    echo "==> gdb -batch -ex 'symbol-file -o $KERNEL_BASE $elf' -ex 'target remote :$GDB_PORT' -x docs/walkthrough.gdb"
    gdb -batch -ex "symbol-file -o $KERNEL_BASE $elf" -ex "target remote :$GDB_PORT" \
        -x docs/walkthrough.gdb
}

case "${1:-all}" in
readelf) step_readelf ;;
build) step_build ;;
gdb) step_gdb ;;
all)
    step_readelf
    step_build
    echo "==> cargo run -- --gdb --smp 2 &"
    cargo run -- --gdb --smp 2 --timeout 120 &
    qemu=$!
    sleep 5
    step_gdb
    wait "$qemu"
    ;;
*)
    echo "usage: $0 [readelf|build|gdb|all]" >&2
    exit 2
    ;;
esac
