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

mod latency;
mod measure;
mod multi;
mod single;

use alloc::string::String;

use crate::runtime::inspect::sched;

use crate::prelude::*;
use measure::Unit;

struct Bench {
    name: &'static str,
    procs: Procs,
    run: fn() -> Result<(), String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Procs {
    One,
    TwoOrMore,
    Any,
}

const BENCHES: &[Bench] = &[
    Bench {
        name: "switch-raw",
        procs: Procs::One,
        run: single::switch_raw,
    },
    Bench {
        name: "gosched-pingpong",
        procs: Procs::One,
        run: single::gosched_pingpong,
    },
    Bench {
        name: "runnext-handoff",
        procs: Procs::One,
        run: single::runnext_handoff,
    },
    Bench {
        name: "chan-pingpong-1p",
        procs: Procs::One,
        run: single::chan_pingpong_1p,
    },
    Bench {
        name: "spawn-cold",
        procs: Procs::One,
        run: single::spawn_cold,
    },
    Bench {
        name: "spawn-warm",
        procs: Procs::One,
        run: single::spawn_warm,
    },
    Bench {
        name: "preempt-latency",
        procs: Procs::One,
        run: single::preempt_latency,
    },
    Bench {
        name: "tick-idle",
        procs: Procs::One,
        run: single::tick_idle,
    },
    Bench {
        name: "mem-parked-g",
        procs: Procs::One,
        run: single::mem_parked_g,
    },
    Bench {
        name: "chan-pingpong-2p",
        procs: Procs::TwoOrMore,
        run: multi::chan_pingpong_2p,
    },
    Bench {
        name: "wake-latency",
        procs: Procs::TwoOrMore,
        run: multi::wake_latency,
    },
    Bench {
        name: "steal-latency",
        procs: Procs::TwoOrMore,
        run: multi::steal_latency,
    },
    Bench {
        name: "fib-procs",
        procs: Procs::Any,
        run: multi::fib_procs,
    },
    Bench {
        name: "sched-latency",
        procs: Procs::Any,
        run: latency::sched_latency,
    },
];

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
        "BENCH-ENV cores={} procs={procs} accel={} icount={} cpu=\"{brand}\" tsc_hz={} unit={}",
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
        crate::runtime::inspect::machine::tsc_hz(),
        Unit::time().as_str()
    );
    for b in BENCHES {
        if !opts.bench.is_empty() && !opts.bench.iter().any(|n| n == b.name) {
            continue;
        }
        match (b.procs, procs) {
            (Procs::One, p) if p != 1 => {
                kprintln!(
                    "BENCH-SKIP {} needs procs=1 (booted with procs={p})",
                    b.name
                );
                continue;
            }
            (Procs::TwoOrMore, 1) => {
                kprintln!("BENCH-SKIP {} needs procs>=2 (booted with procs=1)", b.name);
                continue;
            }
            _ => {}
        }
        (b.run)().map_err(|e| alloc::format!("benchmark {}: {e}", b.name))?;
    }
    kprintln!("BENCH-DONE");
    Ok(())
}
