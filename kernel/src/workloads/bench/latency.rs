//! `sched-latency`: the runnable → running time of every G while the
//! `producer-consumer` demo runs, at the booted `procs` (reported as
//! `sched-latency-<procs>`; the runner boots 1, 2, 4, 8 ... up to its
//! cores).
//!
//! The figures come from `runtime::tracking` (Go's `/sched/latencies`
//! histogram layout), which this benchmark turns on if `tracking=on` did
//! not. The `BENCH` line's median and p99 are the histogram's p50 and p99
//! (each the upper bound of its bucket, at most 6 % above the true value)
//! and its min the lower bound of the first non-empty bucket; a note gives
//! p90, the exact max and the same per cause. A waiting G's latency is a
//! cross-core, parallel figure: meaningful only in real time.

use alloc::string::String;

use super::measure::Unit;
use crate::prelude::*;
use crate::runtime::inspect::sched;
use crate::runtime::inspect::tracking;

/// Run producer-consumer with tracking and print its latency percentiles.
pub fn sched_latency() -> Result<(), String> {
    if !tracking::enabled() {
        tracking::init();
    }
    tracking::reset();
    let demo = crate::workloads::entry("producer-consumer").expect("registered");
    demo()?;
    let (all, per) = tracking::merged();
    let name = alloc::format!("sched-latency-{}", sched::gomaxprocs());
    let row = super::measure::row(&name);
    let q = |c: &gmp_sched::timehist::Counts, pm| c.quantile(pm).unwrap_or(0);
    // Whole figures, unlike `measure::report`'s: the histogram's bounds.
    kprintln!(
        "BENCH {name} unit={} reps={} median={} p99={} min={} desc=\"{}\"",
        Unit::of(row.unit).as_str(),
        all.total(),
        q(&all, 500),
        q(&all, 990),
        all.min().unwrap_or(0),
        row.desc
    );
    kprintln!("BENCH-NOTE {name} all: {}", tracking::percentiles(&all));
    for (cause, c) in tracking::CAUSES.iter().zip(&per) {
        if c.total() > 0 {
            kprintln!(
                "BENCH-NOTE {name} {cause} ({} Gs): {}",
                c.total(),
                tracking::percentiles(c)
            );
        }
    }
    super::multi::note_realtime(&name);
    Ok(())
}
