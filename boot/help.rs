//! The long help's prose and its generated tail: the kernel's boot options
//! (from the kernel's own table), examples and the exit statuses.
//!
//! Design note: the boot option reference is rendered by the kernel's
//! option crate from its `KEYS` table, and the exit statuses come from
//! `exit::STATUSES`, the same tables the parser and the exit mapping use,
//! so `--help` cannot describe an option the kernel does not have.

use std::fmt::Write;

use gmp_sched::options::boot_options_help;

use crate::exit;

/// The text above the options in `--help`.
pub const LONG_ABOUT: &str = "\
Boots the gmp-metal kernel in QEMU: every core becomes an M holding its own P, \
and Go's scheduler (runnext, local run queues, the global queue, work stealing, \
spinning Ms, preemption from the APIC timer) runs Gs with no operating system \
underneath. The serial console is printed as it arrives; the exit status says \
how the run ended (see the end of this help).";

/// The text below the options in `--help`.
pub fn after_long_help() -> String {
    let mut s = boot_options_help().to_string();
    s.push_str(
        "\nExamples:\n  \
         cargo run                                     4 cores, the default workload\n  \
         cargo run -- --smp 8 workload=fib procs=4     8 Ms, 4 Ps\n  \
         cargo run -- --smp 6,sockets=2,cores=3 --schedtrace 1000\n  \
         cargo run -- --icount --workload pingpong     deterministic instruction counts\n  \
         cargo run -- --gdb                            wait for gdb on :1234\n  \
         cargo run -- --trace --workload producer-consumer   trace into target/gmp-trace/\n  \
         cargo run -- --print-qemu -- -d int -D qemu.log   extra QEMU arguments\n",
    );
    s.push_str("\nExit statuses:\n");
    for (code, meaning) in exit::STATUSES {
        let _ = writeln!(s, "  {code:<5}{meaning}");
    }
    s
}
