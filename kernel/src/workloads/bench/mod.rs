//! In-kernel benchmarks (`workload=bench bench=NAME,...`).
//!
//! Each benchmark times an operation with the TSC over many repetitions and
//! prints one machine-readable line the runner parses:
//!
//! ```text
//! BENCH-ENV cores=4 procs=1 accel=tcg icount=on cpu="..." tsc_hz=... unit=insn
//! BENCH <name> unit=<insn|ns|bytes> reps=<n> median=<x> p99=<x> min=<x> desc="..."
//! BENCH-NOTE <name> <text>
//! BENCH-SKIP <name> <why>
//! BENCH-DONE
//! ```
//!
//! Units: under `-icount shift=0,sleep=off` (boot option `icount=on`, set by
//! the runner's `--icount`) one executed instruction advances virtual time
//! by 1 ns, so a TSC interval converted to nanoseconds *is* an instruction
//! count — deterministic and comparable with callgrind counts on the host.
//! Without icount the figures are nanoseconds of (emulated, under TCG) time.
//!
//! Benchmarks that need a single P (the ping-pongs, spawn, preemption,
//! idle tick, memory) say `BENCH-SKIP` unless booted with `procs=1`; the
//! cross-P ones need `procs>=2`; the runner boots each group accordingly.
//!
//! Which benchmarks exist, and the procs, unit and description of each:
//! one row each in `registry.rs`, the list the runner reads too
//! (`gmp_sched::options::BENCHES`).

mod latency;
mod measure;
mod multi;
mod single;

use alloc::string::String;

use gmp_sched::options::{BENCHES, BenchProcs};

use crate::runtime::inspect::sched;

use crate::prelude::*;
use measure::Unit;

/// Builds [`RUNS`] from the rows of `registry.rs`; the rest of each row
/// is in [`BENCHES`], built from the same file in the same order.
macro_rules! benches {
    ($( $name:literal => $module:ident :: $run:ident, procs: $procs:ident, unit: $unit:ident,
        real_time_only: $rt:literal : $desc:literal; )*) => {
        /// Every benchmark's name and function, in registry order.
        const RUNS: &[(&str, fn() -> Result<(), String>)] = &[ $( ($name, $module::$run), )* ];
    };
}

include!("registry.rs");

/// The benchmark names, for validation and `--help`.
pub fn names() -> impl Iterator<Item = &'static str> {
    BENCHES.iter().map(|b| b.name)
}

/// Run the benchmarks named by the `bench` boot option (all if empty).
pub fn run() -> Result<(), String> {
    let opts = crate::runtime::inspect::debug::options();
    for name in &opts.bench {
        if !BENCHES.iter().any(|b| b.name == name.as_str()) {
            let known: alloc::vec::Vec<&str> = names().collect();
            return Err(alloc::format!(
                "unknown benchmark {name:?} (known: {})",
                known.join(", ")
            ));
        }
    }
    let procs = sched::gomaxprocs();
    let brand = raw_cpuid::CpuId::new()
        .get_processor_brand_string()
        .map(|b| String::from(b.as_str().trim()))
        .unwrap_or_else(|| String::from("unknown"));
    kprintln!(
        "BENCH-ENV cores={} procs={procs} accel={} icount={} lockstep={} cpu=\"{brand}\" tsc_hz={} unit={}",
        crate::runtime::inspect::m::mcount(),
        if raw_cpuid::CpuId::new()
            .get_hypervisor_info()
            .is_some_and(|h| h.identify() == raw_cpuid::Hypervisor::KVM)
        {
            "kvm"
        } else {
            "tcg"
        },
        if opts.icount { "on" } else { "off" },
        opts.lockstep,
        crate::runtime::inspect::machine::tsc_hz(),
        Unit::time().as_str()
    );
    for (b, &(name, run)) in BENCHES.iter().zip(RUNS) {
        debug_assert_eq!(b.name, name, "BENCHES and RUNS come from the same rows");
        if !opts.bench.is_empty() && !opts.bench.iter().any(|n| n == b.name) {
            continue;
        }
        match (b.procs, procs) {
            (BenchProcs::One, p) if p != 1 => {
                kprintln!(
                    "BENCH-SKIP {} needs procs=1 (booted with procs={p})",
                    b.name
                );
                continue;
            }
            (BenchProcs::TwoOrMore, 1) => {
                kprintln!("BENCH-SKIP {} needs procs>=2 (booted with procs=1)", b.name);
                continue;
            }
            _ => {}
        }
        run().map_err(|e| alloc::format!("benchmark {}: {e}", b.name))?;
    }
    kprintln!("BENCH-DONE");
    Ok(())
}
