//! `gmp-metal bench [NAME...] [OPTIONS]`: the command line of the bench.
//!
//! Design note: the bench has its own small set of flags rather than the
//! runner's full set: it chooses the workload itself, and the flags that
//! change what a figure means (`--icount`, `--accel`, `--smp`) are the ones
//! that matter. Benchmark names may be given space- or comma-separated;
//! a word with `=` is passed to the kernel as a boot option (e.g.
//! `reps=100`), checked by the kernel's own parser before QEMU starts.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::accel::Accel;
use crate::run::DEFAULT_QEMU;

/// Default `--smp` of the bench: two cores, enough for the cross-core
/// figures and the size of the machines this project is measured on.
pub const BENCH_SMP: &str = "2";
/// Default guest memory: the parked-G target speaks of a guest of a few
/// GiB, and QEMU only backs the pages the guest touches.
pub const BENCH_MEMORY: &str = "4G";
/// `--lockstep`'s quantum when none is given: 20 µs of one core's clock,
/// Go's shortest sysmon sleep.
pub const LOCKSTEP_QUANTUM: &str = "20000";
/// Default native timing runs per host operation.
pub const BENCH_RUNS: u32 = 3;

/// Runs the in-kernel benchmarks (workload=bench) and, with --compare,
/// the same operations in Go, with Linux threads, tokio and may on the host.
#[derive(clap::Args, Debug, Clone)]
#[command(
    after_long_help = "Units: with --icount every time figure of ours is in instructions (the guest \
TSC counts executed instructions under -icount shift=0,sleep=off), compared with callgrind's \
instruction counts of the Go, Linux, tokio and may programs. Without --icount, TCG times are emulated time \
and are not compared. --accel kvm gives real time only on a host with hardware virtualisation.\n\n\
Examples:\n  \
cargo run --release -- bench --icount --compare --json bench.json\n  \
cargo run --release -- bench switch-raw spawn-warm --icount\n  \
cargo run --release -- bench --host-only --compare     (no QEMU: the host programs only)"
)]
pub struct BenchArgs {
    /// Benchmarks to run (default: all), e.g. switch-raw spawn-warm
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,

    /// Count instructions: -icount shift=0,sleep=off (TCG only)
    #[arg(long)]
    pub icount: bool,

    /// Per-core instruction clocks (implies --icount): cores run in parallel
    #[arg(
        long,
        value_name = "INSNS",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = LOCKSTEP_QUANTUM,
        long_help = "Per-core instruction clocks (implies --icount): each core counts the \
                     instructions it executed itself and the cores take turns of INSNS \
                     instructions (default 20000), the lowest clock first, so N cores work in \
                     parallel and speedups and cross-core latencies mean something, exactly and \
                     repeatably. Give INSNS with `=` (--lockstep=5000). See docs/BENCH.md."
    )]
    pub lockstep: Option<u32>,

    /// Cost per unit of work at each of these core counts, on per-core clocks
    #[arg(
        long,
        value_name = "CORES",
        value_delimiter = ',',
        value_parser = clap::value_parser!(u32).range(1..=1024),
        long_help = "Boot the scaling workload (the fib(26) spawn tree and a producer-consumer \
                     channel, fixed work) at each of these core counts in lockstep \
                     (--lockstep's quantum, default 20000) and print the core time per unit of \
                     work with the ideal (the one-core cost) and the gap split into scheduling, \
                     spinning and idle; the chart goes to PATH.scaling.svg with --json PATH, \
                     else target/bench-scaling.svg. Include 1 for the ideal. Example: \
                     --scaling 1,2,4,8,16,32,64,128,255. See docs/BENCH.md."
    )]
    pub scaling: Option<Vec<u32>>,

    /// Cores of the guest
    #[arg(long, value_name = "SPEC", default_value = BENCH_SMP)]
    pub smp: String,

    /// Guest memory, QEMU -m syntax ("a guest of a few GiB" for the parked-G count)
    #[arg(long, value_name = "SIZE", default_value = BENCH_MEMORY)]
    pub memory: String,

    /// Accelerator: tcg (default) or kvm (never chosen automatically)
    #[arg(long, value_enum, default_value_t = Accel::Tcg)]
    pub accel: Accel,

    /// Also run the same operations in Go, with Linux threads, tokio and may on the host
    #[arg(long)]
    pub compare: bool,

    /// Do not boot the kernel; only the host programs (implies --compare)
    #[arg(long)]
    pub host_only: bool,

    /// Write all results as JSON to PATH, and charts to PATH.svg and PATH.fib.svg
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,

    /// Native timing runs per host operation (the median is kept)
    #[arg(long, value_name = "K", default_value_t = BENCH_RUNS,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub runs: u32,

    /// Tiny host iteration counts: a quick look, noisy figures
    #[arg(long)]
    pub quick: bool,

    /// Kill QEMU after SECS seconds
    #[arg(long, value_name = "SECS", default_value_t = 1800)]
    pub timeout: u64,

    /// The QEMU binary
    #[arg(long, value_name = "PATH", env = "GMP_QEMU", default_value = DEFAULT_QEMU)]
    pub qemu: OsString,

    /// Print the QEMU command line (to stderr) before running
    #[arg(long)]
    pub print_qemu: bool,

    /// Echo the kernel's serial output while it runs
    #[arg(long)]
    pub verbose: bool,
}

impl BenchArgs {
    /// The benchmark names asked for, split on commas, in order, without
    /// repeats; and the `key=value` boot options given among them.
    pub fn split(&self) -> (Vec<String>, Vec<String>) {
        let mut names: Vec<String> = Vec::new();
        let mut opts = Vec::new();
        for word in &self.names {
            if word.contains('=') {
                opts.push(word.clone());
                continue;
            }
            for n in word.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                if !names.iter().any(|m| m == n) {
                    names.push(n.to_string());
                }
            }
        }
        (names, opts)
    }
}
